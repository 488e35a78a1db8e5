using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace BlipFunctions.Captioning;

/// <summary>
/// A <c>Microsoft.Storage.BlobDeleted</c> event (Event Grid schema) as a storage queue message, parsed within a
/// budget: Event Grid writes one event per message (the local relay does the same). The message may be the JSON
/// itself or its base64 (the queue extension is set to hand over the text as it is, host.json
/// <c>messageEncoding: none</c>, so either form works). The blob is named by the event's <c>subject</c>,
/// <c>/blobServices/default/containers/{container}/blobs/{name}</c>.
/// </summary>
public sealed record BlobDeletedEvent(string Container, string BlobName)
{
    public const string EventType = "Microsoft.Storage.BlobDeleted";

    /// <summary>A storage queue message holds at most 64 KiB.</summary>
    public const int MaxMessageLength = 64 * 1024;

    private const string SubjectStart = "/blobServices/default/containers/";
    private const string BlobsSegment = "/blobs/";
    private static readonly JsonDocumentOptions s_json = new() { MaxDepth = 16 };

    /// <summary>The event, or false and why the message is not one.</summary>
    public static bool TryParse(string? message, out BlobDeletedEvent? deleted, out string error)
    {
        deleted = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(message) || message.Length > MaxMessageLength)
        {
            error = $"The message is empty or longer than {MaxMessageLength} characters.";
            return false;
        }

        string json = message.TrimStart();
        if (json[0] is not '{' and not '[')
        {
            if (!Base64.IsValid(json.Trim()))
            {
                error = "The message is neither JSON nor base64.";
                return false;
            }

            json = Encoding.UTF8.GetString(Convert.FromBase64String(json.Trim()));
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(json, s_json);
            JsonElement evt = document.RootElement;
            if (evt.ValueKind == JsonValueKind.Array)
            {
                if (evt.GetArrayLength() != 1)
                {
                    error = "The message must hold one event.";
                    return false;
                }

                evt = evt[0];
            }

            if (evt.ValueKind != JsonValueKind.Object
                || !evt.TryGetProperty("eventType", out JsonElement type) || type.ValueKind != JsonValueKind.String
                || !evt.TryGetProperty("subject", out JsonElement subject) || subject.ValueKind != JsonValueKind.String)
            {
                error = "The message is not an Event Grid event (eventType and subject).";
                return false;
            }

            if (type.GetString() != EventType)
            {
                error = $"The event is a {type.GetString()}, not a {EventType}.";
                return false;
            }

            string path = subject.GetString()!;
            int blobs = path.IndexOf(BlobsSegment, StringComparison.Ordinal);
            if (!path.StartsWith(SubjectStart, StringComparison.Ordinal) || blobs <= SubjectStart.Length || blobs + BlobsSegment.Length >= path.Length)
            {
                error = $"The event's subject does not name a blob ({SubjectStart}{{container}}{BlobsSegment}{{name}}).";
                return false;
            }

            deleted = new BlobDeletedEvent(path[SubjectStart.Length..blobs], path[(blobs + BlobsSegment.Length)..]);
            return true;
        }
        catch (JsonException e)
        {
            error = $"The message is not valid JSON: {e.Message}";
            return false;
        }
    }
}
