#!/usr/bin/env bash
# make bench: the issue 2 benchmarks on SQLite and PostgreSQL, load generator in a separate process
# on this machine, every run bounded in time, traffic only to 127.0.0.1. Figures go to stdout and
# .bench/results.txt. BENCH_CALLS (default 1000000) sets the size of the query benchmark's data.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
BIN=bin/calldesk
OUT=.bench
CALLS=${BENCH_CALLS:-1000000}
PORT=18080
mkdir -p "$OUT"
: > "$OUT/results.txt"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; pg_cleanup; }
trap cleanup EXIT
pg_setup
PGBASE=${CALLDESK_TEST_POSTGRES%%\?*}; PGBASE=${PGBASE%/*}

say() { echo "$*" | tee -a "$OUT/results.txt"; }

start_server() { # db
  "$BIN" serve --db "$1" --addr 127.0.0.1:$PORT --log-level warn > "$OUT/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    curl -fs -o /dev/null http://127.0.0.1:$PORT/api/v1/openapi.json && return 0
    sleep 0.1
  done
  echo "the server did not start:"; cat "$OUT/serve.log"; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

fresh_pg() { # name -> DSN of an empty database
  go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" "$1" >/dev/null
  echo "$PGBASE/$1?sslmode=disable"
}

token_of() { sed -n 's/^demo API token.*: //p'; }

say "== calldesk benchmarks $(date -u +%FT%TZ) on $(nproc) cores; $("$BIN" version)"
say "durability: SQLite WAL, synchronous=NORMAL (no fsync per commit); PostgreSQL as configured: $(go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" --show)"

for engine in sqlite postgres; do
  if [ $engine = sqlite ]; then DB=$OUT/create.db; rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_create); fi
  TOKEN=$("$BIN" demo --db "$DB" --calls 1000 --people 500 --token 2>/dev/null | token_of)
  start_server "$DB"
  say "[$engine] $("$BIN" bench create --url http://127.0.0.1:$PORT --token "$TOKEN" --clients 8 --duration 15s)"
  stop_server
done

for engine in sqlite postgres; do
  if [ $engine = sqlite ]; then DB=$OUT/million.db; rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_million); fi
  start=$(date +%s%N)
  TOKEN=$("$BIN" demo --db "$DB" --calls "$CALLS" --token 2>/dev/null | token_of)
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  say "[$engine] calldesk demo --calls $CALLS: $((ms / 1000)).$(printf %03d $((ms % 1000)))s"
  start_server "$DB"
  "$BIN" bench queries --url http://127.0.0.1:$PORT --token "$TOKEN" --requests 300 | sed "s/^/[$engine] /" | tee -a "$OUT/results.txt"
  stop_server
done
say "== done"
