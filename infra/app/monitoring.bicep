// Log Analytics workspace + workspace-based Application Insights for the app's traces, requests and metrics.
// Local (instrumentation-key) auth is disabled: telemetry is accepted only with a Microsoft Entra token, which the
// app gets from its managed identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING) and which needs the Monitoring
// Metrics Publisher role (app/rbac.bicep).

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object = {}

@description('Days Log Analytics keeps the logs (30 is included in the ingestion price).')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
// The connection string names the ingestion endpoint and the resource; with local auth disabled it grants nothing
// without an Entra token, so it is not a secret.
output connectionString string = applicationInsights.properties.ConnectionString
output logAnalyticsName string = logAnalytics.name
