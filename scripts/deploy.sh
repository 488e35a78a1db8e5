#!/bin/sh
# Deploys BlipFunctions to Azure with the Azure CLI alone (the same steps `azd up` takes):
#   1. infra/main.bicep at subscription scope (resource group, storage, identity, roles, monitoring, Flex app);
#   2. the app's code, published and zipped, to the Flex app's deployment container;
#   3. infra/eventgrid.bicep through scripts/subscribe-eventgrid.sh (needs the running code, see that script).
# Usage: scripts/deploy.sh ENVIRONMENT_NAME REGION        e.g. scripts/deploy.sh dev swedencentral
# BLIP_PRINCIPAL_ID overrides who gets upload rights on the models/images containers (default: you; '' for none).
set -eu
cd "$(dirname "$0")/.."

fail() {
  echo "error: $*" >&2
  exit 1
}

[ $# -eq 2 ] || fail "usage: scripts/deploy.sh ENVIRONMENT_NAME REGION (e.g. scripts/deploy.sh dev swedencentral)"
environment=$1
region=$2
for tool in az dotnet zip; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is needed (docs/deploy.md, Prerequisites)."
done

if [ "${BLIP_PRINCIPAL_ID+set}" = set ]; then
  principal=$BLIP_PRINCIPAL_ID
else
  principal=$(az ad signed-in-user show --query id --output tsv 2>/dev/null || true)
fi

deployment="blip-$environment"
echo "1/3 Provisioning '$environment' in $region (infra/main.bicep)..."
az deployment sub create \
  --name "$deployment" \
  --location "$region" \
  --template-file infra/main.bicep \
  --parameters environmentName="$environment" location="$region" principalId="$principal" \
  --output none

output() {
  az deployment sub show --name "$deployment" --query "properties.outputs.$1.value" --output tsv
}
AZURE_RESOURCE_GROUP=$(output AZURE_RESOURCE_GROUP)
AZURE_FUNCTION_APP_NAME=$(output AZURE_FUNCTION_APP_NAME)
AZURE_EVENTGRID_SYSTEM_TOPIC_NAME=$(output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME)
AZURE_STORAGE_ACCOUNT_NAME=$(output AZURE_STORAGE_ACCOUNT_NAME)
AZURE_IMAGES_CONTAINER=$(output AZURE_IMAGES_CONTAINER)
AZURE_EVENTGRID_DEADLETTER_CONTAINER=$(output AZURE_EVENTGRID_DEADLETTER_CONTAINER)
export AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME AZURE_EVENTGRID_SYSTEM_TOPIC_NAME AZURE_STORAGE_ACCOUNT_NAME \
  AZURE_IMAGES_CONTAINER AZURE_EVENTGRID_DEADLETTER_CONTAINER

echo "2/3 Publishing src/BlipFunctions to '$AZURE_FUNCTION_APP_NAME'..."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# linux-x64 only (Flex Consumption): ONNX Runtime natives for other platforms would add ~220 MB (docs/deploy.md).
dotnet publish src/BlipFunctions --configuration Release --runtime linux-x64 --self-contained false --output "$work/publish"
(cd "$work/publish" && zip -q -r "$work/app.zip" .)
az functionapp deployment source config-zip \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name "$AZURE_FUNCTION_APP_NAME" \
  --src "$work/app.zip" \
  --output none

echo "3/3 Subscribing the blob trigger to Event Grid..."
./scripts/subscribe-eventgrid.sh

echo "Deployed. Next: upload the model (scripts/deploy-model.sh), then an image; docs/deploy.md says how to query it."
