using Azure;

namespace BlipFunctions.Captioning;

/// <summary>Which failures the host should retry (storage throttling, server errors, timeouts, lost connections).</summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        RequestFailedException e => e.Status is 0 or 408 or 429 or >= 500,
        TimeoutException or HttpRequestException or IOException => true,
        _ => false,
    };
}
