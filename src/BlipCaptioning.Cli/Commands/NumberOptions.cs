using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace BlipCaptioning.Cli.Commands;

/// <summary>
/// Options that take a number, parsed with messages a user understands ("--beams takes a whole number from 1 to
/// 16; 'x' is not one") instead of .NET type names, checked when the command line is parsed so that a bad value is
/// a usage error before any work starts.
/// </summary>
internal static class NumberOptions
{
    public static Option<int?> Integer(string name, string description, int minimum, int maximum, params string[] aliases)
    {
        return new Option<int?>(name, aliases)
        {
            Description = description,
            CustomParser = result =>
            {
                string text = result.Tokens.Single().Value;
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= minimum && value <= maximum)
                {
                    return value;
                }

                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{OptionName(result, name)} takes a whole number from {minimum} to {maximum}; '{text}' is not one."));
                return null;
            },
        };
    }

    public static Option<double?> Real(string name, string description, double exclusiveMinimum, double maximum, params string[] aliases)
    {
        return new Option<double?>(name, aliases)
        {
            Description = description,
            CustomParser = result =>
            {
                string text = result.Tokens.Single().Value;
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value > exclusiveMinimum && value <= maximum)
                {
                    return value;
                }

                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{OptionName(result, name)} takes a number greater than {exclusiveMinimum} and at most {maximum}; '{text}' is not one."));
                return null;
            },
        };
    }

    /// <summary>The spelling the user typed (an alias such as --num-beams), else the option's name.</summary>
    private static string OptionName(ArgumentResult result, string name) =>
        result.Parent is OptionResult { IdentifierToken.Value: { Length: > 0 } typed } ? typed : name;
}
