using System.Globalization;
using BlipCaptioning.Testing;

namespace BlipCaptioning.Conversion.Tests.Checkpoints;

/// <summary>Reads tiny-a's reference/parameters.txt: the state-dict names and shapes transformers' model has.</summary>
internal static class TinyAParameters
{
    public static IReadOnlyDictionary<string, int[]> Read()
    {
        var result = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(RepositoryPaths.Fixture("transformers-tiny-a", "reference", "parameters.txt")))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var columns = line.Split('\t');
            result[columns[0]] = columns[1].Trim('[', ']').Split(',', StringSplitOptions.TrimEntries)
                .Select(value => int.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        }

        return result;
    }
}
