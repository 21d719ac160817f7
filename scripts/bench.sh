#!/usr/bin/env bash
# make bench: the issue 2 and issue 3 benchmarks on SQLite and PostgreSQL, load generators in
# separate processes on this machine, every run bounded in time, traffic only to 127.0.0.1.
# Figures go to stdout and .bench/results.txt.
#   BENCH_CALLS    size of the data for the query and page benchmarks (default 1000000)
#   BENCH_ENGINES  engines to measure (default "sqlite postgres")
#   BENCH_PARTS    benchmarks to run (default "create queries pages")
#   BENCH_REUSE=1  keep a million-call database an earlier run loaded (.bench/million.db, PostgreSQL
#                  database calldesk_bench_million) instead of loading it again
#   BENCH_SECONDS  how long each wrk run of the page benchmark lasts (default 15)
#   BENCH_PORT     first port to try for the server (default 18080; the next free one is used)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
BIN=bin/calldesk
OUT=.bench
CALLS=${BENCH_CALLS:-1000000}
ENGINES=${BENCH_ENGINES:-sqlite postgres}
PARTS=${BENCH_PARTS:-create queries pages}
SECONDS_EACH=${BENCH_SECONDS:-15}
part() { [[ " $PARTS " == *" $1 "* ]]; }
mkdir -p "$OUT"
: > "$OUT/results.txt"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; pg_cleanup; }
trap cleanup EXIT
pg_setup
PGBASE=${CALLDESK_TEST_POSTGRES%%\?*}; PGBASE=${PGBASE%/*}

say() { echo "$*" | tee -a "$OUT/results.txt"; }

# A port nobody listens on: another calldesk on this machine must not be measured by mistake.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${BENCH_PORT:-18080}
while ! port_free $PORT; do PORT=$((PORT + 1)); done

if part pages && ! command -v wrk >/dev/null 2>&1; then
  echo "wrk (the HTTP load tool) is missing: installing it from Debian"
  if [ "$(id -u)" != 0 ]; then echo "bench: installing wrk needs root: apt-get install -y wrk" >&2; exit 1; fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || {
    echo "bench: apt-get install wrk failed" >&2; exit 1; }
fi

start_server() { # db
  port_free $PORT || { echo "bench: port $PORT was taken meanwhile" >&2; exit 1; }
  "$BIN" serve --db "$1" --addr 127.0.0.1:$PORT --log-level warn ${DEBUG_ADDR:+--debug-addr "$DEBUG_ADDR"} > "$OUT/serve.log" 2>&1 &
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
login_of() { sed -n 's/^console sign-in: username \([^,]*\), password .*/\1/p'; }
password_of() { sed -n 's/^console sign-in: username [^,]*, password //p'; }

# pages_bench engine token login password: the console's queue pages and call pages under wrk
# (8 connections, 2 threads), signed in as the demo administrator, against the running server.
pages_bench() {
  local engine=$1 token=$2 login=$3 password=$4 base=http://127.0.0.1:$PORT dir=$OUT/pages-$1
  mkdir -p "$dir"
  local status cookie
  status=$(curl -s -o /dev/null -w '%{http_code}' -c "$dir/cookies" --data-urlencode "login=$login" \
    --data-urlencode "password=$password" "$base/signin")
  cookie=$(awk '$6 == "calldesk_session" {print $7}' "$dir/cookies")
  if [ "$status" != 303 ] || [ -z "$cookie" ]; then
    echo "bench: signing in as $login answered $status without a session cookie" >&2; exit 1
  fi
  # Queue pages: every queue, the first pages, each sort, and the filters an analyst uses.
  local groups
  groups=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/groups" | grep -o '"id":[0-9]*' | cut -d: -f2 | head -3)
  {
    for q in mine groups open unassigned on-hold off-hold resolved; do echo "/queues/$q"; done
    for q in open groups unassigned; do echo "/queues/$q?page=2"; echo "/queues/$q?page=3"; done
    for sort in oldest priority updated; do echo "/queues/open?sort=$sort"; echo "/queues/groups?sort=$sort"; done
    for g in $groups; do echo "/queues/open?group=$g"; echo "/queues/unassigned?group=$g"; done
    for p in 1 2 3 4; do echo "/queues/open?priority=$p"; done
    echo "/queues/open?age=1w"; echo "/queues/groups?priority=2&sort=oldest"
  } > "$dir/queue-paths.txt"
  # Call pages: open calls (what analysts open most) and calls from every month of the two years
  # the demo spans, by reference from the API.
  {
    curl -fs -H "Authorization: Bearer $token" "$base/api/v1/calls?open=true&limit=100"
    for m in $(seq 1 24); do
      curl -fs -H "Authorization: Bearer $token" "$base/api/v1/calls?limit=8&sort=oldest&from=$(date -u -d "-$m months" +%Y-%m-%dT00:00:00Z)"
    done
  } | grep -o '"ref":"[A-Z][0-9]*"' | cut -d'"' -f4 | sort -u | sed 's|^|/calls/|' > "$dir/call-paths.txt"
  local total
  total=$(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/calls?limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
  say "[$engine] console pages: $total calls in the database; wrk -t2 -c8 -d${SECONDS_EACH}s --latency, signed in as $login"
  local kind paths first res
  for kind in queue call; do
    paths=$dir/$kind-paths.txt
    # Every path must answer 200 with a page before its figures mean anything.
    first=$(head -1 "$paths")
    status=$(curl -s -o "$dir/$kind-first.html" -w '%{http_code}' -b "calldesk_session=$cookie" "$base$first")
    # The references come from the API, so they exist: a 404 means the console has no call page.
    if [ $kind = call ] && [ "$status" = 404 ]; then
      say "[$engine] call pages: not measured: GET /calls/{ref} is not on this branch yet (404 for $first)"
      continue
    fi
    while read -r p; do
      status=$(curl -s -o /dev/null -w '%{http_code}' -b "calldesk_session=$cookie" "$base$p")
      [ "$status" = 200 ] || { echo "bench: $p answered $status, not 200" >&2; exit 1; }
    done < "$paths"
    # The server's CPU time over the run, per page: its cost whatever else shares the machine.
    local cpu0 cpu1 hz
    hz=$(getconf CLK_TCK); cpu0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    res=$(wrk -t2 -c8 -d"${SECONDS_EACH}s" --latency -H "Cookie: calldesk_session=$cookie" \
      -s scripts/wrk-paths.lua "$base" -- "$paths" | tee "$dir/$kind-wrk.txt" | grep '^BENCH ')
    cpu1=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
    [ -n "$res" ] || { echo "bench: wrk gave no figures:"; cat "$dir/$kind-wrk.txt"; exit 1; } >&2
    local rps p50 p90 p99 max err non2xx verdict
    eval "$(echo "$res" | sed 's/^BENCH //; s/\([a-z0-9_]*\)=\([0-9.]*\)/\1=\2;/g')"
    rps=$(printf %.0f "$rps")
    verdict="target met (p50 < 50 ms, >= 500 pages/s)"
    if [ "$errors" != 0 ] || [ "$non2xx" != 0 ] || awk "BEGIN{exit !($p50_ms >= 50 || $rps < 500)}"; then
      verdict="TARGET MISSED (p50 < 50 ms, >= 500 pages/s, no errors)"
    fi
    say "[$engine] $kind pages ($(wc -l < "$paths") paths rotated), 8 connections: $rps pages/s, p50 ${p50_ms} ms, p90 ${p90_ms} ms, p99 ${p99_ms} ms, max ${max_ms} ms, $requests requests, $errors socket errors, $non2xx non-2xx; server CPU $(awk "BEGIN{printf \"%.2f\", ($cpu1 - $cpu0) * 1000 / $hz / $requests}") ms/page (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
  done
}

say "== calldesk benchmarks $(date -u +%FT%TZ) on $(nproc) cores; $("$BIN" version)"
say "durability: SQLite WAL, synchronous=NORMAL (no fsync per commit); PostgreSQL as configured: $(go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" --show)"

part create && for engine in $ENGINES; do
  if [ $engine = sqlite ]; then DB=$OUT/create.db; rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_create); fi
  TOKEN=$("$BIN" demo --db "$DB" --calls 1000 --people 500 --token 2>/dev/null | token_of)
  start_server "$DB"
  say "[$engine] $("$BIN" bench create --url http://127.0.0.1:$PORT --token "$TOKEN" --clients 8 --duration 15s)"
  stop_server
done

(part queries || part pages) && for engine in $ENGINES; do
  if [ $engine = sqlite ]; then DB=$OUT/million.db; else DB="$PGBASE/calldesk_bench_million?sslmode=disable"; fi
  if [ "${BENCH_REUSE:-}" = 1 ]; then
    DEMO=$("$BIN" demo --db "$DB" --calls "$CALLS" --if-empty --token --password 2>/dev/null)
    say "[$engine] reusing the database of an earlier run: $(echo "$DEMO" | head -1)"
  else
    if [ $engine = sqlite ]; then rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_million); fi
    start=$(date +%s%N)
    DEMO=$("$BIN" demo --db "$DB" --calls "$CALLS" --token --password 2>/dev/null)
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    say "[$engine] calldesk demo --calls $CALLS: $((ms / 1000)).$(printf %03d $((ms % 1000)))s"
  fi
  TOKEN=$(echo "$DEMO" | token_of)
  start_server "$DB"
  if part queries; then
    "$BIN" bench queries --url http://127.0.0.1:$PORT --token "$TOKEN" --requests 300 | sed "s/^/[$engine] /" | tee -a "$OUT/results.txt"
  fi
  if part pages; then
    pages_bench $engine "$TOKEN" "$(echo "$DEMO" | login_of)" "$(echo "$DEMO" | password_of)"
  fi
  stop_server
done
say "== done"
