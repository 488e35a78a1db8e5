using System.Text.Json.Nodes;

namespace BlipFunctions.Infra.Tests;

/// <summary>
/// One template of a compiled Bicep file (the file itself, or a module inlined as a nested deployment), with
/// what is needed to evaluate its parameters: the values its parent deployment passes, or the defaults.
/// </summary>
internal sealed class ArmScope
{
    private readonly IReadOnlyDictionary<string, JsonNode?> _parameterValues;

    private ArmScope(
        string name, JsonObject template, ArmScope? parent, JsonObject? deployment, IReadOnlyDictionary<string, JsonNode?>? parameterValues = null)
    {
        Name = name;
        Template = template;
        Parent = parent;
        Deployment = deployment;
        _parameterValues = parameterValues ?? new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
    }

    /// <summary>The Bicep file name, or the module's deployment name.</summary>
    public string Name { get; }

    public JsonObject Template { get; }

    public ArmScope? Parent { get; }

    /// <summary>The Microsoft.Resources/deployments resource in the parent that deploys this template.</summary>
    public JsonObject? Deployment { get; }

    public static ArmScope ForFile(string name, JsonObject template) => new(name, template, null, null);

    /// <summary>
    /// This file's template deployed with <paramref name="values"/> for some of its parameters (as
    /// <c>--parameters name=value</c> would), the others keeping their defaults; its modules see the values too.
    /// </summary>
    public ArmScope WithParameters(params (string Name, JsonNode? Value)[] values)
    {
        if (Parent is not null)
        {
            throw new InvalidOperationException($"Parameter values are given to a deployed file, not to the module {Name}.");
        }

        foreach (var (parameter, _) in values)
        {
            _ = Template["parameters"]?[parameter] as JsonObject
                ?? throw new InvalidOperationException($"{Name} declares no parameter '{parameter}'.");
        }

        return new ArmScope(Name, Template, null, null, values.ToDictionary(value => value.Name, value => value.Value, StringComparer.Ordinal));
    }

    /// <summary>The resources declared directly in this template (modules appear as deployments).</summary>
    public IEnumerable<JsonObject> Resources => Template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject symbolic => symbolic.Select(pair => pair.Value).OfType<JsonObject>(),
        _ => [],
    };

    /// <summary>The templates of the modules this template deploys.</summary>
    public IEnumerable<ArmScope> Modules => Resources
        .Where(resource => (string?)resource["type"] == "Microsoft.Resources/deployments")
        .Select(deployment => new ArmScope(
            (string?)deployment["name"] ?? "(unnamed)",
            deployment["properties"]?["template"] as JsonObject
                ?? throw new InvalidOperationException($"Module {(string?)deployment["name"]} in {Name} has no inline template."),
            this,
            deployment));

    /// <summary>This template and every module below it.</summary>
    public IEnumerable<ArmScope> SelfAndDescendants => Modules.SelectMany(module => module.SelfAndDescendants).Prepend(this);

    public ArmScope Module(string name) =>
        Modules.SingleOrDefault(module => module.Name == name)
        ?? throw new InvalidOperationException($"{Name} deploys no module named '{name}'.");

    /// <summary>Every resource of <paramref name="type"/> in this template and its modules, with its scope.</summary>
    public IEnumerable<(ArmScope Scope, JsonObject Resource)> ResourcesOfType(string type) =>
        SelfAndDescendants.SelectMany(scope => scope.Resources
            .Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase))
            .Select(resource => (scope, resource)));

    public (ArmScope Scope, JsonObject Resource) SingleResource(string type)
    {
        var matches = ResourcesOfType(type).ToList();
        return matches.Count == 1
            ? matches[0]
            : throw new InvalidOperationException($"{Name} has {matches.Count} resources of type {type}, expected one.");
    }

    /// <summary>The value a template value takes at deployment, or null when only Azure knows it then.</summary>
    public JsonNode? Evaluate(JsonNode? value)
    {
        if (value is JsonValue jsonValue && jsonValue.TryGetValue(out string? text) && ArmExpression.IsExpression(text))
        {
            return ArmExpression.TryEvaluate(text[1..^1], this);
        }

        return value;
    }

    /// <summary>Evaluates a value expected to be a string; null when it is known only at deployment time.</summary>
    public string? EvaluateString(JsonNode? value) =>
        Evaluate(value) is JsonValue result && result.TryGetValue(out string? text) ? text : null;

    public JsonNode? Parameter(string name)
    {
        if (_parameterValues.TryGetValue(name, out var given))
        {
            return given;
        }

        if (Deployment?["properties"]?["parameters"]?[name] is JsonObject passed && Parent is not null)
        {
            return Parent.Evaluate(passed["value"]);
        }

        var declaration = Template["parameters"]?[name] as JsonObject
            ?? throw new InvalidOperationException($"{Name} declares no parameter '{name}'.");
        return declaration.TryGetPropertyValue("defaultValue", out var defaultValue)
            ? Evaluate(defaultValue)
            : throw new NotSupportedException($"Parameter '{name}' of {Name} has no value until deployment.");
    }

    public JsonNode? Variable(string name) =>
        Template["variables"]?[name] is { } value
            ? Evaluate(value)
            : throw new InvalidOperationException($"{Name} declares no variable '{name}'.");
}
