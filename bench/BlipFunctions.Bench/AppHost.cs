using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlipFunctions.Bench;

/// <summary>
/// The app's host built as Program.cs builds it (ConfigureBlipFunctions; never run: no Functions host here), with the
/// settings of one benchmark, every setting validated as at start-up. Function classes are created from its services
/// as the worker creates them.
/// </summary>
internal sealed class AppHost : IDisposable
{
    private readonly IHost _host;

    private AppHost(IHost host) => _host = host;

    public static AppHost Create(IDictionary<string, string?> settings)
    {
        FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.ConfigureBlipFunctions();
        IHost host = builder.Build();
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            return new AppHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>A function class, created the way the worker creates it (constructor injection).</summary>
    public T Function<T>() => ActivatorUtilities.CreateInstance<T>(_host.Services);

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public void Dispose() => _host.Dispose();
}
