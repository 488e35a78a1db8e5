namespace BlipFunctions.Infra.Tests;

/// <summary>What the app's managed identity and the deployer may do, and on what scope.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class RoleAssignmentTests(CompiledInfrastructure infra)
{
    private const string StorageAccountScope = "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]";

    private const string ApplicationInsightsScope = "[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]";

    private ArmScope Rbac => infra.Template("main.bicep").Module("rbac");

    private List<RoleAssignment> Assignments => Rbac
        .ResourcesOfType("Microsoft.Authorization/roleAssignments")
        .Select(match => RoleAssignment.From(match.Scope, match.Resource))
        .ToList();

    private List<RoleAssignment> AppAssignments =>
        Assignments.Where(assignment => assignment.PrincipalId == "[parameters('appPrincipalId')]").ToList();

    private List<RoleAssignment> TopicAssignments =>
        Assignments.Where(assignment => assignment.PrincipalId == "[parameters('systemTopicPrincipalId')]").ToList();

    private List<RoleAssignment> DeployerAssignments =>
        Assignments.Where(assignment => assignment.PrincipalId == "[parameters('deployerPrincipalId')]").ToList();

    [Fact]
    public void AppIdentity_Roles_AreExactlyWhatTheHostTriggerTableDeploymentAndTelemetryNeed()
    {
        var expected = new[]
        {
            (BuiltInRoles.StorageBlobDataOwner, StorageAccountScope),
            (BuiltInRoles.StorageQueueDataContributor, StorageAccountScope),
            (BuiltInRoles.StorageTableDataContributor, StorageAccountScope),
            (BuiltInRoles.StorageBlobDataContributor, ContainerScope("deploymentContainerName")),
            (BuiltInRoles.MonitoringMetricsPublisher, ApplicationInsightsScope),
        };

        var actual = AppAssignments.Select(assignment => (assignment.RoleDefinitionGuid, assignment.Scope));
        Assert.Equal(expected.Order(), actual.Order());
        Assert.All(AppAssignments, assignment => Assert.Null(assignment.Condition));
    }

    [Fact]
    public void AppIdentity_BlobDataOwner_CoversBlobIndexTagWrites()
    {
        // Set Blob Tags needs .../blobs/tags/write, which Storage Blob Data Owner has and Blob Data Contributor lacks.
        Assert.Contains(AppAssignments, assignment =>
            assignment.RoleDefinitionGuid == BuiltInRoles.StorageBlobDataOwner && assignment.Scope == StorageAccountScope);
    }

    [Fact]
    public void AppIdentity_PrincipalPassedToRbac_IsTheUserAssignedIdentity()
    {
        var passed = (string?)Rbac.Deployment?["properties"]?["parameters"]?["appPrincipalId"]?["value"];
        Assert.Contains("'identity'", passed, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.principalId.value]", passed, StringComparison.Ordinal);
    }

    [Fact]
    public void EventGridTopic_Role_IsWritingDeadLettersToTheirContainerOnly()
    {
        var assignment = Assert.Single(TopicAssignments);
        Assert.Equal(BuiltInRoles.StorageBlobDataContributor, assignment.RoleDefinitionGuid);
        Assert.Equal(ContainerScope("deadLetterContainerName"), assignment.Scope);
        var passed = (string?)Rbac.Deployment?["properties"]?["parameters"]?["systemTopicPrincipalId"]?["value"];
        Assert.Contains("'storage'", passed, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.systemTopicPrincipalId.value]", passed, StringComparison.Ordinal);
    }

    [Fact]
    public void Deployer_Roles_AreUploadRightsOnTheModelsAndImagesContainersOnly()
    {
        var expected = new[]
        {
            (BuiltInRoles.StorageBlobDataContributor, ContainerScope("imagesContainerName")),
            (BuiltInRoles.StorageBlobDataContributor, ContainerScope("modelsContainerName")),
        };

        var actual = DeployerAssignments.Select(assignment => (assignment.RoleDefinitionGuid, assignment.Scope));
        Assert.Equal(expected.Order(), actual.Order());
    }

    [Fact]
    public void Deployer_EmptyPrincipal_GrantsNothing()
    {
        Assert.All(DeployerAssignments, assignment =>
            Assert.Equal("[not(empty(parameters('deployerPrincipalId')))]", assignment.Condition));
    }

    [Fact]
    public void RoleAssignments_Everyone_GetsNoControlPlaneOrKeyReadingRole()
    {
        string[] forbidden = [BuiltInRoles.Owner, BuiltInRoles.Contributor, BuiltInRoles.StorageAccountContributor];
        Assert.All(Assignments, assignment => Assert.DoesNotContain(assignment.RoleDefinitionGuid, forbidden));
        Assert.Equal(AppAssignments.Count + TopicAssignments.Count + DeployerAssignments.Count, Assignments.Count);
    }

    [Fact]
    public void RoleAssignments_Names_AreDeterministicGuidsOfScopePrincipalAndRole()
    {
        foreach (var (_, resource) in Rbac.ResourcesOfType("Microsoft.Authorization/roleAssignments"))
        {
            Assert.StartsWith("[guid(", (string?)resource["name"], StringComparison.Ordinal);
        }
    }

    private static string ContainerScope(string containerParameter) =>
        $"[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('storageAccountName'), 'default', parameters('{containerParameter}'))]";
}
