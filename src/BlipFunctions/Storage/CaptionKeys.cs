using System.Security.Cryptography;
using System.Text;

namespace BlipFunctions.Storage;

/// <summary>
/// Table keys for caption rows. PartitionKey is the container name; RowKey is the blob name with every character
/// Table keys forbid (and a few that URLs mangle) written as <c>~XX</c> (two hex digits of the UTF-16 code unit).
/// Every other character, unicode included, is kept, so RowKeys sort and prefix-match like the names they encode.
/// </summary>
/// <remarks>
/// Table keys forbid <c>/ \ # ?</c> and U+0000–U+001F, U+007F–U+009F and are limited to 1 KiB (512 UTF-16 code
/// units); blob names may hold any of them and run to 1,024 characters. An encoded name that does not fit is cut at
/// an escape boundary to at most <see cref="LongKeyPrefixLength"/> code units and ends with <c>~!</c> plus the
/// SHA-256 (hex) of the whole name: a short key never contains <c>~!</c>, so the two forms never collide. Names map
/// back exactly from short keys (<see cref="TryGetBlobName"/>); rows also store the name itself.
/// </remarks>
public static class CaptionKeys
{
    /// <summary>Table key limit: 1 KiB of UTF-16.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>Longest blob name Azure Storage accepts.</summary>
    public const int MaxBlobNameLength = 1024;

    private const char Escape = '~';
    private const string LongKeyMarker = "~!";
    private const int HashHexLength = 64;

    /// <summary>Most code units of the encoded name kept in a long (hashed) key.</summary>
    public const int LongKeyPrefixLength = MaxKeyLength - 2 - HashHexLength;

    /// <summary>Longest encoded prefix a listing can search for: every long key keeps at least this much.</summary>
    public const int MaxPrefixKeyLength = LongKeyPrefixLength - 2;

    /// <summary>PartitionKey of rows for blobs of <paramref name="container"/> (container names are key-safe).</summary>
    public static string PartitionKeyFor(string container)
    {
        ArgumentException.ThrowIfNullOrEmpty(container);
        return container;
    }

    /// <summary>RowKey for a blob name the trigger can deliver (check with <see cref="BlobNames.Validate"/> first).</summary>
    public static string RowKeyFor(string blobName)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        string encoded = Encode(blobName);
        if (encoded.Length <= MaxKeyLength)
        {
            return encoded;
        }

        int cut = SafeCut(encoded, LongKeyPrefixLength);
        return string.Concat(encoded.AsSpan(0, cut), LongKeyMarker, HashHex(blobName));
    }

    /// <summary>
    /// The RowKey range holding every blob name that starts with <paramref name="prefix"/>: keys k with
    /// <c>lowerInclusive &lt;= k &lt; upperExclusive</c>. False when the prefix is too long to search by key.
    /// </summary>
    public static bool TryGetPrefixRange(string prefix, out string lowerInclusive, out string upperExclusive)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        string encoded = Encode(prefix);
        if (encoded.Length > MaxPrefixKeyLength)
        {
            lowerInclusive = upperExclusive = string.Empty;
            return false;
        }

        lowerInclusive = encoded;
        upperExclusive = UpperBound(encoded);
        return true;
    }

    /// <summary>Decodes a short RowKey back to the blob name; false for hashed long keys (read the row's name).</summary>
    public static bool TryGetBlobName(string rowKey, out string blobName)
    {
        ArgumentNullException.ThrowIfNull(rowKey);
        blobName = string.Empty;
        if (rowKey.Contains(LongKeyMarker, StringComparison.Ordinal))
        {
            return false;
        }

        var builder = new StringBuilder(rowKey.Length);
        for (int i = 0; i < rowKey.Length; i++)
        {
            char c = rowKey[i];
            if (c != Escape)
            {
                builder.Append(c);
                continue;
            }

            if (i + 2 >= rowKey.Length || !IsHex(rowKey[i + 1]) || !IsHex(rowKey[i + 2]))
            {
                return false;
            }

            builder.Append((char)Convert.ToInt32(rowKey.Substring(i + 1, 2), 16));
            i += 2;
        }

        blobName = builder.ToString();
        return true;
    }

    /// <summary>True for characters a Table key may not hold as they are (plus our escape and URL-fragile ones).</summary>
    internal static bool MustEscape(char c) =>
        c is '/' or '\\' or '#' or '?' or '%' or '+' or '\'' or Escape
        || c <= '\u001F'
        || c is >= '\u007F' and <= '\u009F';

    private static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length + 16);
        foreach (char c in value)
        {
            if (MustEscape(c))
            {
                builder.Append(Escape).Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    // Never split an escape (~XX) or a surrogate pair.
    private static int SafeCut(string encoded, int max)
    {
        int cut = max;
        for (int back = 1; back <= 2; back++)
        {
            if (cut - back >= 0 && encoded[cut - back] == Escape)
            {
                cut -= back;
                break;
            }
        }

        if (cut > 0 && char.IsHighSurrogate(encoded[cut - 1]))
        {
            cut--;
        }

        return cut;
    }

    private static string UpperBound(string encodedPrefix)
    {
        if (encodedPrefix.Length == 0)
        {
            return char.MaxValue.ToString();
        }

        char last = encodedPrefix[^1];
        return last == char.MaxValue
            ? encodedPrefix + char.MaxValue
            : string.Concat(encodedPrefix.AsSpan(0, encodedPrefix.Length - 1), ((char)(last + 1)).ToString());
    }

    private static string HashHex(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
