using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BlipFunctions.Storage;

namespace BlipFunctions.Reconcile;

/// <summary>
/// One message of the <c>caption-requests</c> queue: a blob of the images container for the
/// <see cref="Functions.CaptionQueuedBlobFunction"/> to caption, with the policy of the reconcile that queued it.
/// Plain-text JSON (host.json <c>queues.messageEncoding</c> is <c>none</c>), e.g.
/// <c>{"blob":"holiday/beach.jpg","run":"20261206-050000-1a2b3c","requestedAt":"2026-12-06T05:00:00+00:00","failed":false,"force":false}</c>.
/// </summary>
public sealed record CaptionRequestMessage(string BlobName, RecaptionPolicy Policy)
{
    /// <summary>Longest message accepted: a 1,024-character name escaped in JSON, and the rest.</summary>
    public const int MaxLength = 16 * 1024;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 2 };

    /// <summary>The queue message text.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Wire(BlobName, Policy.RunId ?? string.Empty, Policy.RequestedAt, Policy.IncludeFailed, Policy.Force));

    /// <summary>Parses a message within <see cref="MaxLength"/>; false with the reason for anything else.</summary>
    public static bool TryParse(string? text, out CaptionRequestMessage? message, out string error)
    {
        message = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            error = $"The message is empty or longer than {MaxLength} characters.";
            return false;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(text, ParseOptions);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !TryString(root, "blob", out string? blob) || !TryString(root, "run", out string? run)
                || !TryString(root, "requestedAt", out string? requestedAtText)
                || !DateTimeOffset.TryParse(requestedAtText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset requestedAt)
                || !TryBool(root, "failed", out bool failed) || !TryBool(root, "force", out bool force))
            {
                error = "The message is not a caption request: it needs \"blob\", \"run\", \"requestedAt\", \"failed\" and \"force\".";
                return false;
            }

            if (BlobNames.Validate(blob) is { } invalid)
            {
                error = $"The message names no blob the app can caption: {invalid}";
                return false;
            }

            message = new CaptionRequestMessage(blob!, new RecaptionPolicy(run, requestedAt, failed, force));
            error = string.Empty;
            return true;
        }
        catch (JsonException e)
        {
            error = $"The message is not JSON: {e.Message}";
            return false;
        }
    }

    private static bool TryString(JsonElement root, string name, out string? value)
    {
        value = root.TryGetProperty(name, out JsonElement element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        return value is not null;
    }

    private static bool TryBool(JsonElement root, string name, out bool value)
    {
        value = false;
        if (!root.TryGetProperty(name, out JsonElement element) || element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            return false;
        }

        value = element.GetBoolean();
        return true;
    }

    private sealed record Wire(
        [property: JsonPropertyName("blob")] string Blob,
        [property: JsonPropertyName("run")] string Run,
        [property: JsonPropertyName("requestedAt")] DateTimeOffset? RequestedAt,
        [property: JsonPropertyName("failed")] bool Failed,
        [property: JsonPropertyName("force")] bool Force);
}
