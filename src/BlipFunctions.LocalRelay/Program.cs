using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using BlipFunctions.LocalRelay;

// Usage: BlipFunctions.LocalRelay [--connection CS] [--container images] [--host http://localhost:7071] [--function CaptionBlob] [--interval-ms 1000] [--prefix folder/] [--deletions-queue blob-deletions]
// BlobDeleted events go to the deletions queue (as the Event Grid subscription of infra/app/deletions.bicep writes them); "" turns that off.
var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--connection"] = Environment.GetEnvironmentVariable("CaptionStorage") ?? "UseDevelopmentStorage=true",
    ["--container"] = "images",
    ["--host"] = "http://localhost:7071",
    ["--function"] = "CaptionBlob",
    ["--interval-ms"] = "1000",
    ["--prefix"] = "",
    ["--deletions-queue"] = "blob-deletions",
};
for (int i = 0; i < args.Length; i++)
{
    if (!options.ContainsKey(args[i]) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"relay: unknown or incomplete option '{args[i]}'. Options: {string.Join(", ", options.Keys)} (each with a value).");
        return 1;
    }

    options[args[i]] = args[++i];
}

var webhook = new Uri($"{options["--host"].TrimEnd('/')}/runtime/webhooks/blobs?functionName=Host.Functions.{options["--function"]}");
var container = new BlobContainerClient(options["--connection"], options["--container"]);
using var http = new HttpClient();
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
QueueClient? deletions = options["--deletions-queue"].Length == 0 ? null : new QueueClient(options["--connection"], options["--deletions-queue"]);
try
{
    await container.CreateIfNotExistsAsync();
    if (deletions is not null)
    {
        await deletions.CreateIfNotExistsAsync();
    }
}
catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
{
    Console.Error.WriteLine($"relay: cannot reach the storage at {container.Uri} ({e.Message.Split('\n')[0]}). Is Azurite running?");
    return 1;
}

Console.WriteLine($"relay: watching container '{container.Name}' at {container.Uri}, posting BlobCreated events to {webhook}" +
    (deletions is null ? "" : $" and queueing BlobDeleted events in '{deletions.Name}'"));
try
{
    await new BlobEventRelay(container, http, webhook, TimeProvider.System, options["--prefix"], deletions)
        .RunAsync(TimeSpan.FromMilliseconds(int.Parse(options["--interval-ms"], System.Globalization.CultureInfo.InvariantCulture)), stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("relay: stopped");
}

return 0;
