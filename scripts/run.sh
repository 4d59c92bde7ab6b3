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

# Models behind the other pages, trained once on first start (a few minutes on 2 cores).
# A step that fails only disables its page; the server still starts.
step() {
  local marker="$MUSE_HOME/.$1.done"; shift
  [[ -f "$marker" ]] && return 0
  echo "run: $*"
  if "$@"; then touch "$marker"; else echo "run: warning: '$*' failed; its page stays unavailable" >&2; fi
}
# A model this build cannot read (older format) is retrained.
if [[ -f "$MUSE_HOME/.emotion.done" ]] && ! echo "ok" | "$MUSE" -q emotion predict >/dev/null 2>&1; then
  rm -f "$MUSE_HOME/.emotion.done"
fi
step playlists "$MUSE" import playlists "$MUSE_DATA_DIR/spotify_playlists/playlists.csv.zst"
step popularity-split "$MUSE" popularity split \
  --input "$MUSE_DATA_DIR/spotify_tracks_114k/spotify_tracks_114k.csv.zst" \
  --train "$MUSE_HOME/popularity_train.csv" --test "$MUSE_HOME/popularity_holdout.csv"
step popularity "$MUSE" popularity train --train "$MUSE_HOME/popularity_train.csv"
step emotion "$MUSE" emotion train
step clusters "$MUSE" clusters build
# The continuation model is (re)trained here when missing or stale, not on the first web request.
echo "run: checking the playlist-continuation model"
"$MUSE" -q continue --title "first start" -n 1 --tags 1 >/dev/null ||
  echo "run: warning: the continuation model could not be trained; the Continue page stays unavailable" >&2

exec "$MUSE" serve "$@"
