#!/usr/bin/env bash
# Builds Muse, prepares a Muse home from the public datasets (first run only), and starts the
# server with the web UI. Usage: scripts/run.sh [--port 8080] [--host 127.0.0.1]
# Env: MUSE_HOME (default ./muse-home), MUSE_DATA_DIR (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
bash scripts/build.sh
export MUSE_HOME=${MUSE_HOME:-$ROOT/muse-home}
export MUSE_DATA_DIR=${MUSE_DATA_DIR:-$ROOT/../shared/data}
MUSE=$ROOT/build/muse

need() {
  if [[ ! -e "$MUSE_DATA_DIR/$1" ]]; then
    echo "run: dataset $1 not found under $MUSE_DATA_DIR." >&2
    echo "     Download it as described in docs/DATA.md and put it there, or set MUSE_DATA_DIR." >&2
    exit 3
  fi
}

if [[ ! -f "$MUSE_HOME/catalog.bin" ]]; then
  need spotify_tracks_114k/spotify_tracks_114k.csv.zst
  need spotify_playlists/tracks.csv.zst
  echo "run: first start — importing the catalogue into $MUSE_HOME"
  "$MUSE" import tracks "$MUSE_DATA_DIR/spotify_tracks_114k/spotify_tracks_114k.csv.zst" \
    "$MUSE_DATA_DIR/spotify_playlists/tracks.csv.zst"
fi

if "$MUSE" serve --help >/dev/null 2>&1; then
  exec "$MUSE" serve "$@"
fi
# No server in this build: show the main job on the command line instead.
"$MUSE" search "beatles" -n 3
"$MUSE" recommend --track "Here Comes The Sun" --track "Yesterday" -n 10
