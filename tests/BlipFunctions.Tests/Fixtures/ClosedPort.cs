using System.Net;
using System.Net.Sockets;

namespace BlipFunctions.Tests.Fixtures;

/// <summary>A loopback port nothing listens on (it was free a moment ago): a storage endpoint that refuses every connection.</summary>
public static class ClosedPort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><paramref name="connectionString"/> with the named endpoints (e.g. "TableEndpoint") on a closed port.</summary>
    public static string Refusing(string connectionString, params string[] endpoints)
    {
        int port = Next();
        return string.Join(';', connectionString.Split(';').Select(part =>
            endpoints.FirstOrDefault(endpoint => part.StartsWith(endpoint + "=", StringComparison.Ordinal)) is { } name
                ? $"{name}=http://127.0.0.1:{port}/devstoreaccount1"
                : part));
    }
}
