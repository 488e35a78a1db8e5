namespace BlipCaptioning.Inference;

/// <summary>The threads a loaded model's sessions run on: what <see cref="BlipSessionSettings"/> asked for and the process allowed.</summary>
/// <param name="Pool">The process-wide pool or one pool per session.</param>
/// <param name="Threads">Intra-op threads (counting the caller's).</param>
/// <param name="Spinning">Whether idle threads spin for the next parallel section.</param>
/// <param name="WhyNotShared">Why the sessions have their own pools although the settings asked for the shared one; null otherwise.</param>
public sealed record SessionThreading(SessionThreadPool Pool, int Threads, bool Spinning, string? WhyNotShared = null)
{
    /// <summary>"shared pool, 2 threads, spinning" or "per-session pools, 2 threads, no spinning".</summary>
    public override string ToString() =>
        $"{(Pool == SessionThreadPool.Shared ? "shared pool" : "per-session pools")}, {Threads} thread{(Threads == 1 ? "" : "s")}, {(Spinning ? "spinning" : "no spinning")}";
}
