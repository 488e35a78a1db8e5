using System.Globalization;
using System.Text.Json;

namespace BlipCaptioning.Conversion.Checkpoints;

/// <summary>Reads typed fields of one JSON object and names the file and the field path in every error.</summary>
internal sealed class JsonFieldReader
{
    private readonly JsonElement _element;

    public JsonFieldReader(JsonElement element, string fileName, string path)
    {
        _element = element;
        FileName = fileName;
        Path = path;
    }

    public string FileName { get; }

    public string Path { get; }

    public static JsonDocument Parse(string json, string fileName)
    {
        try
        {
            var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new CheckpointFormatException($"{fileName}: the file must hold a JSON object.");
            }

            return document;
        }
        catch (JsonException exception)
        {
            throw new CheckpointFormatException($"{fileName} is not valid JSON: {exception.Message}", exception);
        }
    }

    public string Describe(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    public CheckpointFormatException Error(string name, string problem) =>
        new($"{FileName}: field '{Describe(name)}' {problem}");

    public bool Has(string name) => _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonFieldReader Object(string name)
    {
        if (!_element.TryGetProperty(name, out var value))
        {
            throw Error(name, "is missing.");
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Error(name, $"must be a JSON object, not {value.ValueKind}.");
        }

        return new JsonFieldReader(value, FileName, Describe(name));
    }

    public int Int(string name) => TryInt(name) ?? throw Error(name, "is missing; it must be given explicitly (class defaults are not used).");

    public int PositiveInt(string name)
    {
        var value = Int(name);
        return value > 0 ? value : throw Error(name, $"must be a positive integer, not {value}.");
    }

    /// <summary>A required integer between 1 and <paramref name="max"/>.</summary>
    public int BoundedInt(string name, int max)
    {
        var value = PositiveInt(name);
        return value <= max
            ? value
            : throw Error(name, string.Create(CultureInfo.InvariantCulture, $"is {value}, more than the {max} this converter supports (docs/checkpoints.md, \"Limits\")."));
    }

    public int? TryInt(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        throw Error(name, $"must be an integer, not {value.GetRawText()}.");
    }

    public double? TryDouble(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw Error(name, $"must be a number, not {value.GetRawText()}.");
    }

    public bool? TryBool(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(name, $"must be true or false, not {value.GetRawText()}."),
        };
    }

    public string? TryString(string name)
    {
        if (!_element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Error(name, $"must be a string, not {value.GetRawText()}.");
    }

    public JsonElement? TryRaw(string name) =>
        _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public float[]? TryFloatArray(string name, int expectedLength)
    {
        if (TryRaw(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != expectedLength)
        {
            throw Error(name, $"must be an array of {expectedLength.ToString(CultureInfo.InvariantCulture)} numbers, not {value.GetRawText()}.");
        }

        var result = new float[expectedLength];
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            result[index++] = item.ValueKind == JsonValueKind.Number
                ? (float)item.GetDouble()
                : throw Error(name, $"must hold numbers only, not {item.GetRawText()}.");
        }

        return result;
    }
}
