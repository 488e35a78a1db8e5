using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BlipFunctions.Infra.Tests;

/// <summary>
/// What reconcile (backfill and re-caption) needs from infra/: its two queues on the images' storage account, the
/// app's right to send and receive on them, and the switch of the daily ReconcileTimer (off unless asked for).
/// </summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed partial class ReconcileInfrastructureTests(CompiledInfrastructure infra)
{
    private const string QueueType = "Microsoft.Storage/storageAccounts/queueServices/queues";

    private const string TimerSetting = "Reconcile__TimerEnabled";

    private ArmScope Main => infra.Template("main.bicep");

    [Theory]
    [InlineData("CaptionQueuedBlobFunction.cs", "caption-requests")]
    [InlineData("ContinueReconcileFunction.cs", "reconcile-runs")]
    public void Queues_TheNamesDeclared_AreTheOnesTheAppsFunctionsListenOn(string functionFile, string queue)
    {
        Assert.Equal(queue, AppQueueNames.Of(functionFile));
    }

    [Theory]
    [InlineData("captionRequestsQueueName", "caption-requests")]
    [InlineData("reconcileRunsQueueName", "reconcile-runs")]
    public void Queues_ReconcileQueue_IsDeclaredOnTheImagesStorageAccount(string parameter, string expectedName)
    {
        var storage = Main.Module("storage");
        var queue = Assert.Single(storage.ResourcesOfType(QueueType), match =>
            QueueName(match.Scope, match.Resource) == expectedName);

        Assert.Same(storage.Template, queue.Scope.Template);
        Assert.Equal(expectedName, storage.EvaluateString(JsonValue.Create($"[parameters('{parameter}')]")));
        Assert.Equal(AccountOf(ImagesContainer(storage)), AccountOf(queue.Resource));
    }

    [Fact]
    public void Queues_WholeDeployment_AreExactlyTheAppsQueuesWithoutThePoisonQueuesTheHostCreates()
    {
        var names = Main.ResourcesOfType(QueueType).Select(match => QueueName(match.Scope, match.Resource)).Order(StringComparer.Ordinal);

        Assert.Equal(["blob-deletions", "caption-requests", "reconcile-runs"], names);
    }

    [Fact]
    public void Queues_CaptionStorageConnection_ReachesTheAccountThatHoldsThem()
    {
        var functions = Main.Module("functions");
        var passed = (string?)functions.Deployment?["properties"]?["parameters"]?["queueEndpoint"]?["value"];

        Assert.Contains("'storage'", passed, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.queueEndpoint.value]", passed, StringComparison.Ordinal);
        Assert.Equal("[parameters('queueEndpoint')]", (string?)AppSettings(functions)["CaptionStorage__queueServiceUri"]);
    }

    [Theory]
    [InlineData("Put Message")]
    [InlineData("Get Messages")]
    [InlineData("Delete Message")]
    [InlineData("Update Message")]
    [InlineData("Get Queue Metadata")]
    [InlineData("Create Queue")]
    public void AppIdentity_RolesOnTheStorageAccount_AllowTheQueueOperation(string operation)
    {
        var rbac = Main.Module("rbac");
        var passedAccount = (string?)rbac.Deployment?["properties"]?["parameters"]?["storageAccountName"]?["value"];
        Assert.Contains("'storage'", passedAccount, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.name.value]", passedAccount, StringComparison.Ordinal);

        // An assignment on the account covers every queue in it, the reconcile queues and the host's poison queues.
        var accountRoles = rbac.ResourcesOfType("Microsoft.Authorization/roleAssignments")
            .Select(match => RoleAssignment.From(match.Scope, match.Resource))
            .Where(assignment => assignment.PrincipalId == "[parameters('appPrincipalId')]"
                && assignment.Scope == "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]"
                && assignment.Condition is null)
            .Select(assignment => assignment.RoleDefinitionGuid)
            .ToList();

        Assert.Contains(BuiltInRoles.StorageQueueDataContributor, accountRoles);
        Assert.True(QueueRolePermissions.Allows(accountRoles, operation), $"The app's roles on the account do not allow {operation}.");
    }

    [Fact]
    public void TimerParameter_MainBicep_IsABoolOffByDefaultThatNamesItsSetting()
    {
        var declaration = Main.Template["parameters"]?["reconcileTimerEnabled"];

        Assert.Equal("bool", (string?)declaration?["type"]);
        Assert.False((bool?)declaration?["defaultValue"]);
        Assert.Contains(TimerSetting, (string?)declaration?["metadata"]?["description"], StringComparison.Ordinal);
    }

    [Fact]
    public void TimerSetting_Default_IsLowercaseFalse()
    {
        var functions = Main.Module("functions");

        Assert.Equal("false", functions.EvaluateString(AppSettings(functions)[TimerSetting]));
    }

    [Theory]
    [InlineData(true, "true")]
    [InlineData(false, "false")]
    public void TimerSetting_ParameterGiven_IsItsLowercaseText(bool enabled, string expected)
    {
        var functions = Main.WithParameters(("reconcileTimerEnabled", JsonValue.Create(enabled))).Module("functions");

        Assert.Equal(expected, functions.EvaluateString(AppSettings(functions)[TimerSetting]));
        Assert.True(bool.TryParse(expected, out var parsed) && parsed == enabled, $"'{expected}' does not parse as {enabled}.");
    }

    private static JsonObject AppSettings(ArmScope functions)
    {
        var (_, config) = Assert.Single(
            functions.ResourcesOfType("Microsoft.Web/sites/config"),
            match => ((string?)match.Resource["name"])?.Contains("'appsettings'", StringComparison.Ordinal) == true);
        return config["properties"]?.AsObject() ?? throw new InvalidOperationException("appsettings has no properties.");
    }

    private static JsonObject ImagesContainer(ArmScope storage) => Assert.Single(
        storage.ResourcesOfType("Microsoft.Storage/storageAccounts/blobServices/containers"),
        match => ((string?)match.Resource["name"])?.Contains("parameters('imagesContainerName')", StringComparison.Ordinal) == true).Resource;

    // A child resource's name is format('{0}/{1}/{2}', <account>, 'default', <own name>): the account part.
    private static string AccountOf(JsonObject resource) => ChildName(resource).Groups["account"].Value;

    private static string? QueueName(ArmScope scope, JsonObject queue) =>
        scope.EvaluateString(JsonValue.Create($"[{ChildName(queue).Groups["own"].Value}]"));

    private static Match ChildName(JsonObject resource)
    {
        var name = (string?)resource["name"] ?? "";
        var match = ChildNamePattern().Match(name);
        return match.Success ? match : throw new InvalidOperationException($"Unexpected child resource name {name}.");
    }

    [GeneratedRegex(@"^\[format\('\{0\}/\{1\}/\{2\}', (?<account>.+), 'default', (?<own>[^,]+)\)\]$")]
    private static partial Regex ChildNamePattern();
}
