#!/usr/bin/env bash
# Brings the whole local stack up (README "Run locally"; docs/functions.md):
#   Azurite (npm, pinned in package.json) -> the model (fetched and built if missing) -> Azure Functions Core Tools
#   -> the local event relay (Azurite raises no Event Grid events) -> `func start` in src/BlipFunctions.
# Usage: scripts/run-local.sh [--random]      --random: a tiny random-weight model instead of fetching BLIP base.
# Stop with Ctrl+C; Azurite and the relay stop with it. Data lives in artifacts/azurite/ (delete it to start afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

RANDOM_MODEL=0
for arg in "$@"; do
  case "$arg" in
    --random) RANDOM_MODEL=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-local: unknown option '$arg' (use --random or --help)" >&2; exit 2 ;;
  esac
done

if [ "$RANDOM_MODEL" = 1 ]; then
  MODEL_DIR="${BLIP_MODEL_DIR:-$ROOT/models/tiny-random}"
else
  MODEL_DIR="${BLIP_MODEL_DIR:-$ROOT/models/blip-image-captioning-base}"
fi

# 1. Prerequisites, all checked before anything starts.
missing=0
if ! command -v dotnet >/dev/null 2>&1; then
  echo "run-local: the .NET 10 SDK is missing: install it from https://dotnet.microsoft.com/download/dotnet/10.0" >&2
  missing=1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "run-local: Node.js (with npm) is missing: install Node.js 20 or later from https://nodejs.org (Azurite comes from npm)." >&2
  missing=1
fi
if ! command -v func >/dev/null 2>&1; then
  cat >&2 <<'MSG'
run-local: Azure Functions Core Tools (`func`, version 4) is not installed, and it is what runs the app locally.
  Install it, then run this script again:
    npm:      npm install -g azure-functions-core-tools@4     (its install step downloads the tools from cdn.functions.azure.com)
    Ubuntu:   sudo apt-get install azure-functions-core-tools-4   (after adding Microsoft's package feed:
              https://learn.microsoft.com/azure/azure-functions/functions-run-local#install-the-azure-functions-core-tools)
    macOS:    brew tap azure/functions && brew install azure-functions-core-tools@4
    Windows:  winget install Microsoft.Azure.FunctionsCoreTools
  Without Core Tools you can still run the tests, which call the functions in-process against Azurite: scripts/test.sh
MSG
  missing=1
fi
if [ "$missing" = 1 ]; then
  exit 3
fi

# 2. Azurite from npm (package-lock.json pins it).
if [ ! -x node_modules/.bin/azurite ]; then
  echo "run-local: installing Azurite (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_open 10000 && port_open 10001 && port_open 10002; then
  echo "run-local: something already listens on 10000-10002; using it as Azurite."
else
  mkdir -p artifacts/azurite
  node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --location artifacts/azurite --debug artifacts/azurite/debug.log &
  PIDS+=("$!")
  for _ in $(seq 1 60); do
    if port_open 10000 && port_open 10001 && port_open 10002; then break; fi
    sleep 0.5
  done
  port_open 10000 || { echo "run-local: Azurite did not start; see artifacts/azurite/debug.log" >&2; exit 1; }
  echo "run-local: Azurite is up (blob 10000, queue 10001, table 10002; data in artifacts/azurite/)."
fi

# 3. The model.
if [ ! -f "$MODEL_DIR/blip-model.json" ]; then
  if [ "$RANDOM_MODEL" = 1 ]; then
    echo "run-local: making a tiny random model in $MODEL_DIR ..."
    dotnet run --project src/BlipCaptioning.Cli -c Release -- model random --preset tiny --out "$MODEL_DIR"
  else
    echo "run-local: fetching Salesforce/blip-image-captioning-base and building it in $MODEL_DIR (about 1 GB, once) ..."
    dotnet run --project src/BlipCaptioning.Cli -c Release -- model fetch --out "$MODEL_DIR"
  fi
fi

# 4. Settings: local.settings.json next to the project (git-ignored), from the sample, with this machine's model path.
SETTINGS=src/BlipFunctions/local.settings.json
if [ ! -f "$SETTINGS" ]; then
  sed "s#\"Captioning__ModelDirectory\": \"[^\"]*\"#\"Captioning__ModelDirectory\": \"$MODEL_DIR\"#" local.settings.sample.json > "$SETTINGS"
  echo "run-local: wrote $SETTINGS (Captioning__ModelDirectory=$MODEL_DIR)."
else
  echo "run-local: using the existing $SETTINGS."
fi

# 5. The relay: Azurite has no Event Grid, so it posts BlobCreated events for new uploads to the local blob webhook.
dotnet build src/BlipFunctions.LocalRelay -c Release --nologo -v quiet
dotnet src/BlipFunctions.LocalRelay/bin/Release/net10.0/BlipFunctions.LocalRelay.dll --connection "UseDevelopmentStorage=true" --container images --host http://localhost:7071 &
PIDS+=("$!")

cat <<'HOWTO'

run-local: starting the Functions host. Once it lists the functions:
  Upload an image (any tool that talks to Azurite; with the Azure CLI):
    az storage blob upload --connection-string "UseDevelopmentStorage=true" -c images -n holiday/beach.jpg -f beach.jpg
  Query it (202 while captioning, then 200 with the caption; locally no function key is needed):
    curl http://localhost:7071/api/captions/holiday/beach.jpg
    curl "http://localhost:7071/api/captions?prefix=holiday/&top=10"
  Caption without storing:
    curl --data-binary @beach.jpg -H "Content-Type: image/jpeg" http://localhost:7071/api/captions

HOWTO

cd src/BlipFunctions
func start
