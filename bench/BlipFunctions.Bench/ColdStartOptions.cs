namespace BlipFunctions.Bench;

/// <summary>What one cold start measures: the model, how many copy rounds, how many ranges in flight.</summary>
internal sealed record ColdStartOptions(string ModelDirectory, int CopyRounds, int RangedConcurrency);
