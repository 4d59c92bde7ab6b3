#!/usr/bin/env bash
# Builds Muse and runs every test (unit, storage on SQLite and PostgreSQL, HTTP, browser).
# Installs what it needs on a fresh Debian 12 machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
bash scripts/build.sh
cd build
ctest --output-on-failure -j "${JOBS:-2}" --timeout 900 "$@"
