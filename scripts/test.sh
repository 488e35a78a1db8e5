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

# The gallery's browser tests (tests/BlipFunctions.GalleryTests) drive Debian's Chromium through Playwright; Playwright's
# own browser download is not used. BLIP_CHROMIUM may point at another Chromium or Chrome instead.
if [ -z "${BLIP_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
  && ! command -v google-chrome >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium for the gallery's browser tests (apt-get install chromium)..."
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      chromium fonts-dejavu-core >/dev/null; }; then
      echo "Could not install Chromium with apt-get (see above); the gallery's browser tests will fail until it is" >&2
      echo "installed ('apt-get install chromium') or BLIP_CHROMIUM names a Chromium or Chrome. The other tests run." >&2
    fi
  else
    echo "The gallery's browser tests need Chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu), or set" >&2
    echo "BLIP_CHROMIUM to a Chromium or Chrome executable. The other tests run; those will fail until then." >&2
  fi
fi

dotnet test BlipFunctions.sln -c Release "$@"
