namespace BlipFunctions.Storage;

/// <summary>Which blob names the blob trigger can deliver, and why the others cannot be captions' ids.</summary>
/// <remarks>
/// Azure Storage takes 1–1,024 characters. The Functions blob extension also rejects names holding <c>\</c> and names
/// ending in <c>.</c> or <c>/</c> (azure-sdk-for-net's <c>BlobNameValidationAttribute</c>, which the blob trigger applies
/// to the name it parses from the event's <c>data.url</c>), so such uploads never reach the function and have no row.
/// Names with a <c>.</c> or <c>..</c> folder are refused too: a URL made from them names another blob, so every id
/// that comes from outside (HTTP routes, queue messages, events) is checked here before it becomes a blob client.
/// </remarks>
public static class BlobNames
{
    /// <summary>Null when the trigger can deliver <paramref name="name"/>; otherwise why not, for a person.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "The id is empty: give the blob name, e.g. holiday/beach.jpg.";
        }

        if (name.Length > CaptionKeys.MaxBlobNameLength)
        {
            return $"The id is {name.Length} characters long; blob names have at most {CaptionKeys.MaxBlobNameLength}.";
        }

        if (name.Contains('\\', StringComparison.Ordinal))
        {
            return "The id contains '\\', which the Functions blob trigger never delivers; use '/' for folders.";
        }

        if (name.EndsWith('.') || name.EndsWith('/'))
        {
            return "The id ends with '.' or '/', which the Functions blob trigger never delivers.";
        }

        // The storage SDK puts the name into the blob's URL and System.Uri removes "." and ".." segments, so such a name
        // would address another blob, even one in another container ("../private/x.png").
        foreach (string segment in name.Split('/'))
        {
            if (segment is "." or "..")
            {
                return "The id has a '.' or '..' folder, which no blob of the container can be addressed by.";
            }
        }

        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return "The id contains a broken unicode character (an unpaired surrogate).";
            }
        }

        return null;
    }
}
