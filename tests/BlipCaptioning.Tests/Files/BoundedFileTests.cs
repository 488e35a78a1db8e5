using BlipCaptioning.Files;
using static BlipCaptioning.Testing.HostileModelFolders;

namespace BlipCaptioning.Tests.Files;

public sealed class BoundedFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "blip-bounded-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ReadAllBytes_FileOfExactlyItsBudget_IsRead()
    {
        string path = Path.Combine(_folder, "exact.json");
        File.WriteAllBytes(path, new byte[100]);

        Assert.Equal(100, BoundedFile.ReadAllBytes(path, 100, message => new InvalidDataException(message)).Length);
    }

    [Fact]
    public void ReadAllBytes_FileOneByteOverItsBudget_IsRefusedNamingItAndTheBudget()
    {
        string path = Path.Combine(_folder, "large.json");
        File.WriteAllBytes(path, new byte[101]);

        var error = Assert.Throws<InvalidDataException>(() => BoundedFile.ReadAllBytes(path, 100, message => new InvalidDataException(message)));

        Assert.Equal($"{path} is 101 bytes, more than the 100 bytes allowed for it.", error.Message);
    }

    [Fact]
    public void ReadAllBytes_SymlinkToDevZero_IsRefusedAsACharacterDevice()
    {
        string path = Path.Combine(_folder, "zero.json");
        File.CreateSymbolicLink(path, "/dev/zero");

        var error = Assert.Throws<InvalidDataException>(() => BoundedFile.ReadAllBytes(path, 1 << 20, message => new InvalidDataException(message)));

        Assert.Equal($"{path} is a character device, not a regular file; only plain files are read.", error.Message);
    }

    [Fact]
    public void ReadAllBytes_Fifo_IsRefusedWithoutWaitingForAWriter()
    {
        string path = Path.Combine(_folder, "pipe.json");
        MakeFifo(path);

        var error = Assert.Throws<InvalidDataException>(() => BoundedFile.ReadAllBytes(path, 1 << 20, message => new InvalidDataException(message)));

        Assert.Contains("is a FIFO (named pipe), not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAllText_Utf8WithByteOrderMark_DecodesAsFileReadAllTextDoes()
    {
        string path = Path.Combine(_folder, "bom.json");
        File.WriteAllText(path, "{\"size\": 384, \"é\": 1}", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Equal(File.ReadAllText(path), BoundedFile.ReadAllText(path, 1 << 20, message => new InvalidDataException(message)));
    }
}
