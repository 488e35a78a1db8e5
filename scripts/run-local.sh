#!/usr/bin/env bash
# Brings the whole local stack up (README "The two commands"; docs/functions.md "Local development"):
#   Azure Functions Core Tools (installed into .tools/core-tools when `func` is missing) -> Azurite (npm, pinned in
#   package.json) -> the model (fetched and built if missing) -> local.settings.json with its absolute path -> the
#   local event relay (Azurite raises no Event Grid events) -> `dotnet run` (the Worker SDK starts `func start` in the
#   build output folder, as Core Tools recommends for .NET isolated apps).
# Usage: scripts/run-local.sh [--random]      --random: a tiny random-weight model instead of fetching BLIP base.
# Stop with Ctrl+C; Azurite and the relay stop with it. Data lives in artifacts/azurite/ (delete it to start afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

RANDOM_MODEL=0
for arg in "$@"; do
  case "$arg" in
    --random) RANDOM_MODEL=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-local: unknown option '$arg' (use --random or --help)" >&2; exit 2 ;;
  esac
done

if [ "$RANDOM_MODEL" = 1 ]; then
  MODEL_DIR="${BLIP_MODEL_DIR:-$ROOT/models/tiny-random}"
else
  MODEL_DIR="${BLIP_MODEL_DIR:-$ROOT/models/blip-image-captioning-base}"
fi
MODEL_DIR=$(realpath -m -- "$MODEL_DIR")

# Core Tools from npm, pinned, local to the repository (never needed by scripts/test.sh).
CORE_TOOLS_VERSION=4.15.1
CORE_TOOLS_DIR="${BLIP_CORE_TOOLS_DIR:-$ROOT/.tools/core-tools}"

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
if [ "$missing" = 1 ]; then
  exit 3
fi

# 2. Core Tools: the one on PATH, else the local install, else install it locally now.
if ! command -v func >/dev/null 2>&1; then
  export PATH="$CORE_TOOLS_DIR/node_modules/.bin:$PATH"
fi
if ! command -v func >/dev/null 2>&1 || ! func --version >/dev/null 2>&1; then
  echo "run-local: installing Azure Functions Core Tools $CORE_TOOLS_VERSION into $CORE_TOOLS_DIR (npm; it downloads the tools from cdn.functions.azure.com)..."
  mkdir -p "$CORE_TOOLS_DIR"
  if ! npm install --prefix "$CORE_TOOLS_DIR" --no-audit --no-fund --no-save "azure-functions-core-tools@$CORE_TOOLS_VERSION" >"$CORE_TOOLS_DIR/install.log" 2>&1 \
     || ! func --version >/dev/null 2>&1; then
    { grep -E 'attempting to GET|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ENOTCACHED|npm error code' "$CORE_TOOLS_DIR/install.log" || tail -n 5 "$CORE_TOOLS_DIR/install.log"; } \
      | tail -n 5 | sed 's/^/  npm: /' >&2
    cat >&2 <<MSG
run-local: Azure Functions Core Tools (\`func\`, version 4) is not installed, and installing it failed
  (npm install azure-functions-core-tools@$CORE_TOOLS_VERSION into $CORE_TOOLS_DIR; full log: $CORE_TOOLS_DIR/install.log).
  Its install step downloads the tools from cdn.functions.azure.com: check that this machine can reach it, or install them yourself and run this script again:
    npm:      npm install -g azure-functions-core-tools@4
    Ubuntu:   sudo apt-get install azure-functions-core-tools-4   (after adding Microsoft's package feed:
              https://learn.microsoft.com/azure/azure-functions/functions-run-local#install-the-azure-functions-core-tools)
    macOS:    brew tap azure/functions && brew install azure-functions-core-tools@4
    Windows:  winget install Microsoft.Azure.FunctionsCoreTools
  Without Core Tools you can still run the tests, which run the app under the host's own packages against Azurite: scripts/test.sh
MSG
    exit 3
  fi
fi
echo "run-local: Azure Functions Core Tools $(func --version) ($(command -v func))."

# 3. Azurite from npm (package-lock.json pins it).
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

# 4. The model.
if [ ! -f "$MODEL_DIR/blip-model.json" ]; then
  if [ "$RANDOM_MODEL" = 1 ]; then
    echo "run-local: making a tiny random model in $MODEL_DIR ..."
    dotnet run --project src/BlipCaptioning.Cli -c Release -- model random --preset tiny --out "$MODEL_DIR"
  else
    echo "run-local: fetching Salesforce/blip-image-captioning-base and building it in $MODEL_DIR (about 1 GB, once) ..."
    dotnet run --project src/BlipCaptioning.Cli -c Release -- model fetch --out "$MODEL_DIR"
  fi
fi

# 5. Settings: local.settings.json next to the project (git-ignored; the build copies it to the output folder where the
#    host runs), written from the sample with the model's absolute path, so it works from any folder.
SETTINGS=src/BlipFunctions/local.settings.json
if [ ! -f "$SETTINGS" ]; then
  scripts/write-local-settings.sh "$MODEL_DIR" "$SETTINGS"
else
  configured=$(node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Values || {}; process.stdout.write(v.Captioning__ModelDirectory || "")' "$SETTINGS")
  case "$configured" in
    /*) echo "run-local: using the existing $SETTINGS (Captioning__ModelDirectory=$configured)." ;;
    *)
      echo "run-local: $SETTINGS sets Captioning__ModelDirectory to '$configured', which is not an absolute path; the host runs the worker in the build output folder. Set it to '$MODEL_DIR' (or delete the file and this script writes it)." >&2
      exit 2
      ;;
  esac
fi

# 6. The relay: Azurite has no Event Grid, so it posts BlobCreated events for new uploads to the local blob webhook.
dotnet build src/BlipFunctions.LocalRelay -c Release --nologo -v quiet
dotnet src/BlipFunctions.LocalRelay/bin/Release/net10.0/BlipFunctions.LocalRelay.dll --connection "UseDevelopmentStorage=true" --container images --host http://localhost:7071 &
PIDS+=("$!")

cat <<'HOWTO'

run-local: starting the app (dotnet run: the Worker SDK builds it and runs `func start` in its output folder). Once the host lists the functions:
  Upload an image (any tool that talks to Azurite; with the Azure CLI):
    az storage blob upload --connection-string "UseDevelopmentStorage=true" -c images -n holiday/beach.jpg -f beach.jpg
  Query it (202 while captioning, then 200 with the caption; locally no function key is needed):
    curl http://localhost:7071/api/captions/holiday/beach.jpg
    curl "http://localhost:7071/api/captions?prefix=holiday/&top=10"
  Caption without storing:
    curl --data-binary @beach.jpg -H "Content-Type: image/jpeg" http://localhost:7071/api/captions
  See them all in the browser (search, failures, details):
    http://localhost:7071/api/gallery

HOWTO

dotnet run --project src/BlipFunctions -c Release
