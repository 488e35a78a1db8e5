using System.Buffers.Binary;
using System.Text.Json.Nodes;
using BlipCaptioning.Model;

namespace BlipCaptioning.Testing;

/// <summary>
/// Damages copies of model folders the way issue 14's reproductions did, so the library, CLI and Functions app tests
/// use the same ones.
/// </summary>
public static class HostileModelFolders
{
    /// <summary>Rewrites a folder's blip-model.json after <paramref name="edit"/> changed it.</summary>
    public static void EditManifest(string directory, Action<JsonNode> edit)
    {
        string path = Path.Combine(directory, BlipModelContract.ManifestFileName);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    /// <summary>
    /// Turns every float of the text decoder's data file into NaN and records the file's new SHA-256 in the manifest:
    /// a model built before `blip model build` refused non-finite weights, intact as far as its manifest knows.
    /// </summary>
    public static void FillDecoderWithNaN(string directory)
    {
        string data = Path.Combine(directory, "text_decoder.onnx.data");
        var bytes = File.ReadAllBytes(data);
        for (int i = 0; i + 4 <= bytes.Length; i += 4)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i), float.NaN);
        }

        File.WriteAllBytes(data, bytes);
        EditManifest(directory, manifest => manifest["graphs"]!["text_decoder"]!["data_sha256"] = ModelIntegrity.Sha256Of(data));
    }

    /// <summary>Flips the lowest bit of the byte at <paramref name="offset"/>: a damaged copy of the same size.</summary>
    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x01));
    }

    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/>: opening it for reading waits for a writer.</summary>
    public static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkfifo {path} failed with exit code {mkfifo.ExitCode}.");
        }
    }
}
