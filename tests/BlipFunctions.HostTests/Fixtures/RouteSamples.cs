using Microsoft.AspNetCore.Routing.Patterns;

namespace BlipFunctions.HostTests.Fixtures;

/// <summary>
/// Concrete requests for any route template: each parameter gets values with the characters routing and URLs treat
/// specially (spaces, '#', '%', '?', unicode; '/' too where the parameter is a catch-all), percent-encoded segment by
/// segment as docs/functions.md tells clients to.
/// </summary>
public static class RouteSamples
{
    /// <summary>Values for a catch-all parameter: blob names, folders included.</summary>
    public static IReadOnlyList<string> CatchAllValues { get; } =
        ["beach.jpg", "holiday/beach #1.jpg", "percent 100%.png", "question?.png", "ünïcödé/日本語/😀 emoji.jpg", "a"];

    /// <summary>Values for a one-segment parameter.</summary>
    public static IReadOnlyList<string> SegmentValues { get; } = ["beach.jpg", "hash #1 and 100%", "😀 ü"];

    /// <summary>Requests for <paramref name="prefix"/>/<paramref name="template"/>, one per sample value.</summary>
    public static IReadOnlyList<RouteSample> For(string prefix, string template)
    {
        RoutePattern pattern = RoutePatternFactory.Parse(string.IsNullOrEmpty(prefix) ? template : prefix + "/" + template);
        bool catchAll = pattern.Parameters.Any(p => p.IsCatchAll);
        IReadOnlyList<string> values = catchAll ? CatchAllValues : SegmentValues;
        if (pattern.Parameters.Count == 0)
        {
            values = [string.Empty];
        }

        var samples = new List<RouteSample>();
        foreach (string value in values)
        {
            var expected = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var segments = new List<string>();
            foreach (RoutePatternPathSegment segment in pattern.PathSegments)
            {
                var text = new System.Text.StringBuilder();
                foreach (RoutePatternPart part in segment.Parts)
                {
                    switch (part)
                    {
                        case RoutePatternLiteralPart literal:
                            text.Append(Uri.EscapeDataString(literal.Content));
                            break;
                        case RoutePatternSeparatorPart separator:
                            text.Append(Uri.EscapeDataString(separator.Content));
                            break;
                        case RoutePatternParameterPart parameter:
                            string own = parameter.IsCatchAll ? value : value.Replace('/', ' ');
                            expected[parameter.Name] = own;
                            text.Append(string.Join('/', own.Split('/').Select(Uri.EscapeDataString)));
                            break;
                    }
                }

                segments.Add(text.ToString());
            }

            samples.Add(new RouteSample("/" + string.Join('/', segments), expected));
        }

        return samples;
    }

    /// <summary>
    /// The template as a person writes it in docs ("/api/captions/{id}"): parameters without catch-all stars,
    /// constraints, defaults or optional marks.
    /// </summary>
    public static string Documented(string prefix, string template)
    {
        RoutePattern pattern = RoutePatternFactory.Parse(string.IsNullOrEmpty(prefix) ? template : prefix + "/" + template);
        return "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            _ => string.Empty,
        }))));
    }
}
