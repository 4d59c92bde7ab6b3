#!/usr/bin/env bash
# Installs the Debian 12 packages Muse needs to build, test and run. Idempotent:
# it only calls apt-get when a package is missing, and runs `apt-get update` once.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config git ca-certificates
  libeigen3-dev libhnswlib-dev libxgboost-dev
  libcpp-httplib-dev nlohmann-json3-dev
  libsqlite3-dev sqlite3 libpqxx-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libfasttext-dev libsentencepiece-dev
  libicu-dev libzstd-dev zstd
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Test-only: a real PostgreSQL server, a headless browser and Node for playwright-core.
TEST_PKGS=(postgresql-15 postgresql-client-15 chromium wrk)
# Node.js may come from outside apt (its npm conflicts with Debian's): only ask apt when absent.
command -v npm >/dev/null 2>&1 || TEST_PKGS+=(nodejs npm)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--test" || "${1:-}" == "--all" ]]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
