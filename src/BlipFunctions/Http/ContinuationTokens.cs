using System.Buffers.Text;
using System.Text;

namespace BlipFunctions.Http;

/// <summary>The listing's continuation token: the Table service's token, base64url-encoded so it is safe in a URL.</summary>
public static class ContinuationTokens
{
    public static string? Encode(string? tableToken) =>
        tableToken is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(tableToken));

    /// <summary>False when the text is not a token this API gave out.</summary>
    public static bool TryDecode(string? token, out string? tableToken)
    {
        tableToken = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (!Base64Url.IsValid(token))
        {
            return false;
        }

        try
        {
            tableToken = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            return tableToken.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
