#!/bin/sh
# Deployment step 2 of 2: subscribe the app's Event Grid blob trigger (CaptionBlob) to BlobCreated events of the
# images container, by deploying infra/eventgrid.bicep.
#
# Why after the code: the webhook URL carries the blob extension's system key (blobs_extension), which the
# Functions host creates only once code with an Event Grid blob trigger has been deployed and has started, and
# Event Grid validates the webhook against the running app when the subscription is created.
#
# azd runs this as the postdeploy hook (azure.yaml) with main.bicep's outputs in the environment.
# By hand (scripts/deploy.sh does this):
#   AZURE_RESOURCE_GROUP=rg-dev AZURE_FUNCTION_APP_NAME=func-... AZURE_EVENTGRID_SYSTEM_TOPIC_NAME=evgt-... \
#     AZURE_STORAGE_ACCOUNT_NAME=st... scripts/subscribe-eventgrid.sh
# Safe to re-run: it updates the same subscription with the current key.
set -eu
cd "$(dirname "$0")/.."

fail() {
  echo "error: $*" >&2
  exit 1
}

command -v az >/dev/null 2>&1 ||
  fail "the Azure CLI (az) is needed: install it and run 'az login' (docs/deploy.md, Prerequisites)."

resource_group=${AZURE_RESOURCE_GROUP:-}
app=${AZURE_FUNCTION_APP_NAME:-}
topic=${AZURE_EVENTGRID_SYSTEM_TOPIC_NAME:-}
account=${AZURE_STORAGE_ACCOUNT_NAME:-}
container=${AZURE_IMAGES_CONTAINER:-images}
dead_letters=${AZURE_EVENTGRID_DEADLETTER_CONTAINER:-event-deadletters}
[ -n "$resource_group" ] && [ -n "$app" ] && [ -n "$topic" ] && [ -n "$account" ] ||
  fail "set AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, AZURE_EVENTGRID_SYSTEM_TOPIC_NAME and AZURE_STORAGE_ACCOUNT_NAME (outputs of infra/main.bicep; 'azd env get-values' shows them)."

attempts=${BLIP_KEY_WAIT_ATTEMPTS:-30}
host_name=$(az functionapp show --resource-group "$resource_group" --name "$app" --query defaultHostName --output tsv) ||
  fail "cannot read Function App '$app' in '$resource_group': run infra/main.bicep first (azd provision)."

# The key appears once the host has started with the blob trigger; a request wakes a scaled-to-zero app.
attempt=0
while :; do
  key=$(az functionapp keys list --resource-group "$resource_group" --name "$app" \
    --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  attempt=$((attempt + 1))
  [ "$attempt" -lt "$attempts" ] ||
    fail "'$app' has no blobs_extension system key. Deploy the code first (azd deploy, or scripts/deploy.sh) and check that it starts: docs/deploy.md, 'Logs'."
  echo "Waiting for the host of '$app' to create the blobs_extension key ($attempt/$attempts)..."
  curl --silent --output /dev/null --max-time 30 "https://$host_name/" || true
  sleep 10
done
unset key

echo "Subscribing https://$host_name/runtime/webhooks/blobs (function CaptionBlob) to BlobCreated in '$container'..."
az deployment group create \
  --resource-group "$resource_group" \
  --name "blip-eventgrid" \
  --template-file infra/eventgrid.bicep \
  --parameters functionAppName="$app" systemTopicName="$topic" storageAccountName="$account" \
  imagesContainerName="$container" deadLetterContainerName="$dead_letters" \
  --output none
echo "Done: uploads to the '$container' container now reach CaptionBlob."
