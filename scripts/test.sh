#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run runs exactly this).
# Installs the test tools it needs (Azurite from npm, pinned in package-lock.json), then runs every test project.
# The storage tests start their own Azurite on free ports; nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f package.json ]; then
  if [ ! -x node_modules/.bin/azurite ]; then
    echo "Installing Azurite from npm (package.json)..."
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi

dotnet test BlipFunctions.sln -c Release "$@"
