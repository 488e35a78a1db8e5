namespace BlipFunctions.SearchBench;

/// <summary>What one search cost: hits over all pages, storage round trips for all pages, and time (median).</summary>
internal sealed record SearchCost(int Hits, int RoundTrips, double FirstPageMs, double AllPagesMs);
