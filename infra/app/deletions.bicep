// Deleting an image removes its caption: the storage account's BlobDeleted events for the images container go to a
// storage queue, whose queue trigger (BlobDeleted in src/BlipFunctions) removes the row and its keyword entries.
// A storage queue destination needs no function key (unlike the blob trigger's webhook in infra/eventgrid.bicep), so
// this is part of step 1 (main.bicep). The topic's own identity writes the messages: shared keys are off.

@description('Name of the storage account holding the images.')
param storageAccountName string

@description('Name of the storage account\'s Event Grid system topic (app/storage.bicep).')
param systemTopicName string

@description('Principal id of the system topic\'s identity.')
param systemTopicPrincipalId string

@description('Container whose deletions are followed.')
param imagesContainerName string

@description('Container for events that could not be delivered.')
param deadLetterContainerName string

@description('Queue the BlobDeleted function listens on (BlobDeletedFunction.QueueName).')
param queueName string = 'blob-deletions'

@description('Name of the event subscription.')
param subscriptionName string = 'delete-captions'

// Storage Queue Data Message Sender: add messages, nothing else.
var queueMessageSenderRole = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' existing = {
  parent: storage
  name: 'default'
}

resource queue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: queueName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource topicQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(queue.id, systemTopicPrincipalId, queueMessageSenderRole)
  scope: queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', queueMessageSenderRole)
    principalId: systemTopicPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource imagesDeleted 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  dependsOn: [
    topicQueueSender
  ]
  properties: {
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: storage.id
          queueName: queue.name
          // Kept until handled: -1 is "never expires" (a backlog must not silently lose deletions).
          queueMessageTimeToLiveInSeconds: -1
        }
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobDeleted'
      ]
      // Only blobs of the images container (the trailing slash keeps out containers such as `images2`).
      subjectBeginsWith: '/blobServices/default/containers/${imagesContainerName}/blobs/'
    }
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

output queueName string = queue.name
output subscriptionName string = imagesDeleted.name
