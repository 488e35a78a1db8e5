using Azure.Storage.Blobs;
using BlipFunctions.LocalRelay;

// Usage: BlipFunctions.LocalRelay [--connection CS] [--container images] [--host http://localhost:7071] [--function CaptionBlob] [--interval-ms 1000] [--prefix folder/]
var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--connection"] = Environment.GetEnvironmentVariable("CaptionStorage") ?? "UseDevelopmentStorage=true",
    ["--container"] = "images",
    ["--host"] = "http://localhost:7071",
    ["--function"] = "CaptionBlob",
    ["--interval-ms"] = "1000",
    ["--prefix"] = "",
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
try
{
    await container.CreateIfNotExistsAsync();
}
catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
{
    Console.Error.WriteLine($"relay: cannot reach the storage at {container.Uri} ({e.Message.Split('\n')[0]}). Is Azurite running?");
    return 1;
}

Console.WriteLine($"relay: watching container '{container.Name}' at {container.Uri}, posting BlobCreated events to {webhook}");
try
{
    await new BlobEventRelay(container, http, webhook, TimeProvider.System, options["--prefix"])
        .RunAsync(TimeSpan.FromMilliseconds(int.Parse(options["--interval-ms"], System.Globalization.CultureInfo.InvariantCulture)), stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("relay: stopped");
}

return 0;
