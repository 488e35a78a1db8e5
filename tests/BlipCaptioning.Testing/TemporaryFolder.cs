namespace BlipCaptioning.Testing;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TemporaryFolder : IDisposable
{
    /// <param name="prefix">The start of the folder's name, so a leftover folder says which tests made it.</param>
    public TemporaryFolder(string prefix = "blip-tests")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless; never fail a test over it.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise (a test may leave a folder it made read-only).
        }
    }
}
