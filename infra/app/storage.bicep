// The one storage account of the app: the Functions host's own storage (AzureWebJobsStorage), the images that
// are captioned, the captions table, reconcile's queues, the built ONNX model and the deployment package. Plus the
// Event Grid system topic that turns its blob writes into events (the subscription to the app comes later:
// infra/eventgrid.bicep).
//
// Shared-key access is off: every client (the host, the app, Flex's deployment, the deployer's `az ... --auth-mode
// login`) authenticates with Microsoft Entra ID, so no account key or connection string exists in any setting.

@description('Storage account name: 3-24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object = {}

@description('Redundancy of the account. Standard_LRS is the cheapest; the data can be rebuilt from the uploads.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

@description('Container whose uploads are captioned (the CaptionBlob trigger\'s, compiled into the app: images).')
param imagesContainerName string

@description('Table that receives one row per caption (the app setting Captioning__CaptionsTable).')
param captionsTableName string

@description('Container holding the built ONNX model folder that the app copies to local disk on first use.')
param modelsContainerName string

@description('Container Flex Consumption deploys the zipped app package to and runs it from.')
param deploymentContainerName string

@description('Container Event Grid writes the events it could not deliver to (dead letters).')
param deadLetterContainerName string

@description('Name of the Event Grid system topic that publishes this account\'s blob events.')
param systemTopicName string

@description('Queue of the blobs a reconcile run asks to caption, one message per blob (read by the CaptionQueuedBlob function).')
param captionRequestsQueueName string

@description('Queue of a reconcile run\'s listing continuations (read by the ContinueReconcile function).')
param reconcileRunsQueueName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    // Identity only: no account keys, no SAS signed with them, no anonymous reads.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Blob index tags (the app tags each image with its caption) are not supported with a hierarchical namespace.
    isHnsEnabled: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Event Grid must reach the account to create and deliver the subscription's events.
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource imagesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: imagesContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The model is kept out of the deployment package: the fp32 BLIP-base graphs are about 1 GB, which would slow
// every deployment and every cold start (Flex unpacks the package on each new instance). The app copies the folder
// from this container to local disk at first use (after start-up, so Flex's fixed 30 s start-up limit is not at
// risk) and keeps it there for the life of the instance.
resource modelsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: modelsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Events Event Grid gave up on (the app was unreachable for 24 hours or 30 attempts) land here instead of being
// dropped, so an upload that was never captioned can be found and replayed (docs/deploy.md).
resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource captionsTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = {
  parent: tableService
  name: captionsTableName
}

// The queues of reconcile (backfill and re-caption: README.md#reconcile-backfill-and-re-caption), on this account
// because their functions read them through the CaptionStorage connection (CaptionStorage__queueServiceUri). The
// app's identity holds Storage Queue Data Contributor on the whole account (app/rbac.bicep), which covers sending to
// both, receiving and completing their messages, reading their length, and creating the `<queue>-poison` queues the
// host moves failed messages to; the host creates those on first use, so they are not declared here. The BlobDeleted
// function's `blob-deletions` queue is declared with its Event Grid subscription (app/deletions.bicep).
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

// One message per blob to caption, read by CaptionQueuedBlob. Flex Consumption scales that function out on this
// queue's length (per-function scaling, group `function:CaptionQueuedBlob`): a backfill of many images runs on many
// instances at once, up to the plan's maximumInstanceCount.
resource captionRequestsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: captionRequestsQueueName
}

// Continuation messages of a reconcile run's paged listing of the images container, read by ContinueReconcile: the
// listing goes on page by page in messages, so a run never holds the whole listing in memory.
resource reconcileRunsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = {
  parent: queueService
  name: reconcileRunsQueueName
}

// Publishes Microsoft.Storage.BlobCreated (and the account's other events). Flex Consumption has only the Event
// Grid source for blob triggers: polling is not available there.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  // Its own identity writes dead letters to the account (shared keys are off); app/rbac.bicep grants the role.
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output imagesContainerName string = imagesContainer.name
output modelsContainerName string = modelsContainer.name
output deploymentContainerName string = deploymentContainer.name
output captionsTableName string = captionsTable.name
output deadLetterContainerName string = deadLetterContainer.name
output captionRequestsQueueName string = captionRequestsQueue.name
output reconcileRunsQueueName string = reconcileRunsQueue.name
output systemTopicName string = systemTopic.name
output systemTopicPrincipalId string = systemTopic.identity.principalId
