#!/usr/bin/env bash
# Backfill and re-caption (README "Reconcile"): asks the app to list its images container and queue every image whose
# caption is missing or out of date, then (with --follow) waits until the listing is done and the queue is empty.
# Usage: scripts/reconcile.sh [--url URL] [--prefix PREFIX] [--failed] [--force] [--follow]
#        scripts/reconcile.sh [--url URL] (--status RUN_ID | --resume RUN_ID) [--follow]
#   --url URL        the app (default: $BLIP_FUNCTIONS_URL, else http://localhost:7071 as scripts/run-local.sh starts it)
#   --prefix PREFIX  only images whose names start with PREFIX (a folder: holiday/)
#   --failed         also caption again the images whose captions failed
#   --force          caption again every image, whatever made its caption
#   --follow         poll every ${BLIP_RECONCILE_POLL_SECONDS:-10} s until the run is done and no caption request waits
#   --status RUN_ID  show where a run stands;  --resume RUN_ID  resume a stalled run from where it stopped
# In Azure set BLIP_FUNCTIONS_KEY to a function key (az functionapp keys list -g <group> -n <app> --query functionKeys.default -o tsv);
# it is sent as the x-functions-key header. Exit codes: 0 done, 2 bad usage, 3 the app refused or was unreachable, 4 the run stalled.
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
fail_usage() { echo "reconcile: $1 (see --help)" >&2; exit 2; }

URL="${BLIP_FUNCTIONS_URL:-http://localhost:7071}"
PREFIX=""; FAILED=""; FORCE=""; FOLLOW=0; STATUS_ID=""; RESUME_ID=""
while [ $# -gt 0 ]; do
  case "$1" in
    --url) [ $# -ge 2 ] || fail_usage "--url needs a value"; URL="$2"; shift 2 ;;
    --prefix) [ $# -ge 2 ] || fail_usage "--prefix needs a value"; PREFIX="$2"; shift 2 ;;
    --failed) FAILED=true; shift ;;
    --force) FORCE=true; shift ;;
    --follow) FOLLOW=1; shift ;;
    --status) [ $# -ge 2 ] || fail_usage "--status needs a run id"; STATUS_ID="$2"; shift 2 ;;
    --resume) [ $# -ge 2 ] || fail_usage "--resume needs a run id"; RESUME_ID="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) fail_usage "unknown option '$1'" ;;
  esac
done
if [ -n "$STATUS_ID" ] && [ -n "$RESUME_ID" ]; then fail_usage "give --status or --resume, not both"; fi
for id in "$STATUS_ID" "$RESUME_ID"; do
  if [ -n "$id" ] && ! [[ "$id" =~ ^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$ ]]; then
    fail_usage "'$id' is not a run id (POST /api/reconcile answers with one, e.g. 20261206-050000-1a2b3c)"
  fi
done
command -v curl >/dev/null 2>&1 || { echo "reconcile: curl is missing: install it (Debian: apt-get install curl)" >&2; exit 3; }
URL="${URL%/}"

BODY=$(mktemp); trap 'rm -f "$BODY"' EXIT
# call METHOD PATH [curl args...]: the body goes to $BODY; answers the HTTP status (000 when unreachable).
call() {
  local method="$1" path="$2"; shift 2
  local key_header=()
  if [ -n "${BLIP_FUNCTIONS_KEY:-}" ]; then key_header=(-H "x-functions-key: $BLIP_FUNCTIONS_KEY"); fi
  # ${a[@]+...}: an empty array under set -u, which bash 3.2 (macOS) otherwise calls unbound.
  curl -sS -o "$BODY" -w '%{http_code}' -X "$method" -H 'Content-Length: 0' ${key_header[@]+"${key_header[@]}"} "$@" "$URL$path" 2>/dev/null || true
}
field() { grep -o "\"$1\":\(\"[^\"]*\"\|[0-9]*\|null\)" "$BODY" | head -n 1 | sed 's/^[^:]*://; s/"//g'; }
explain() {
  local code="$1"
  case "$code" in
    000) echo "reconcile: cannot reach $URL: start the app (scripts/run-local.sh) or pass --url https://<app>.azurewebsites.net" >&2 ;;
    401|403) echo "reconcile: $URL refused the key ($code): set BLIP_FUNCTIONS_KEY to a function key of the app" >&2 ;;
    *) echo "reconcile: $URL answered $code: $(field detail || true)" >&2 ;;
  esac
  exit 3
}
summary() {
  echo "run $(field id): $(field status) ($(field phase)); listed $(field listed), queued $(field queued), up to date $(field upToDate), rows of deleted images removed $(field rowsRemoved); caption requests waiting: $(field captionRequestsWaiting)"
}

if [ -n "$STATUS_ID" ]; then
  code=$(call GET "/api/reconcile/$STATUS_ID"); [ "$code" = 200 ] || explain "$code"; RUN="$STATUS_ID"
elif [ -n "$RESUME_ID" ]; then
  code=$(call POST "/api/reconcile/$RESUME_ID"); [ "$code" = 202 ] || explain "$code"; RUN="$RESUME_ID"
else
  args=(-G)
  if [ -n "$PREFIX" ]; then args+=(--data-urlencode "prefix=$PREFIX"); fi
  if [ -n "$FAILED" ]; then args+=(--data "failed=true"); fi
  if [ -n "$FORCE" ]; then args+=(--data "force=true"); fi
  code=$(call POST /api/reconcile ${args[@]+"${args[@]}"}); [ "$code" = 202 ] || explain "$code"; RUN=$(field id)
fi
cat "$BODY"; echo
summary
[ "$FOLLOW" = 1 ] || { echo "follow it: scripts/reconcile.sh --status $RUN --follow"; exit 0; }

while true; do
  code=$(call GET "/api/reconcile/$RUN"); [ "$code" = 200 ] || explain "$code"
  status=$(field status); waiting=$(field captionRequestsWaiting)
  if [ "$status" = stalled ]; then
    summary; echo "reconcile: run $RUN has stalled: resume it with scripts/reconcile.sh --resume $RUN" >&2; exit 4
  fi
  if [ "$status" = completed ] && [ "$waiting" = 0 ]; then
    summary; echo "done: every queued image has been handled (GET /api/captions?status=failed lists the failures)"; exit 0
  fi
  summary
  sleep "${BLIP_RECONCILE_POLL_SECONDS:-10}"
done
