using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BlipFunctions.Infra.Tests;

/// <summary>A role assignment of a compiled template, with its role definition id resolved to the built-in GUID.</summary>
internal sealed partial record RoleAssignment(string RoleDefinitionGuid, string Scope, string PrincipalId, string? Condition)
{
    public static RoleAssignment From(ArmScope scope, JsonObject resource)
    {
        var properties = resource["properties"] ?? throw new InvalidOperationException("A role assignment has no properties.");
        var roleDefinitionId = (string?)properties["roleDefinitionId"] ?? "";
        return new RoleAssignment(
            ResolveRoleGuid(scope, roleDefinitionId),
            (string?)resource["scope"] ?? "(deployment scope)",
            (string?)properties["principalId"] ?? "",
            (string?)resource["condition"]);
    }

    private static string ResolveRoleGuid(ArmScope scope, string roleDefinitionId)
    {
        var literal = GuidPattern().Match(roleDefinitionId);
        if (literal.Success)
        {
            return literal.Value;
        }

        // subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('roles').x)
        var argument = RoleArgumentPattern().Match(roleDefinitionId);
        var resolved = argument.Success ? scope.EvaluateString(JsonValue.Create($"[{argument.Groups[1].Value}]")) : null;
        return resolved is not null && GuidPattern().IsMatch(resolved)
            ? resolved
            : throw new InvalidOperationException($"Cannot resolve the role definition of {roleDefinitionId} in {scope.Name}.");
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex GuidPattern();

    [GeneratedRegex(@"roleDefinitions',\s*(.+)\)\]$")]
    private static partial Regex RoleArgumentPattern();
}
