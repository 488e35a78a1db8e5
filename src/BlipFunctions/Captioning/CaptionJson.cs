using System.Text.Json;
using System.Text.Json.Serialization;

namespace BlipFunctions.Captioning;

/// <summary>The JSON shape of everything this app writes: web defaults (camelCase), nulls left out.</summary>
public static class CaptionJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
