namespace BlipFunctions.Bench;

/// <summary>What one burst runs: the model, how many images, and the app's concurrency settings.</summary>
internal sealed record BurstOptions(string ModelDirectory, int Images, int Parallelism, int MaxConcurrency, int IntraOpThreads);
