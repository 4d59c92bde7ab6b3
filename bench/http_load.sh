#!/usr/bin/env bash
# HTTP load test of `muse serve` on the real 114k catalogue, with wrk on loopback.
#   bench/http_load.sh [--home DIR] [--duration 30] [--connections 32] [--soak 120] [--threads N]
# Steps: import the catalogue into DIR if it has none (first run builds the indexes), measure
# start-to-ready (3 runs), then POST /api/v1/recommendations for --duration seconds with
# --connections connections, then a --soak run sampling the server's RSS at start and end.
set -euo pipefail
cd "$(dirname "$0")/.."
MUSE=${MUSE:-build/muse}
HOME_DIR=${MUSE_BENCH_HOME:-/tmp/muse-bench-home}
DURATION=30 CONNECTIONS=32 SOAK=120 THREADS="" PORT=${PORT:-18480} WRK_THREADS=2
while (($#)); do
  case "$1" in
    --home) HOME_DIR=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --soak) SOAK=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk not installed (scripts/install-deps.sh --test)" >&2; exit 1; }
[[ -x $MUSE ]] || { echo "$MUSE not built" >&2; exit 1; }
DATA=${MUSE_DATA_DIR:-/work/shared/data}/spotify_tracks_114k/spotify_tracks_114k.csv.zst
mkdir -p "$HOME_DIR"
if [[ ! -f $HOME_DIR/content.hnsw ]]; then
  [[ -f $DATA ]] || { echo "dataset missing: $DATA (set MUSE_DATA_DIR)" >&2; exit 1; }
  echo "== importing $DATA into $HOME_DIR (builds the indexes once)"
  nice "$MUSE" --home "$HOME_DIR" -q import tracks "$DATA"
fi
WORK=$(mktemp -d)
LOG=$WORK/server.log
SERVER_PID=""
cleanup() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
URL=http://127.0.0.1:$PORT

start_server() {
  local args=(--home "$HOME_DIR" serve --port "$PORT")
  [[ -n $THREADS ]] && args+=(--threads "$THREADS")
  local t0; t0=$(date +%s.%N)
  "$MUSE" "${args[@]}" >>"$LOG" 2>&1 &
  SERVER_PID=$!
  until curl -sf -o /dev/null "$URL/readyz"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died:"; tail -5 "$LOG"; exit 1; }
    sleep 0.01
  done
  READY_MS=$(echo "($(date +%s.%N) - $t0) * 1000" | bc)
  # CPU the server used to get there (user+sys), independent of how busy the machine is.
  READY_CPU_MS=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$SERVER_PID/stat")
}
stop_server() {
  kill -TERM "$SERVER_PID"
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  echo "   server exit status after SIGTERM: $rc"
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== start to ready (process launch -> /readyz 200), 3 runs"
for i in 1 2 3; do
  start_server
  echo "   run $i: $(printf '%.0f' "$READY_MS") ms wall, ${READY_CPU_MS} ms CPU ($(curl -s "$URL/readyz"))"
  stop_server
done

start_server
# Seed ids: tracks found by a few common words, through the API itself.
python3 - "$URL" >"$WORK/ids.txt" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
ids = set()
for w in "love night la the me you girl song remix live heart time world dance baby fire blue rain dream sun".split():
    with urllib.request.urlopen(f"{url}/api/v1/tracks/search?q={w}&limit=100") as r:
        ids.update(t["track_id"] for t in json.load(r)["results"])
print("\n".join(sorted(ids)))
PY
export MUSE_BENCH_IDS=$WORK/ids.txt
echo "== $(wc -l <"$WORK/ids.txt") seed ids; warm-up 5 s"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d5s -s bench/recommend.lua "$URL" >/dev/null
echo "== POST /api/v1/recommendations: ${DURATION}s, $CONNECTIONS connections, $WRK_THREADS wrk threads"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
CPU0=$(cpu_ticks)
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/recommend.lua "$URL" | tee "$WORK/wrk.txt" | grep -E "RESULT|Socket errors|Non-2xx"
CPU1=$(cpu_ticks)
REQS=$(sed -n 's/.*RESULT requests=\([0-9]*\).*/\1/p' "$WORK/wrk.txt")
echo "   server CPU per request: $(( (CPU1 - CPU0) * 1000000 / $(getconf CLK_TCK) / REQS )) us (user+sys; load average now $(cut -d' ' -f1 /proc/loadavg))"
if ((SOAK > 0)); then
  echo "== soak: ${SOAK}s at $CONNECTIONS connections; RSS of the server"
  RSS0=$(rss_kb "$SERVER_PID")
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${SOAK}s" -s bench/recommend.lua "$URL" >"$WORK/soak.txt" &
  WRK_PID=$!
  for ((s = 0; s < SOAK; s += 30)); do
    sleep $((SOAK - s < 30 ? SOAK - s : 30))
    echo "   t=$((s + 30 > SOAK ? SOAK : s + 30))s RSS $(rss_kb "$SERVER_PID") kB"
  done
  wait $WRK_PID
  RSS1=$(rss_kb "$SERVER_PID")
  grep RESULT "$WORK/soak.txt"
  echo "   RSS start ${RSS0} kB, end ${RSS1} kB"
fi
echo "== server metrics (recommendations route)"
curl -s "$URL/metrics" | grep -E 'route="/api/v1/recommendations"' | grep -E 'requests_total|_count|le="0.01"|le="0.025"' || true
curl -s "$URL/metrics" | grep -E '^muse_http_errors_total' | awk '$2 != 0' || true
stop_server
echo "== access log lines for the route: $(grep -c '"POST /api/v1/recommendations"' "$LOG")"
