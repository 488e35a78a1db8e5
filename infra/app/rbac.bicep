// Role assignments: what the app's managed identity (and, optionally, the person deploying) may do, and why.
// Data-plane roles only; no role grants account keys (and shared-key access is disabled anyway).
// Storage Account Contributor, which Learn lists for blob triggers on AzureWebJobsStorage, is not granted: it is
// for the polling source (which turns on storage analytics logs); the Event Grid source used on Flex does not need it.

param storageAccountName string
param imagesContainerName string
param modelsContainerName string
param deploymentContainerName string
param deadLetterContainerName string
param applicationInsightsName string

@description('Principal id of the app\'s user-assigned managed identity.')
param appPrincipalId string

@description('Principal id of the Event Grid system topic\'s managed identity (it writes dead letters).')
param systemTopicPrincipalId string

@description('Object id of a person (or pipeline) that uploads the model and test images; empty grants nothing.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' existing = {
  parent: storage
  name: 'default'
}

resource imagesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = {
  parent: blobService
  name: imagesContainerName
}

resource modelsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = {
  parent: blobService
  name: modelsContainerName
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = {
  parent: blobService
  name: deploymentContainerName
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' existing = {
  parent: blobService
  name: deadLetterContainerName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Storage Blob Data Owner on the account:
// - the Functions host (AzureWebJobsStorage) creates and uses its containers (azure-webjobs-hosts for leases,
//   azure-webjobs-secrets for the function keys), so the grant must cover the account, not one container;
// - the blob trigger's connection (CaptionStorage) needs Owner on the trigger's account (Learn, blob trigger
//   permissions), and the app reads the images and the model;
// - the app writes the caption into each image's blob index tags: Set Blob Tags needs the data action
//   .../containers/blobs/tags/write, which Blob Data Owner has and Blob Data Contributor does not.
resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor on the account: the Event Grid blob trigger hands each event to the host's
// internal blob-trigger queue on AzureWebJobsStorage before invoking the function, and failed blobs go to the
// `webjobs-blobtrigger-poison` queue on the trigger's account (CaptionStorage__queueServiceUri).
// The same grant covers reconcile's queues (app/storage.bicep) and every other queue of the account: its data
// actions messages/write (Put Message, Update Message), messages/process/action and messages/read+delete (Get and
// Delete Message) let the app send to `caption-requests` and `reconcile-runs` and their queue triggers receive and
// complete; queues/read gives the queue's length; queues/write lets the host create the `<queue>-poison` queues.
resource appQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Table Data Contributor on the account: the app upserts and reads rows of the captions table through
// TableClient, and the Functions host writes its diagnostic events to tables in AzureWebJobsStorage.
resource appTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Blob Data Contributor on the deployment container: Flex Consumption reads the app package from this
// container with the site's user-assigned identity (functionAppConfig.deployment.storage.authentication). The
// account-wide Blob Data Owner above covers it today; this grant states the deployment path's own need, so it
// keeps working if the host's role is ever narrowed or AzureWebJobsStorage moves to another account.
resource appDeploymentBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deploymentContainer.id, appPrincipalId, roles.storageBlobDataContributor)
  scope: deploymentContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher on Application Insights: local auth is disabled there, so telemetry is accepted
// only from an Entra identity holding this role.
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Blob Data Contributor on the dead-letter container, for the Event Grid system topic's identity: events it
// cannot deliver to the app are written there (deadLetterWithResourceIdentity in infra/eventgrid.bicep) instead
// of being dropped. Scoped to that container only.
resource topicDeadLetterBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, systemTopicPrincipalId, roles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: systemTopicPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The deployer may upload the built model (`az storage blob upload-batch --auth-mode login`): shared keys are off,
// so uploads need a data-plane role. Scoped to the models container only.
resource deployerModelsBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(modelsContainer.id, deployerPrincipalId, roles.storageBlobDataContributor)
  scope: modelsContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// The deployer may upload images to try the app (`az storage blob upload --auth-mode login`). Images container only.
resource deployerImagesBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(imagesContainer.id, deployerPrincipalId, roles.storageBlobDataContributor)
  scope: imagesContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}
