namespace BlipFunctions.Tests.Fixtures;

/// <summary>The system clock moved forward by <see cref="Offset"/>: for tests of leases and stalls that must not wait.</summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
