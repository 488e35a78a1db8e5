using System.Text;

namespace BlipCaptioning.Conversion.Tests.Hub;

/// <summary>Fills a <see cref="FakeHubRepo"/> with the files of a BLIP checkpoint repo (contents are opaque bytes).</summary>
internal static class FakeCheckpoint
{
    public const string Repo = "Salesforce/blip-image-captioning-base";

    public static readonly string[] SmallFiles =
        ["config.json", "preprocessor_config.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "tokenizer.json"];

    /// <summary>Like the real repo's main branch: small files, pytorch_model.bin and tf_model.h5 (both LFS), a README.</summary>
    public static FakeHubRepo AddBlipRepo(FakeHubServer server, string id = Repo, int weightBytes = 300_000, bool withSafetensors = false)
    {
        var repo = server.AddRepo(id);
        repo.Add(".gitattributes", Encoding.UTF8.GetBytes("*.bin filter=lfs diff=lfs merge=lfs -text\n"));
        repo.Add("README.md", Encoding.UTF8.GetBytes("# BLIP\n"));
        var seed = 1;
        foreach (var name in SmallFiles)
        {
            repo.Add(name, Bytes(name == "vocab.txt" ? 5_000 : 700, seed++));
        }

        repo.Add("pytorch_model.bin", Bytes(weightBytes, 100), isLfs: true);
        repo.Add("tf_model.h5", Bytes(weightBytes, 200), isLfs: true);
        if (withSafetensors)
        {
            repo.Add("model.safetensors", Bytes(weightBytes, 300), isLfs: true);
        }

        return repo;
    }

    public static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
