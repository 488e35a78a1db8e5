using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using Microsoft.AspNetCore.Http;

namespace BlipFunctions.Http;

/// <summary>
/// Parses <c>POST /api/reconcile?prefix=&amp;failed=&amp;force=</c>. A parameter given twice or one it does not know
/// (<c>prefx=</c>) is refused: a reconcile of the whole container because of a typing slip would queue every image.
/// </summary>
public static class ReconcileQuery
{
    private static readonly string[] Known = ["prefix", "failed", "force", "code"];

    public static bool TryParse(IQueryCollection query, out ReconcileRequest? request, out string error)
    {
        ArgumentNullException.ThrowIfNull(query);
        request = null;
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in query)
        {
            if (!Known.Contains(name, StringComparer.Ordinal))
            {
                error = $"'{(name.Length > 40 ? name[..40] + "..." : name)}' is not a reconcile parameter; use prefix, failed and force.";
                return false;
            }

            if (values.Count > 1)
            {
                error = $"{name} is given {values.Count} times; give it once.";
                return false;
            }
        }

        string prefix = query["prefix"].ToString();
        if (prefix.Length > CaptionKeys.MaxBlobNameLength || !CaptionKeys.TryGetPrefixRange(prefix, out _, out _))
        {
            error = $"The prefix is too long to list by; keep it under {CaptionKeys.MaxPrefixKeyLength} characters.";
            return false;
        }

        if (!TryFlag(query, "failed", out bool failed, out error) || !TryFlag(query, "force", out bool force, out error))
        {
            return false;
        }

        request = new ReconcileRequest(prefix, failed, force);
        return true;
    }

    private static bool TryFlag(IQueryCollection query, string name, out bool value, out string error)
    {
        string text = query[name].ToString();
        value = false;
        error = string.Empty;
        if (text.Length == 0 || bool.TryParse(text, out value))
        {
            return true;
        }

        error = $"{name} must be true or false; it was '{(text.Length > 20 ? text[..20] + "..." : text)}'.";
        return false;
    }
}
