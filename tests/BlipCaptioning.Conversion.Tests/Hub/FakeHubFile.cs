using System.Security.Cryptography;
using System.Text;

namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>A file of a <see cref="FakeHubRepo"/>: what the hub lists for it and what it serves.</summary>
internal sealed class FakeHubFile
{
    public FakeHubFile(byte[] content, bool isLfs)
    {
        Content = content;
        IsLfs = isLfs;
        Served = content;
        ListedSize = content.Length;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
#pragma warning disable CA5350 // A git blob id is SHA-1 by definition; nothing here relies on it for security.
        BlobId = Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
#pragma warning restore CA5350
    }

    /// <summary>The bytes the listing describes (size, SHA-256, git blob id).</summary>
    public byte[] Content { get; }

    public bool IsLfs { get; }

    /// <summary>The bytes actually served; set to something else to simulate a corrupted transfer.</summary>
    public byte[] Served { get; set; }

    /// <summary>The size the listing gives; set to something else to simulate a size mismatch.</summary>
    public long ListedSize { get; set; }

    public string Sha256 { get; }

    /// <summary>The git blob id (SHA-1 of "blob {size}\0" + content), the hub's ETag for non-LFS files.</summary>
    public string BlobId { get; }
}
