#!/usr/bin/env bash
# Writes the Functions app's local settings from local.settings.sample.json with the model folder's absolute path, so
# that they work wherever the host starts the worker (it runs in the build output folder, where relative paths break).
# Usage: scripts/write-local-settings.sh MODEL_DIR [OUTPUT]     OUTPUT defaults to src/BlipFunctions/local.settings.json
# Needs Node.js (scripts/run-local.sh checks for it). README "Settings" describes every value.
set -euo pipefail
caller=$(pwd)
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: scripts/write-local-settings.sh MODEL_DIR [OUTPUT]" >&2
  exit 2
fi
model_dir=$(cd "$caller" && realpath -m -- "$1")
output=${2:-src/BlipFunctions/local.settings.json}
case "$output" in
  /*) ;;
  *) output="$caller/$output" ;;
esac

node - "$model_dir" "$output" <<'JS'
const fs = require('fs');
const [modelDir, output] = process.argv.slice(2);
const settings = JSON.parse(fs.readFileSync('local.settings.sample.json', 'utf8'));
settings.Values['Captioning__ModelDirectory'] = modelDir;
fs.writeFileSync(output, JSON.stringify(settings, null, 2) + '\n');
JS
echo "write-local-settings: wrote $output (Captioning__ModelDirectory=$model_dir)."
