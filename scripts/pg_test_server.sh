#!/usr/bin/env bash
# Runs a throwaway PostgreSQL 15 server for the test suite on a loopback port.
#   scripts/pg_test_server.sh start STATE_DIR PORT   -> prints the connection URL
#   scripts/pg_test_server.sh stop  STATE_DIR        -> stops it and deletes its data
# The cluster lives in a fresh mktemp dir (owned by `postgres` when run as root, because
# initdb refuses to run as root); STATE_DIR only holds a pointer to it and the URL, so it may
# sit anywhere (e.g. the build dir), even where `postgres` cannot read. The server log is in
# the temp dir and is printed if startup fails.
# Trust authentication on 127.0.0.1 only: this server is for tests, never for data.
set -euo pipefail

cmd=${1:-}
state=${2:-}
port=${3:-}
if [[ -z "$cmd" || -z "$state" ]]; then
  echo "usage: $0 start STATE_DIR PORT | stop STATE_DIR" >&2
  exit 2
fi

find_bin() {
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
  done
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(command -v pg_ctl)"; return 0
  fi
  echo "pg_test_server: PostgreSQL server binaries not found; run scripts/install-deps.sh --test" >&2
  exit 3
}

# Runs a command as the cluster owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    if command -v runuser >/dev/null; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

stop_server() {
  local data
  [[ -f "$state/datadir" ]] || return 0
  data=$(cat "$state/datadir")
  if [[ -d "$data" ]]; then
    as_owner "$BIN/pg_ctl" -D "$data/db" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    rm -rf "$data"
  fi
  rm -f "$state/datadir" "$state/url"
}

BIN=$(find_bin)
mkdir -p "$state"
state=$(cd "$state" && pwd)

case "$cmd" in
  start)
    [[ -n "$port" ]] || { echo "usage: $0 start STATE_DIR PORT" >&2; exit 2; }
    stop_server  # a previous run that was interrupted
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
      echo "pg_test_server: running as root but there is no 'postgres' user (install postgresql-15)" >&2
      exit 3
    fi
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "pg_test_server: port $port on 127.0.0.1 is already in use; choose another (-DMUSE_TEST_PG_PORT=...)" >&2
      exit 4
    fi
    data=$(mktemp -d "${TMPDIR:-/tmp}/muse-pg-$port-XXXXXX")
    echo "$data" >"$state/datadir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$data"; fi
    chmod 700 "$data"
    log="$data/postgres.log"  # inside the cluster's temp dir: `postgres` can always write there
    as_owner "$BIN/initdb" -D "$data/db" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$state/initdb.log" 2>&1 || { cat "$state/initdb.log" >&2; stop_server; exit 5; }
    # Sockets go in the data dir (no /var/run/postgresql needed); loopback TCP only.
    as_owner "$BIN/pg_ctl" -D "$data/db" -l "$log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $data -c max_connections=200 -c shared_buffers=32MB" \
      start >/dev/null || { cat "$log" >&2; stop_server; exit 5; }
    url="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$state/url"
    echo "$url"
    ;;
  stop)
    stop_server
    ;;
  *)
    echo "usage: $0 start STATE_DIR PORT | stop STATE_DIR" >&2
    exit 2
    ;;
esac
