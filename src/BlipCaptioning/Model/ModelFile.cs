namespace BlipCaptioning.Model;

/// <summary>One file of a model folder as its manifest describes it.</summary>
/// <param name="Name">The file name inside the folder (a contract name, never a path).</param>
/// <param name="Sha256">Its SHA-256 (lowercase hex) where the manifest records one: every graph and data file.</param>
/// <param name="Required">Whether a model folder without it is incomplete.</param>
/// <param name="MaxBytes">The most bytes it may hold (<see cref="ModelLimits"/>).</param>
public sealed record ModelFile(string Name, string? Sha256, bool Required, long MaxBytes);
