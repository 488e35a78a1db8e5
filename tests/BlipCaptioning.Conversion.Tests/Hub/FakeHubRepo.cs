using System.Security.Cryptography;

namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>One repo served by <see cref="FakeHubServer"/>: one commit, the branches pointing at it, its files.</summary>
internal sealed class FakeHubRepo
{
    public FakeHubRepo(string id)
    {
        Id = id;
        Commit = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        Branches["main"] = Commit;
    }

    public string Id { get; }

    public string Commit { get; }

    public Dictionary<string, string> Branches { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, FakeHubFile> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Files listed by the model-info API but answering 404 when downloaded.</summary>
    public HashSet<string> ListedButMissing { get; } = new(StringComparer.Ordinal);

    public FakeHubFile Add(string name, byte[] content, bool isLfs = false)
    {
        var file = new FakeHubFile(content, isLfs);
        Files[name] = file;
        return file;
    }

    /// <summary>The commit a branch name or commit hash resolves to, or null.</summary>
    public string? Resolve(string revision) =>
        revision == Commit ? Commit : Branches.GetValueOrDefault(revision);
}
