using Microsoft.Azure.WebJobs.Host;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>Creates the bridge (<see cref="Host.Functions"/>), which makes our function classes from the app's own services, as the worker makes them.</summary>
public sealed class AppJobActivator(BlipFunctions.Testing.FunctionsAppHost app) : IJobActivator
{
    public T CreateInstance<T>()
    {
        if (typeof(T) != typeof(Host.Functions))
        {
            throw new InvalidOperationException($"Only {typeof(Host.Functions)} is a job class here, not {typeof(T)}.");
        }

        return (T)(object)new Host.Functions(app);
    }
}
