using System.Buffers.Text;
using System.Text;

namespace BlipFunctions.Http;

/// <summary>
/// The listing's continuation token: the Table service's token ("next partition key" + space + "next row key", each
/// an opaque ASCII key the service encodes), base64url-encoded so it is safe in a URL. A token from a client is
/// parsed within a length budget before it goes anywhere near storage.
/// </summary>
public static class ContinuationTokens
{
    /// <summary>
    /// The longest key the Table service hands back for a 1 KiB key (its encoded forms, base64 with a short prefix,
    /// stay well under this).
    /// </summary>
    public const int MaxKeyLength = 2048;

    /// <summary>The longest token this API gives out: two keys and a space, base64url-encoded.</summary>
    public static readonly int MaxLength = Base64Url.GetEncodedLength((2 * MaxKeyLength) + 1);

    public static string? Encode(string? tableToken) =>
        tableToken is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(tableToken));

    /// <summary>
    /// False when the text is not shaped like a token this API gives out: too long, not base64url, or not two
    /// non-empty keys of visible ASCII separated by one space.
    /// </summary>
    public static bool TryDecode(string? token, out string? tableToken)
    {
        tableToken = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (token.Length > MaxLength || !Base64Url.IsValid(token))
        {
            return false;
        }

        byte[] decoded = Base64Url.DecodeFromChars(token);
        int space = Array.IndexOf(decoded, (byte)' ');
        if (space < 1 || space > MaxKeyLength || decoded.Length - space - 1 is < 1 or > MaxKeyLength)
        {
            return false;
        }

        for (int i = 0; i < decoded.Length; i++)
        {
            if (i != space && decoded[i] is < 0x21 or > 0x7E)
            {
                return false;
            }
        }

        tableToken = Encoding.ASCII.GetString(decoded);
        return true;
    }
}
