using BlipCaptioning.Files;

namespace BlipCaptioning.Tests.Files;

public sealed class StagingDirectoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "blip-staging-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Target => Path.Combine(_folder, "model");

    [Fact]
    public void CreateBeside_ThenDispose_LeavesNothingBehind()
    {
        string path;
        using (var staging = StagingDirectory.CreateBeside(Target, "building"))
        {
            path = staging.Path;
            File.WriteAllText(Path.Combine(path, "file"), "x");
            Assert.Matches(@"/\.model\.building-[0-9a-f]{32}$", path);
            Assert.True(File.Exists(path + ".lock"));
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Fact]
    public void RemoveAbandoned_FolderHeldByALiveStaging_IsKeptHoweverOld()
    {
        using var live = StagingDirectory.CreateBeside(Target, "download");
        Age(live.Path);
        Age(live.Path + ".lock");

        int removed = StagingDirectory.RemoveAbandoned(Target, "download");

        Assert.Equal(0, removed);
        Assert.True(Directory.Exists(live.Path));
    }

    [Fact]
    public void RemoveAbandoned_OldUnheldFolderAndLock_AreRemoved()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_folder, $".model.download-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(folder + ".lock", "");
        Age(folder + ".lock");
        Age(folder);

        int removed = StagingDirectory.RemoveAbandoned(Target, "download");

        Assert.Equal(1, removed);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Fact]
    public void RemoveAbandoned_OldLockWhoseFolderIsGone_IsRemovedAndAnotherKindIsLeftAlone()
    {
        string orphanLock = Path.Combine(_folder, $".model.download-{Guid.NewGuid():N}.lock");
        File.WriteAllText(orphanLock, "");
        Age(orphanLock);
        string otherKind = Directory.CreateDirectory(Path.Combine(_folder, $".model.building-{Guid.NewGuid():N}")).FullName;
        Age(otherKind);

        StagingDirectory.RemoveAbandoned(Target, "download");

        Assert.False(File.Exists(orphanLock));
        Assert.True(Directory.Exists(otherKind));
    }

    private static void Age(string path)
    {
        var then = DateTime.UtcNow.AddHours(-2);
        if (Directory.Exists(path))
        {
            Directory.SetLastWriteTimeUtc(path, then);
        }
        else
        {
            File.SetLastWriteTimeUtc(path, then);
        }
    }
}
