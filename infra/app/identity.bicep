// The app's user-assigned managed identity. User-assigned (not system-assigned) so that it exists before the site:
// the role assignments and the site's identity-based settings (`__clientId`) can all be declared in one deployment,
// and the identity survives the site being recreated.

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
