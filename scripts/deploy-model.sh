#!/bin/sh
# Uploads a built model folder (blip-model.json and the ONNX graphs, as `blip model fetch --out DIR` writes it)
# to the models container, where the app copies it from on first use (app setting Captioning__ModelBlobUri).
# Signs in with your Entra identity (--auth-mode login): the account has shared keys disabled, and main.bicep
# grants the deployer Storage Blob Data Contributor on the models container.
# Usage: scripts/deploy-model.sh STORAGE_ACCOUNT [MODEL_DIR]    (MODEL_DIR defaults to models/blip-image-captioning-base)
set -eu
cd "$(dirname "$0")/.."

fail() {
  echo "error: $*" >&2
  exit 1
}

[ $# -ge 1 ] && [ $# -le 2 ] ||
  fail "usage: scripts/deploy-model.sh STORAGE_ACCOUNT [MODEL_DIR] (the account is output AZURE_STORAGE_ACCOUNT_NAME)"
account=$1
model_dir=${2:-models/blip-image-captioning-base}
folder=${AZURE_MODEL_FOLDER:-blip-image-captioning-base}
container=${AZURE_MODELS_CONTAINER:-models}

[ -f "$model_dir/blip-model.json" ] ||
  fail "no built model in '$model_dir' (blip-model.json missing): run 'blip model fetch --out $model_dir' first."
command -v az >/dev/null 2>&1 || fail "the Azure CLI (az) is needed (docs/deploy.md, Prerequisites)."

echo "Uploading $model_dir to $account/$container/$folder ..."
az storage blob upload-batch \
  --auth-mode login \
  --account-name "$account" \
  --destination "$container" \
  --destination-path "$folder" \
  --source "$model_dir" \
  --overwrite true \
  --output none
echo "Done. Instances that already copied an older model keep it until they are recycled (restart the app to refresh)."
