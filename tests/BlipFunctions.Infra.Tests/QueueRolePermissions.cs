namespace BlipFunctions.Infra.Tests;

/// <summary>
/// The permissions of the built-in queue data roles (the Azure RBAC built-in roles list, actions and data actions
/// together), and which of them each Queue service operation needs when the caller authenticates with Microsoft
/// Entra ID (Learn, "Authorize with Microsoft Entra ID", permissions for Queue service operations).
/// </summary>
internal static class QueueRolePermissions
{
    private const string Queues = "Microsoft.Storage/storageAccounts/queueServices/queues";
    private const string Messages = Queues + "/messages";

    private static readonly Dictionary<string, string[]> s_roles = new(StringComparer.Ordinal)
    {
        ["19e7f393-937e-4f77-808e-94535e297925"] = [$"{Queues}/read", $"{Messages}/read"], // Storage Queue Data Reader
        ["c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"] = [$"{Messages}/add/action"], // Storage Queue Data Message Sender
        ["8a0f0c08-91a1-4084-bc3d-661d67233fed"] = [$"{Messages}/read", $"{Messages}/process/action"], // Storage Queue Data Message Processor
        [BuiltInRoles.StorageQueueDataContributor] =
        [
            $"{Queues}/delete", $"{Queues}/read", $"{Queues}/write",
            $"{Messages}/delete", $"{Messages}/read", $"{Messages}/write", $"{Messages}/process/action",
        ],
    };

    /// <summary>Each operation, with the sets of permissions any one of which allows it.</summary>
    private static readonly Dictionary<string, string[][]> s_operations = new(StringComparer.Ordinal)
    {
        ["Create Queue"] = [[$"{Queues}/write"]],
        ["Get Queue Metadata"] = [[$"{Queues}/read"]],
        ["Put Message"] = [[$"{Messages}/add/action"], [$"{Messages}/write"]],
        ["Get Messages"] = [[$"{Messages}/process/action"], [$"{Messages}/delete", $"{Messages}/read"]],
        ["Peek Messages"] = [[$"{Messages}/read"]],
        ["Delete Message"] = [[$"{Messages}/process/action"], [$"{Messages}/delete"]],
        ["Update Message"] = [[$"{Messages}/write"]],
    };

    /// <summary>Whether holding the roles <paramref name="roleDefinitionGuids"/> allows <paramref name="operation"/>.</summary>
    public static bool Allows(IEnumerable<string> roleDefinitionGuids, string operation)
    {
        var requirements = s_operations.TryGetValue(operation, out var found)
            ? found
            : throw new ArgumentException($"No permissions are listed for the queue operation '{operation}'.", nameof(operation));
        var held = roleDefinitionGuids
            .SelectMany(role => s_roles.TryGetValue(role, out var permissions) ? permissions : [])
            .ToHashSet(StringComparer.Ordinal);
        return requirements.Any(requirement => requirement.All(held.Contains));
    }
}
