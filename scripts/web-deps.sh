#!/usr/bin/env bash
# Installs the web app's npm packages (web/package.json + package-lock.json) into DEST/node_modules.
# Idempotent and offline-friendly: does nothing when DEST already holds this exact lock file,
# otherwise `npm ci --prefer-offline` (served from the npm cache after the first run).
# Usage: scripts/web-deps.sh SOURCE_WEB_DIR DEST_DIR
# Exit status is 0 even if npm is missing or offline (the API and page still work; the chart and
# the browser test need the packages and say so), unless MUSE_WEB_DEPS_REQUIRED=1.
set -uo pipefail
src=${1:?source web dir}
dest=${2:?destination dir}
mkdir -p "$dest"
fail() {
  echo "web-deps: $*" >&2
  if [[ "${MUSE_WEB_DEPS_REQUIRED:-0}" == "1" ]]; then exit 1; fi
  exit 0
}
command -v npm >/dev/null 2>&1 || fail "npm not found: the chart and the browser test need it (scripts/install-deps.sh --test)"
if [[ -d "$dest/node_modules" ]] && cmp -s "$src/package-lock.json" "$dest/node_modules/.muse-lock.json"; then
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
echo "web-deps: npm ci in $dest"
if ! (cd "$dest" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config'); then
  fail "npm ci failed (offline and no cache?); the chart and the browser test will be unavailable"
fi
[[ -d "$dest/node_modules" ]] || fail "npm ci produced no node_modules"
cp "$src/package-lock.json" "$dest/node_modules/.muse-lock.json"
