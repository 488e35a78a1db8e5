using System.Net;
using BlipCaptioning.Conversion.Hub;

namespace BlipCaptioning.Conversion.Tests.Hub;

public sealed class TransientRetryTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(9, 30)]
    public void Backoff_AfterFailedAttempts_DoublesFromTheRetryDelayUpTo30Seconds(int failedAttempts, int expectedSeconds)
    {
        var options = new HubOptions { RetryDelay = TimeSpan.FromSeconds(1) };

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), TransientRetry.Backoff(options, failedAttempts));
    }

    [Fact]
    public void IsTransient_ServerErrorsDroppedConnectionsAndTimeouts_AreTransient()
    {
        Assert.True(TransientRetry.IsTransient(new HubException("503", HttpStatusCode.ServiceUnavailable, isTransient: true), CancellationToken.None));
        Assert.True(TransientRetry.IsTransient(new HttpRequestException("refused"), CancellationToken.None));
        Assert.True(TransientRetry.IsTransient(new IOException("response ended prematurely"), CancellationToken.None));
        Assert.True(TransientRetry.IsTransient(new OperationCanceledException(), CancellationToken.None));
    }

    [Fact]
    public void IsTransient_NotFoundOrTheCallersCancellation_IsNotTransient()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(TransientRetry.IsTransient(new HubException("404", HttpStatusCode.NotFound, isTransient: false), CancellationToken.None));
        Assert.False(TransientRetry.IsTransient(new OperationCanceledException(cancelled.Token), cancelled.Token));
    }
}
