using BlipFunctions.Reconcile;
using BlipFunctions.Storage;
using Microsoft.AspNetCore.Http;

namespace BlipFunctions.Http;

/// <summary>Parses <c>POST /api/reconcile?prefix=&amp;failed=&amp;force=</c>.</summary>
public static class ReconcileQuery
{
    public static bool TryParse(IQueryCollection query, out ReconcileRequest? request, out string error)
    {
        ArgumentNullException.ThrowIfNull(query);
        request = null;
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
