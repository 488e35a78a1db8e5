using Grpc.Core;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>The FunctionRpc gRPC service (generated from the host's FunctionRpc.proto): hands the worker's stream to its channel.</summary>
public sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}
