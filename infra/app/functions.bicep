// Flex Consumption plan (FC1) and the .NET 10 isolated Function App that captions images.
// Every storage connection is identity-based (the user-assigned identity, `__credential`/`__clientId`): the app
// settings hold service URIs, never an account key or a connection string with a secret.

param functionAppName string
param planName string
param location string
param tags object = {}

@description('Tag azd uses to find the site it deploys the `api` service to (azure.yaml).')
param serviceName string = 'api'

param identityId string
param identityClientId string

param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerName string
param captionsTableName string
param modelsContainerName string

@description('Folder in the models container that holds the built model (blip-model.json and the ONNX graphs).')
param modelFolder string

@description('Local folder the model is copied to on first use and read from afterwards.')
param modelDirectory string

param applicationInsightsConnectionString string

@description('Functions runtime stack on Flex Consumption.')
param runtimeName string = 'dotnet-isolated'

@description('Runtime version; .NET 10 isolated is listed as `10.0` for Flex (`az functionapp list-flexconsumption-runtimes`).')
param runtimeVersion string = '10.0'

// 4096 MB because of the model: the fp32 BLIP-base graphs are about 1 GB on disk, and one caption in flight holds
// about 1.3-2 GB resident (the weights plus ONNX Runtime's memory arenas and activations), on top of the Functions
// host and the .NET worker. 2048 MB is the minimum that fits one caption at a time; 512 MB cannot load the model.
// Flex also scales CPU with memory, so 4096 MB captions faster.
@description('Memory of each instance in MB (Flex sizes: 512, 2048, 4096). The model needs at least 2048.')
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 4096

@description('Most instances Flex may scale out to (40-1000). Caps the cost of a burst of uploads.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Instances kept warm for the Event Grid blob trigger (scale group `blob`); 0 scales to zero.')
@minValue(0)
param alwaysReadyBlobInstances int = 0

@description('Instances kept warm for the HTTP API (scale group `http`); 0 scales to zero.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@description('Concurrent HTTP requests per instance before Flex adds one. POST /api/captions runs the model, so keep it small.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 4

@description('Captions the app runs at once on one instance (Captioning__MaxConcurrency). Each needs about 1.3-2 GB.')
@minValue(1)
param captioningMaxConcurrency int = 1

@description('Whether the ReconcileTimer function runs a reconcile of the images container daily at 03:00 UTC (Reconcile__TimerEnabled).')
param reconcileTimerEnabled bool = false

var alwaysReady = concat(
  alwaysReadyBlobInstances > 0 ? [{ name: 'blob', instanceCount: alwaysReadyBlobInstances }] : [],
  alwaysReadyHttpInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttpInstances }] : []
)

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux: Flex Consumption runs on Linux only.
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          // Flex has one deployment path: the zipped package in a blob container, read with the managed identity.
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReady
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // The host's own storage (leases, keys, the blob trigger's internal queue): identity-based.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    // The trigger's and the app's connection (README "Settings"); a blob trigger needs the queue URI too (poison queue).
    CaptionStorage__credential: 'managedidentity'
    CaptionStorage__clientId: identityClientId
    CaptionStorage__blobServiceUri: blobEndpoint
    CaptionStorage__queueServiceUri: queueEndpoint
    CaptionStorage__tableServiceUri: tableEndpoint
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    // Local auth is disabled on Application Insights: the SDK authenticates as the user-assigned identity.
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    Captioning__CaptionsTable: captionsTableName
    Captioning__ModelBlobUri: '${blobEndpoint}${modelsContainerName}/${modelFolder}'
    Captioning__ModelDirectory: modelDirectory
    Captioning__MaxConcurrency: string(captioningMaxConcurrency)
    // Spelled out rather than string(reconcileTimerEnabled): ARM's string() turns a bool into 'True'/'False'. .NET's
    // bool parsing would accept either case, but the documented values are 'true' and 'false'.
    Reconcile__TimerEnabled: reconcileTimerEnabled ? 'true' : 'false'
  }
}

output name string = site.name
output id string = site.id
output defaultHostName string = site.properties.defaultHostName
