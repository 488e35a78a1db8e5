using BlipCaptioning.Testing;

namespace BlipFunctions.Testing;

/// <summary>
/// The tiny random BLIP model, made once per test collection exactly as `blip model random --preset tiny` makes it
/// (seeded random weights, meaningless but real captions), in a temporary model folder.
/// </summary>
public sealed class TinyModelFixture : IDisposable
{
    /// <summary>The manifest's source of the model.</summary>
    public const string Source = TinyModels.RandomTinySource;

    private readonly TemporaryFolder _root = new("blip-functions-tests");

    public TinyModelFixture()
    {
        ModelDirectory = _root.Combine("tiny");
        TinyModels.BuildRandomTiny(ModelDirectory);
    }

    /// <summary>The temporary folder the model folder is in; tests may make other folders here.</summary>
    public string Root => _root.Path;

    public string ModelDirectory { get; }

    /// <summary>
    /// The bytes of one of the photos in tests/fixtures/transformers-tiny-a/images: astronaut, chelsea, coffee (PNG)
    /// or rocket (JPEG).
    /// </summary>
    public static byte[] Photo(string name) => File.ReadAllBytes(RepositoryPaths.TinyAPhoto(name));

    public void Dispose() => _root.Dispose();
}
