using System.Text.Json.Nodes;
using BlipCaptioning.Testing;

namespace BlipFunctions.Infra.Tests;

/// <summary>Step 1 (main.bicep, module app/deletions.bicep): BlobDeleted events of the images container go to the queue of the BlobDeleted function.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class DeletionSubscriptionTests(CompiledInfrastructure infra)
{
    private const string QueueMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";

    private ArmScope Deletions => infra.Template("main.bicep").Module("deletions");

    private JsonNode Subscription => Deletions.SingleResource("Microsoft.EventGrid/systemTopics/eventSubscriptions").Resource;

    private JsonNode Properties => Subscription["properties"] ?? throw new InvalidOperationException("The event subscription has no properties.");

    [Fact]
    public void Filter_EventTypes_AreOnlyBlobDeletedOfTheImagesContainer()
    {
        var types = Properties["filter"]?["includedEventTypes"]?.AsArray().Select(type => (string?)type);
        Assert.Equal(["Microsoft.Storage.BlobDeleted"], types);
        Assert.Equal("[format('/blobServices/default/containers/{0}/blobs/', parameters('imagesContainerName'))]",
            (string?)Properties["filter"]?["subjectBeginsWith"]);
    }

    [Fact]
    public void Destination_IsTheBlobDeletionsQueueWrittenWithTheTopicIdentity()
    {
        var delivery = Properties["deliveryWithResourceIdentity"];
        Assert.Equal("SystemAssigned", (string?)delivery?["identity"]?["type"]);
        Assert.Equal("StorageQueue", (string?)delivery?["destination"]?["endpointType"]);
        Assert.Equal("blob-deletions", Deletions.EvaluateString(JsonValue.Create("[parameters('queueName')]")));
        Assert.Equal("blob-deletions", AppQueueNames.Of("BlobDeletedFunction.cs"));
        Assert.Equal(-1, (int?)delivery?["destination"]?["properties"]?["queueMessageTimeToLiveInSeconds"]);
    }

    [Fact]
    public void TopicIdentity_MaySendMessagesToThatQueueOnly()
    {
        var (scope, resource) = Assert.Single(Deletions.ResourcesOfType("Microsoft.Authorization/roleAssignments"));
        var assignment = RoleAssignment.From(scope, resource);
        Assert.Equal(QueueMessageSender, assignment.RoleDefinitionGuid);
        Assert.Contains("Microsoft.Storage/storageAccounts/queueServices/queues", assignment.Scope, StringComparison.Ordinal);
        Assert.Equal("[parameters('systemTopicPrincipalId')]", assignment.PrincipalId);
        Assert.Contains("Microsoft.Authorization/roleAssignments", Subscription["dependsOn"]?.ToJsonString() ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void DeadLetters_UndeliveredDeletions_AreKeptInTheDeadLetterContainer()
    {
        var destination = Properties["deadLetterWithResourceIdentity"]?["deadLetterDestination"];
        Assert.Equal("StorageBlob", (string?)destination?["endpointType"]);
        Assert.Equal("[parameters('deadLetterContainerName')]", (string?)destination?["properties"]?["blobContainerName"]);
    }
}
