// BlipFunctions on Azure, step 2 of 2: subscribe the app's Event Grid blob trigger to the images container.
//   az deployment group create -g <rg> -f infra/eventgrid.bicep \
//     -p functionAppName=<app> systemTopicName=<topic> storageAccountName=<account>
// (scripts/subscribe-eventgrid.sh does this, and azd runs it as the postdeploy hook).
//
// Why a second step: the webhook URL carries the blob extension's system key (`blobs_extension`), and the host
// creates that key only after code with an Event Grid blob trigger has been deployed and has started. Event Grid
// also validates the webhook when the subscription is created, which needs the running app. So step 1
// (main.bicep) creates the system topic, the code is deployed, and then this file reads the key with listKeys on
// the host and creates the subscription. Re-running it is harmless: same name, same filter, current key.

@description('Name of the Function App (output AZURE_FUNCTION_APP_NAME of main.bicep).')
param functionAppName string

@description('Name of the storage account\'s Event Grid system topic (output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME).')
param systemTopicName string

@description('Storage account holding the images and the dead-letter container (output AZURE_STORAGE_ACCOUNT_NAME).')
param storageAccountName string

@description('Container for events that could not be delivered (output AZURE_EVENTGRID_DEADLETTER_CONTAINER).')
param deadLetterContainerName string = 'event-deadletters'

@description('Container whose uploads are captioned.')
param imagesContainerName string = 'images'

@description('Name of the blob-triggered function (the [Function] name in src/BlipFunctions).')
param functionName string = 'CaptionBlob'

@description('Name of the event subscription.')
param subscriptionName string = 'caption-images'

resource site 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

// listKeys on Microsoft.Web/sites/host/default returns the host's keys; systemKeys.blobs_extension exists once the
// blob trigger has run on the host (scripts/subscribe-eventgrid.sh waits for it before deploying this file).
// The function form is used because the Bicep type library has no types for Microsoft.Web/sites/host.
var blobsExtensionKey = listKeys('${site.id}/host/default', '2024-11-01').systemKeys.blobs_extension

resource imagesCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${site.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      // Only blobs of the images container (the trailing slash keeps out containers such as `images2`).
      subjectBeginsWith: '/blobServices/default/containers/${imagesContainerName}/blobs/'
      // Only fully committed blobs: a block upload fires once, on the commit, not once per staged block.
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.api'
          values: [
            'PutBlob'
            'PutBlockList'
            'CopyBlob'
            'FlushWithClose'
          ]
        }
      ]
    }
    // After the retries, the event is kept as a blob (written by the topic's own identity) instead of dropped.
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output subscriptionName string = imagesCreated.name
output subjectBeginsWith string = imagesCreated.properties.filter.subjectBeginsWith
