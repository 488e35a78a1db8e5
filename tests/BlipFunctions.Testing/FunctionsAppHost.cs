using Azure.Data.Tables;
using Azure.Storage.Blobs;
using BlipFunctions.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Testing;

/// <summary>
/// The app's host built exactly as Program.cs builds it (never run: no Functions host here), pointed at the test's
/// Azurite, a table of its own and the tiny model. Functions are created from its services as the worker does.
/// </summary>
public sealed class FunctionsAppHost : IDisposable
{
    private readonly IHost _host;

    private FunctionsAppHost(IHost host, string table, AzuriteFixture azurite)
    {
        _host = host;
        TableName = table;
        Images = azurite.Blobs.GetBlobContainerClient("images");
        Table = azurite.Tables.GetTableClient(table);
    }

    public IServiceProvider Services => _host.Services;

    public string TableName { get; }

    public BlobContainerClient Images { get; }

    public TableClient Table { get; }

    /// <summary>Builds the host and validates every setting, as the host does when it starts.</summary>
    public static FunctionsAppHost Create(
        AzuriteFixture azurite,
        string? modelDirectory,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        string table = AzuriteFixture.UniqueTableName();
        var values = new Dictionary<string, string?>
        {
            ["CaptionStorage"] = azurite.ConnectionString,
            ["Captioning:CaptionsTable"] = table,
            ["Captioning:ModelDirectory"] = modelDirectory,
            ["Captioning:IntraOpThreads"] = "1",
        };
        foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(values);
        builder.ConfigureBlipFunctions();
        services?.Invoke(builder.Services);
        IHost host = builder.Build();
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        var app = new FunctionsAppHost(host, table, azurite);
        app.Images.CreateIfNotExists();
        app.Table.CreateIfNotExists();
        return app;
    }

    /// <summary>A function class, created the way the worker creates it (constructor injection).</summary>
    public T Function<T>() => ActivatorUtilities.CreateInstance<T>(_host.Services);

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>Every caption row of this host's table (the images container's partition; not the keyword index).</summary>
    public List<CaptionEntity> Rows() => [.. Table.Query<CaptionEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Images.Name}"))];

    /// <summary>Every keyword index entry of this host's table, as (keyword partition, blob row key).</summary>
    public List<(string PartitionKey, string RowKey)> KeywordEntries() =>
        [.. Table.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ge {"kw~"} and PartitionKey lt {"kw"}"))
            .Select(e => (e.PartitionKey, e.RowKey))];

    public void Dispose() => _host.Dispose();
}
