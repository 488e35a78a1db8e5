// BlipFunctions on Azure, step 1 of 2: everything except the Event Grid subscription.
//   az deployment sub create -l <region> -f infra/main.bicep -p environmentName=<env> location=<region>
// (or `azd provision` / `azd up`, which reads main.parameters.json). Step 2, after the code is deployed, is
// infra/eventgrid.bicep (run by scripts/subscribe-eventgrid.sh, azd's postdeploy hook): the subscription's webhook
// needs the blob extension's system key, which the host creates only once code with the blob trigger runs.
//
// Resources are plain declarations in infra/app/*.bicep, not Azure Verified Modules from the public registry
// (`br/public:avm/...`): registry modules must be restored from mcr.microsoft.com before `bicep build`, which CI
// cannot reach, and the offline tests build and inspect every file here.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (e.g. dev, prod); names the resource group and seeds the unique names.')
param environmentName string

@minLength(1)
@description('Region of every resource. Pick one that offers Flex Consumption (`az functionapp list-flexconsumption-locations`).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create; defaults to rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person (or pipeline) deploying, granted upload rights on the models and images containers. Empty grants nothing.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Instance memory in MB. 4096 fits the fp32 model with room for one caption at a time (see app/functions.bicep).')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 4096

@description('Most instances Flex may scale out to (40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Always-ready instances for the blob trigger; each one is billed while idle but never cold-starts.')
@minValue(0)
param alwaysReadyBlobInstances int = 0

@description('Always-ready instances for the HTTP API.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@description('Concurrent HTTP requests per instance before Flex scales out.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 4

@description('Captions run at once on one instance (Captioning__MaxConcurrency).')
@minValue(1)
param captioningMaxConcurrency int = 1

@description('Run a reconcile (backfill and re-caption) of the images container every day at 03:00 UTC (the ReconcileTimer function; app setting Reconcile__TimerEnabled). Off by default: reconcile runs when asked, with POST /api/reconcile.')
param reconcileTimerEnabled bool = false

@description('Folder of the models container holding the built model (what `blip model fetch` writes).')
param modelFolder string = 'blip-image-captioning-base'

@description('Local folder on each instance the model is copied to on first use.')
param modelDirectory string = '/tmp/blip-model/blip-image-captioning-base'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'blip-functions'
}
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
// Names agreed with the app (README "Settings"): the images container, the captions table, the models container.
var imagesContainerName = 'images'
var captionsTableName = 'captions'
var modelsContainerName = 'models'
var deadLetterContainerName = 'event-deadletters'
// Reconcile's queues (the app's CaptionQueuedBlob and ContinueReconcile functions listen on them by these names).
var captionRequestsQueueName = 'caption-requests'
var reconcileRunsQueueName = 'reconcile-runs'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${functionAppName}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    imagesContainerName: imagesContainerName
    captionsTableName: captionsTableName
    modelsContainerName: modelsContainerName
    deploymentContainerName: deploymentContainerName
    deadLetterContainerName: deadLetterContainerName
    systemTopicName: '${abbrs.eventGridDomainsTopics}${resourceToken}'
    captionRequestsQueueName: captionRequestsQueueName
    reconcileRunsQueueName: reconcileRunsQueueName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    imagesContainerName: storage.outputs.imagesContainerName
    modelsContainerName: storage.outputs.modelsContainerName
    deploymentContainerName: storage.outputs.deploymentContainerName
    deadLetterContainerName: storage.outputs.deadLetterContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appPrincipalId: identity.outputs.principalId
    systemTopicPrincipalId: storage.outputs.systemTopicPrincipalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// Deleting an image removes its caption: BlobDeleted events to the queue of the BlobDeleted function.
module deletions 'app/deletions.bicep' = {
  name: 'deletions'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    systemTopicName: storage.outputs.systemTopicName
    systemTopicPrincipalId: storage.outputs.systemTopicPrincipalId
    imagesContainerName: storage.outputs.imagesContainerName
    deadLetterContainerName: storage.outputs.deadLetterContainerName
  }
}

module functions 'app/functions.bicep' = {
  name: 'functions'
  scope: rg
  params: {
    functionAppName: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    captionsTableName: captionsTableName
    modelsContainerName: modelsContainerName
    modelFolder: modelFolder
    modelDirectory: modelDirectory
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyBlobInstances: alwaysReadyBlobInstances
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    captioningMaxConcurrency: captioningMaxConcurrency
    reconcileTimerEnabled: reconcileTimerEnabled
  }
  // The host starts as soon as the site exists; let it find its storage roles in place.
  dependsOn: [
    rbac
  ]
}

// azd stores these outputs in the environment (.azure/<env>/.env); the postdeploy hook and the guide use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functions.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functions.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = storage.outputs.systemTopicName
output AZURE_EVENTGRID_DEADLETTER_CONTAINER string = storage.outputs.deadLetterContainerName
output AZURE_IMAGES_CONTAINER string = storage.outputs.imagesContainerName
output AZURE_MODELS_CONTAINER string = storage.outputs.modelsContainerName
output AZURE_MODEL_FOLDER string = modelFolder
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
