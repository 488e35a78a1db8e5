namespace BlipCaptioning;

/// <summary>
/// Puts the model folder in place before an <see cref="ImageCaptioner"/> loads it, e.g. by copying it from storage.
/// The captioner awaits it before each attempt to load the model (on the first caption, and again on the next call
/// after a failed load), one call at a time, never at construction.
/// </summary>
public interface IModelSource
{
    /// <summary>Makes <paramref name="modelDirectory"/> hold the model, or leaves it as it is when it already does.</summary>
    /// <param name="modelDirectory">The captioner's model folder (<see cref="CaptioningOptions.ModelDirectory"/>, full path).</param>
    /// <param name="cancellationToken">The token of the caption that triggered the load.</param>
    /// <returns>What it did, which decides whether the load hashes the graph and data files again.</returns>
    /// <remarks>Its exceptions reach the caller of the caption as they are; the next caption asks again.</remarks>
    Task<ModelSourceResult> PrepareAsync(string modelDirectory, CancellationToken cancellationToken);
}
