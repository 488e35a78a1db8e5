using System.Text.Json.Nodes;

namespace BlipFunctions.Infra.Tests;

/// <summary>Step 2 (infra/eventgrid.bicep): BlobCreated events of the images container go to the blob trigger.</summary>
[Collection(SharedInfrastructureBuild.Name)]
public sealed class EventGridSubscriptionTests(CompiledInfrastructure infra)
{
    private ArmScope Template => infra.Template("eventgrid.bicep");

    private JsonNode Subscription => Template.SingleResource("Microsoft.EventGrid/systemTopics/eventSubscriptions").Resource;

    private JsonNode Filter => Subscription["properties"]?["filter"]
        ?? throw new InvalidOperationException("The event subscription has no filter.");

    [Fact]
    public void Filter_EventTypes_AreOnlyBlobCreated()
    {
        var types = Filter["includedEventTypes"]?.AsArray().Select(type => (string?)type);
        Assert.Equal(["Microsoft.Storage.BlobCreated"], types);
    }

    [Fact]
    public void Filter_Subject_IsTheImagesContainerOnly()
    {
        var subject = Template.EvaluateString(Filter["subjectBeginsWith"]);
        Assert.Equal("/blobServices/default/containers/images/blobs/", subject);
        Assert.StartsWith("/blobServices/default/containers/images/", subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Filter_DataApi_KeepsOnlyCommittedUploadsAndCopies()
    {
        var filter = Assert.Single(Filter["advancedFilters"]!.AsArray())!;
        Assert.Equal("StringIn", (string?)filter["operatorType"]);
        Assert.Equal("data.api", (string?)filter["key"]);
        Assert.Equal(
            ["CopyBlob", "FlushWithClose", "PutBlob", "PutBlockList"],
            filter["values"]!.AsArray().Select(value => (string?)value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Destination_Webhook_IsTheBlobExtensionEndpointOfCaptionBlob()
    {
        var destination = Subscription["properties"]?["destination"];
        Assert.Equal("WebHook", (string?)destination?["endpointType"]);
        var url = (string?)destination?["properties"]?["endpointUrl"];
        Assert.StartsWith("[format('https://{0}/runtime/webhooks/blobs?functionName=Host.Functions.{1}&code={2}'", url, StringComparison.Ordinal);
        Assert.Equal("CaptionBlob", Template.EvaluateString(JsonValue.Create("[parameters('functionName')]")));
    }

    [Fact]
    public void Destination_Code_IsTheBlobsExtensionSystemKeyReadFromTheHost()
    {
        var url = (string?)Subscription["properties"]?["destination"]?["properties"]?["endpointUrl"];
        Assert.Contains(
            "listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', parameters('functionAppName'))), '2024-11-01').systemKeys.blobs_extension",
            url,
            StringComparison.Ordinal);
    }

    [Fact]
    public void DeadLetters_UndeliveredEvents_AreKeptInTheDeadLetterContainerWithTheTopicIdentity()
    {
        var deadLetter = Subscription["properties"]?["deadLetterWithResourceIdentity"];
        Assert.Equal("SystemAssigned", (string?)deadLetter?["identity"]?["type"]);
        var destination = deadLetter?["deadLetterDestination"];
        Assert.Equal("StorageBlob", (string?)destination?["endpointType"]);
        Assert.Equal(
            "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]",
            (string?)destination?["properties"]?["resourceId"]);
        Assert.Equal("event-deadletters", Template.EvaluateString(destination?["properties"]?["blobContainerName"]));
    }

    [Fact]
    public void Subscription_Parent_IsTheSystemTopicMainBicepCreates()
    {
        Assert.Equal("[format('{0}/{1}', parameters('systemTopicName'), parameters('subscriptionName'))]", (string?)Subscription["name"]);
        var mainOutputs = infra.Template("main.bicep").Template["outputs"]?.AsObject();
        Assert.NotNull(mainOutputs);
        Assert.Contains("AZURE_EVENTGRID_SYSTEM_TOPIC_NAME", mainOutputs.Select(output => output.Key));
        Assert.Contains("AZURE_FUNCTION_APP_NAME", mainOutputs.Select(output => output.Key));
    }

    [Fact]
    public void Outputs_EventGridStep_NeverPrintsTheKey()
    {
        var outputs = Template.Template["outputs"]?.ToJsonString() ?? "";
        Assert.DoesNotContain("listKeys", outputs, StringComparison.Ordinal);
        Assert.DoesNotContain("endpointUrl", outputs, StringComparison.Ordinal);
    }

    [Fact]
    public void MainTemplate_WebhookSubscription_IsLeftToTheSecondStep()
    {
        // Step 1 holds only the deletions subscription, whose storage queue destination needs no function key.
        var subscription = Assert.Single(infra.Template("main.bicep").ResourcesOfType("Microsoft.EventGrid/systemTopics/eventSubscriptions")).Resource;
        Assert.Null(subscription["properties"]?["destination"]);
        Assert.Equal("StorageQueue", (string?)subscription["properties"]?["deliveryWithResourceIdentity"]?["destination"]?["endpointType"]);
    }
}
