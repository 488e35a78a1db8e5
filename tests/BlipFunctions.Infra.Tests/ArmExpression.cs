using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace BlipFunctions.Infra.Tests;

/// <summary>
/// Evaluates the small part of the ARM template expression language that the compiled templates use for
/// names and settings: string and number literals, <c>parameters('x')</c>, <c>variables('x')</c>,
/// <c>format(...)</c>, <c>concat(...)</c>, <c>string(...)</c>, <c>if(...)</c> and property access. Values become text as
/// ARM makes them: a bool is <c>True</c> or <c>False</c> (ARM formats it with .NET's <c>bool.ToString()</c>). Anything else (reference(), listKeys(), ...)
/// is only known at deployment time, so evaluation gives up and returns <see langword="null"/>.
/// </summary>
internal sealed class ArmExpression
{
    private readonly string _text;
    private readonly ArmScope _scope;
    private int _position;

    private ArmExpression(string text, ArmScope scope)
    {
        _text = text;
        _scope = scope;
    }

    /// <summary>True when <paramref name="value"/> is an expression (<c>[...]</c>) rather than a literal string.</summary>
    public static bool IsExpression(string value) =>
        value.Length >= 2 && value[0] == '[' && value[^1] == ']' && !value.StartsWith("[[", StringComparison.Ordinal);

    /// <summary>Evaluates <paramref name="expression"/> (without the brackets), or null when it needs deployment-time facts.</summary>
    public static JsonNode? TryEvaluate(string expression, ArmScope scope)
    {
        var parser = new ArmExpression(expression, scope);
        try
        {
            var value = parser.ParseExpression();
            parser.SkipSpaces();
            return parser._position == parser._text.Length ? value : null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private JsonNode? ParseExpression()
    {
        SkipSpaces();
        JsonNode? value;
        var current = Peek();
        if (current == '\'')
        {
            value = JsonValue.Create(ParseString());
        }
        else if (char.IsDigit(current) || current == '-')
        {
            value = JsonValue.Create(ParseNumber());
        }
        else if (char.IsLetter(current))
        {
            value = ParseCall();
        }
        else
        {
            throw new NotSupportedException($"Unexpected '{current}' in {_text}");
        }

        while (Peek() == '.')
        {
            _position++;
            var property = ParseIdentifier();
            value = value is JsonObject obj && obj.TryGetPropertyValue(property, out var child)
                ? child
                : throw new NotSupportedException($"No property {property} in {_text}");
        }

        return value;
    }

    private JsonNode? ParseCall()
    {
        var name = ParseIdentifier();
        Expect('(');
        var arguments = new List<JsonNode?>();
        SkipSpaces();
        if (Peek() != ')')
        {
            while (true)
            {
                arguments.Add(ParseExpression());
                SkipSpaces();
                if (Peek() == ',')
                {
                    _position++;
                    continue;
                }

                break;
            }
        }

        Expect(')');
        return name switch
        {
            "parameters" => _scope.Parameter(StringArgument(arguments, 0)),
            "variables" => _scope.Variable(StringArgument(arguments, 0)),
            "format" => JsonValue.Create(Format(arguments)),
            "string" => JsonValue.Create(Text(arguments.SingleOrDefault())),
            "concat" => JsonValue.Create(string.Concat(arguments.Select(argument => Text(argument)))),
            "if" => arguments.Count == 3 ? (BoolArgument(arguments, 0) ? arguments[1] : arguments[2]) : throw new NotSupportedException("if() takes three arguments"),
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ => throw new NotSupportedException($"{name}() is known only at deployment time"),
        };
    }

    private static string Format(List<JsonNode?> arguments)
    {
        var pattern = StringArgument(arguments, 0);
        var values = arguments.Skip(1).Select(argument => (object)Text(argument)).ToArray();
        return string.Format(CultureInfo.InvariantCulture, pattern, values);
    }

    private static string StringArgument(List<JsonNode?> arguments, int index) =>
        index < arguments.Count && arguments[index] is JsonValue value && value.TryGetValue(out string? text)
            ? text
            : throw new NotSupportedException("Expected a string argument");

    private static bool BoolArgument(List<JsonNode?> arguments, int index) =>
        index < arguments.Count && arguments[index] is JsonValue value && value.TryGetValue(out bool condition)
            ? condition
            : throw new NotSupportedException("Expected a bool argument");

    private static string Text(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonValue value when value.TryGetValue(out bool flag) => flag ? "True" : "False",
        JsonValue value => value.ToJsonString(),
        _ => throw new NotSupportedException("Only plain values can be formatted"),
    };

    private string ParseString()
    {
        Expect('\'');
        var builder = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw new NotSupportedException($"Unterminated string in {_text}");
            }

            var current = _text[_position++];
            if (current == '\'')
            {
                if (Peek() != '\'')
                {
                    return builder.ToString();
                }

                _position++;
            }

            builder.Append(current);
        }
    }

    private long ParseNumber()
    {
        var start = _position;
        if (Peek() == '-')
        {
            _position++;
        }

        while (char.IsDigit(Peek()))
        {
            _position++;
        }

        return long.Parse(_text.AsSpan(start, _position - start), CultureInfo.InvariantCulture);
    }

    private string ParseIdentifier()
    {
        var start = _position;
        while (char.IsLetterOrDigit(Peek()) || Peek() == '_')
        {
            _position++;
        }

        return _position > start
            ? _text[start.._position]
            : throw new NotSupportedException($"Expected a name at {_position} in {_text}");
    }

    private void Expect(char expected)
    {
        SkipSpaces();
        if (Peek() != expected)
        {
            throw new NotSupportedException($"Expected '{expected}' at {_position} in {_text}");
        }

        _position++;
    }

    private void SkipSpaces()
    {
        while (_position < _text.Length && _text[_position] == ' ')
        {
            _position++;
        }
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';
}
