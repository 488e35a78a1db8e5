using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace BlipFunctions.Reconcile;

/// <summary>Run ids: the start time (UTC, to the second) and six random hex digits, e.g. <c>20261206-050000-1a2b3c</c>.</summary>
public static partial class ReconcileRunIds
{
    public static string New(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    /// <summary>True for text shaped like an id this app gives out (checked before it is used as a table key).</summary>
    public static bool IsValid(string? id) => id is not null && Shape().IsMatch(id);

    [GeneratedRegex("^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Shape();
}
