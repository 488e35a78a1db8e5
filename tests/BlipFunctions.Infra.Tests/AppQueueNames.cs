using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>The queue names the app's functions listen on, read from their source so the Bicep and the app cannot drift apart.</summary>
public static class AppQueueNames
{
    /// <summary>The <c>QueueName</c> constant of src/BlipFunctions/Functions/<paramref name="functionFile"/>.</summary>
    public static string Of(string functionFile)
    {
        string source = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "BlipFunctions", "Functions", functionFile));
        const string marker = "public const string QueueName = \"";
        int start = source.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{functionFile} declares no QueueName.");
        start += marker.Length;
        return source[start..source.IndexOf('"', start)];
    }
}
