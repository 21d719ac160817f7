#!/usr/bin/env bash
# make bench: the issue 2 and issue 3 benchmarks and the issue 4 portal benchmark on SQLite and
# PostgreSQL, load generators in separate processes on this machine, every run bounded in time,
# traffic only to 127.0.0.1.
# Figures go to stdout and .bench/results.txt.
#   BENCH_CALLS    size of the data for the query and page benchmarks (default 1000000)
#   BENCH_YEARS    years those calls span (default 6, issue 18's speed target; calldesk demo --years)
#   BENCH_ENGINES  engines to measure (default "sqlite postgres")
#   BENCH_PARTS    benchmarks to run (default "create sealed views queues queries pages portal mail directory sar erase retention sla reports backup pooler")
#   BENCH_POOLER_MODES  pgx statement modes the pooler part measures through PgBouncer (default
#                  "cache_describe", what pooler=transaction picks; "cache_describe exec simple_protocol" compares)
#   BENCH_REUSE=1  keep a million-call database an earlier run loaded (.bench/million.db, PostgreSQL
#                  database calldesk_bench_million) instead of loading it again
#   BENCH_SECONDS  how long each wrk run of the page benchmarks lasts (default 15)
#   BENCH_PORT     first port to try for the server (default 18080; the next free one is used)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
. scripts/pgbouncer.sh
. scripts/dovecot.sh
. scripts/slapd.sh
BIN=bin/calldesk
OUT=.bench
CALLS=${BENCH_CALLS:-1000000}
YEARS=${BENCH_YEARS:-6}
ENGINES=${BENCH_ENGINES:-sqlite postgres}
PARTS=${BENCH_PARTS:-create sealed views queues queries pages portal mail directory sar erase retention sla reports backup pooler}
SECONDS_EACH=${BENCH_SECONDS:-15}
part() { [[ " $PARTS " == *" $1 "* ]]; }
mkdir -p "$OUT"
: > "$OUT/results.txt"
# The master key file (issue 20 point 3): every calldesk command the bench runs seals sensitive
# content under it, as a deployment does. Kept with the cached databases, which need it once they
# hold sealed content.
[ -s "$OUT/master.keys" ] || "$BIN" keys generate --out "$OUT/master.keys" >/dev/null
export CALLDESK_MASTER_KEYS_FILE="$PWD/$OUT/master.keys"
SERVER=""
SERVERS=""
cleanup() { [ -n "$SERVER$SERVERS" ] && kill $SERVER $SERVERS 2>/dev/null; wait 2>/dev/null; pgbouncer_cleanup; pg_cleanup; dovecot_cleanup; slapd_cleanup; }
trap cleanup EXIT
pg_setup
PGBASE=${CALLDESK_TEST_POSTGRES%%\?*}; PGBASE=${PGBASE%/*}

say() { echo "$*" | tee -a "$OUT/results.txt"; }

# A port nobody listens on: another calldesk on this machine must not be measured by mistake.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${BENCH_PORT:-18080}
while ! port_free $PORT; do PORT=$((PORT + 1)); done
DEBUG_PORT=$((PORT + 1)) # the measured server's metrics, where a part reads them
while ! port_free $DEBUG_PORT; do DEBUG_PORT=$((DEBUG_PORT + 1)); done

if (part pages || part portal) && ! command -v wrk >/dev/null 2>&1; then
  echo "wrk (the HTTP load tool) is missing: installing it from Debian"
  if [ "$(id -u)" != 0 ]; then echo "bench: installing wrk needs root: apt-get install -y wrk" >&2; exit 1; fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || {
    echo "bench: apt-get install wrk failed" >&2; exit 1; }
fi

# The page benchmarks sign in with the demo administrator's password alone: two-factor sign-in
# (mandatory for administrators by default) is off for the server measured.
start_server() { # db
  port_free $PORT || { echo "bench: port $PORT was taken meanwhile" >&2; exit 1; }
  "$BIN" serve --db "$1" --addr 127.0.0.1:$PORT --log-level warn --second-factor-roles none ${DEBUG_ADDR:+--debug-addr "$DEBUG_ADDR"} > "$OUT/serve.log" 2>&1 &
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
  local kind paths first
  for kind in queue call; do
    paths=$dir/$kind-paths.txt
    first=$(head -1 "$paths")
    status=$(curl -s -o "$dir/$kind-first.html" -w '%{http_code}' -b "calldesk_session=$cookie" "$base$first")
    # The references come from the API, so they exist: a 404 means the console has no call page.
    if [ $kind = call ] && [ "$status" = 404 ]; then
      say "[$engine] call pages: not measured: GET /calls/{ref} is not on this branch yet (404 for $first)"
      continue
    fi
    check_paths "$paths" "calldesk_session=$cookie"
    wrk_report $engine "$kind pages" "$paths" "calldesk_session=$cookie" 50 500
  done
  # Issue 18: the analyst's dashboard (the console's home, under 100 ms) and the wallboard (a link
  # made here by the signed-in administrator; under 50 ms).
  echo "/" > "$dir/dashboard-paths.txt"
  check_paths "$dir/dashboard-paths.txt" "calldesk_session=$cookie"
  wrk_report $engine "dashboard" "$dir/dashboard-paths.txt" "calldesk_session=$cookie" 100 0
  curl -fs -b "calldesk_session=$cookie" --data-urlencode "name=bench screen" "$base/admin/wallboards" |
    grep -o 'href="/wallboard/cdk_[A-Za-z0-9_-]*"' | head -1 | cut -d'"' -f2 > "$dir/wallboard-paths.txt"
  if [ -s "$dir/wallboard-paths.txt" ]; then
    check_paths "$dir/wallboard-paths.txt" "calldesk_session=$cookie"
    wrk_report $engine "wallboard" "$dir/wallboard-paths.txt" "calldesk_session=$cookie" 50 0
  else
    say "[$engine] wallboard: not measured: the administrator could not make a link"
  fi
}

# check_paths paths cookie: every path in the file must answer 200 with a page before its figures
# mean anything.
check_paths() {
  local p status
  while read -r p; do
    status=$(curl -s -o /dev/null -w '%{http_code}' -b "$2" "http://127.0.0.1:$PORT$p")
    [ "$status" = 200 ] || { echo "bench: $p answered $status, not 200" >&2; exit 1; }
  done < "$1"
}

# wrk_report engine label paths cookie max_p50_ms min_rps: wrk (8 connections, 2 threads,
# BENCH_SECONDS) sends GETs rotating over the paths in the file paths (NAME-paths.txt; wrk's output
# goes to NAME-wrk.txt) with the cookie, against the running server; one line of figures is
# recorded, with the server's CPU time per page and the verdict: p50 under max_p50_ms, at least
# min_rps pages/s (0: no floor), no socket errors and no non-2xx answers.
wrk_report() {
  local engine=$1 label=$2 paths=$3 cookie=$4 max_p50=$5 min_rps=$6
  # The server's CPU time over the run, per page: its cost whatever else shares the machine.
  local cpu0 cpu1 hz res
  hz=$(getconf CLK_TCK); cpu0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
  res=$(wrk -t2 -c8 -d"${SECONDS_EACH}s" --latency -H "Cookie: $cookie" \
    -s scripts/wrk-paths.lua "http://127.0.0.1:$PORT" -- "$paths" | tee "${paths%-paths.txt}-wrk.txt" | grep '^BENCH ')
  cpu1=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
  [ -n "$res" ] || { echo "bench: wrk gave no figures:"; cat "${paths%-paths.txt}-wrk.txt"; exit 1; } >&2
  local requests rps p50_ms p90_ms p99_ms max_ms errors non2xx target verdict
  eval "$(echo "$res" | sed 's/^BENCH //; s/\([a-z0-9_]*\)=\([0-9.]*\)/\1=\2;/g')"
  rps=$(printf %.0f "$rps")
  target="p50 < $max_p50 ms"
  [ "$min_rps" = 0 ] || target="$target, >= $min_rps pages/s"
  verdict="target met ($target)"
  if [ "$errors" != 0 ] || [ "$non2xx" != 0 ] || awk "BEGIN{exit !($p50_ms >= $max_p50 || $rps < $min_rps)}"; then
    verdict="TARGET MISSED ($target, no errors)"
  fi
  say "[$engine] $label ($(wc -l < "$paths") paths rotated), 8 connections: $rps pages/s, p50 ${p50_ms} ms, p90 ${p90_ms} ms, p99 ${p99_ms} ms, max ${max_ms} ms, $requests requests, $errors socket errors, $non2xx non-2xx; server CPU $(awk "BEGIN{printf \"%.2f\", ($cpu1 - $cpu0) * 1000 / $hz / $requests}") ms/page (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
}

# portal_bench engine db: SupportMe, the portal, under wrk against the running server, signed in
# as two real customers of the data: a typical one (the median number of calls) and the one who
# has logged the most (the heavy case). Each gets a new random password (calldesk password, which
# makes a customer account when they have none). Each page is measured on its own: my calls, the
# customer's own call pages (every call the my-calls page links to, rotated), my details and the
# log-a-call form. Target (issue 4): p50 under 30 ms.
portal_bench() {
  local engine=$1 db=$2 base=http://127.0.0.1:$PORT/portal dir=$OUT/portal-$1
  mkdir -p "$dir"
  go run ./scripts/benchcustomers "$db" > "$dir/customers.txt"
  local who username calls pw status cookie page
  while read -r who username calls; do
    pw=$("$BIN" password --db "$db" --login "$username" --create-customer | sed -n 's/^.*sign-in: username [^,]*, password //p')
    [ -n "$pw" ] || { echo "bench: calldesk password gave no password for $username" >&2; exit 1; }
    rm -f "$dir/$who-cookies"
    status=$(curl -s -o /dev/null -w '%{http_code}' -c "$dir/$who-cookies" --data-urlencode "login=$username" \
      --data-urlencode "password=$pw" "$base/signin")
    cookie=$(awk '$6 == "calldesk_portal" {print $7}' "$dir/$who-cookies")
    if [ "$status" != 303 ] || [ -z "$cookie" ]; then
      echo "bench: signing in to the portal as $username answered $status without a session cookie" >&2; exit 1
    fi
    cookie="calldesk_portal=$cookie"
    echo /portal/ > "$dir/$who-mycalls-paths.txt"
    echo /portal/me > "$dir/$who-me-paths.txt"
    echo /portal/calls/new > "$dir/$who-new-paths.txt"
    curl -fs -b "$cookie" "$base/" | grep -o 'href="/portal/calls/[A-Z][0-9]*"' | cut -d'"' -f2 | sort -u > "$dir/$who-call-paths.txt"
    say "[$engine] portal pages: signed in as $username, the $who customer ($calls calls; $(wc -l < "$dir/$who-call-paths.txt") on the my-calls page); wrk -t2 -c8 -d${SECONDS_EACH}s --latency"
    for page in mycalls call me new; do
      [ -s "$dir/$who-$page-paths.txt" ] || { echo "bench: no $page paths for $username" >&2; exit 1; }
      check_paths "$dir/$who-$page-paths.txt" "$cookie"
    done
    wrk_report $engine "portal my calls, $who customer" "$dir/$who-mycalls-paths.txt" "$cookie" 30 0
    wrk_report $engine "portal call pages, $who customer" "$dir/$who-call-paths.txt" "$cookie" 30 0
    wrk_report $engine "portal my details, $who customer" "$dir/$who-me-paths.txt" "$cookie" 30 0
    wrk_report $engine "portal log-a-call form, $who customer" "$dir/$who-new-paths.txt" "$cookie" 30 0
  done < "$dir/customers.txt"
}

say "== calldesk benchmarks $(date -u +%FT%TZ) on $(nproc) cores; $("$BIN" version)"
say "durability: SQLite WAL, synchronous=NORMAL (no fsync per commit); PostgreSQL as configured: $(go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" --show)"

# Creates against the ceiling (issue 22 point 1): in each round calldesk on a fresh 1,000-call
# database, then the bare server of `calldesk bench ceiling` (one INSERT of the same body per
# request, same engine and durability) on a fresh database, the same client and load for both;
# calldesk's rate as a share of the ceiling's is the figure that counts on a noisy machine.
CREATE_ROUNDS=${BENCH_CREATE_ROUNDS:-3}
# The load client and the server share the machine's cores, so each run also reports the CPU each
# side spent per create: the server's from /proc (user + system ticks), the client's from bash's
# time. (ceiling server + client) / (calldesk server + client) is the share of the ceiling
# calldesk could reach with every core busy, whatever its batching.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# SQLite's single writer's busy time so far (seconds), from the server's metrics; empty without.
# (The metrics listener may come up moments after the server's own: it is waited for, up to 5 s.)
writer_busy() {
  local m
  for _ in $(seq 50); do m=$(curl -fs "http://127.0.0.1:$DEBUG_PORT/metrics" 2>/dev/null) && break; sleep 0.1; done
  echo "${m:-}" | awk '$1 == "calldesk_sqlite_writer_busy_seconds_total" {print $2}'
}
create_run() { # token -> CREATE_LINE (the client's line), CREATE_SERVER_US, CREATE_CLIENT_US, CREATE_WRITER
  local t0 t1 w0 w1 n cpu TIMEFORMAT='%U %S'
  t0=$(cpu_ticks "$SERVER"); w0=$(writer_busy)
  cpu=$( { time "$BIN" bench create --url http://127.0.0.1:$PORT --token "$1" --clients 8 --duration 15s > "$OUT/create-run.txt" ; } 2>&1 )
  t1=$(cpu_ticks "$SERVER"); w1=$(writer_busy)
  CREATE_LINE=$(cat "$OUT/create-run.txt")
  n=$(echo "$CREATE_LINE" | grep -oE '[0-9]+ requests' | head -1 | cut -d' ' -f1)
  CREATE_SERVER_US=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.0f", (b - a) / hz / n * 1e6; else print "?" }')
  CREATE_CLIENT_US=$(echo "$cpu" | tail -1 | awk -v n="${n:-0}" '{ if (n > 0) printf "%.0f", ($1 + $2) / n * 1e6; else print "?" }')
  # The writer is one thread of work: busy all the time, it bounds the rate at 1 / its time per
  # create, however many cores are free.
  CREATE_WRITER=""
  if [ -n "$w0" ] && [ -n "$w1" ] && [ "${n:-0}" -gt 0 ]; then
    CREATE_WRITER=$(awk -v a="$w0" -v b="$w1" -v n="$n" 'BEGIN { printf "SQLite'"'"'s writer was busy %.0f%% of the run, %.0f µs per create: with it busy all the time, at most %.0f creates a second", (b - a) / 15 * 100, (b - a) / n * 1e6, n / (b - a) }')
  fi
}
part create && for engine in $ENGINES; do
  for round in $(seq "$CREATE_ROUNDS"); do
    if [ $engine = sqlite ]; then DB=$OUT/create.db; rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_create); fi
    TOKEN=$("$BIN" demo --db "$DB" --calls 1000 --people 500 --token 2>/dev/null | token_of)
    DEBUG_ADDR=127.0.0.1:$DEBUG_PORT start_server "$DB"
    create_run "$TOKEN"
    desk=$CREATE_LINE desk_server=$CREATE_SERVER_US desk_client=$CREATE_CLIENT_US desk_writer=$CREATE_WRITER
    stop_server
    if [ $engine = sqlite ]; then DB=$OUT/ceiling.db; rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_ceiling); fi
    "$BIN" bench ceiling --db "$DB" --addr 127.0.0.1:$PORT > "$OUT/ceiling.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:$PORT/api/v1/groups && break; sleep 0.1; done
    create_run ceiling
    bare=$CREATE_LINE
    stop_server
    rate() { echo "$1" | grep -oE '[0-9]+/s' | head -1 | tr -d '/s'; }
    say "[$engine] round $round: calldesk $desk"
    say "[$engine] round $round: ceiling  $bare"
    say "[$engine] round $round: calldesk at $(awk -v a="$(rate "$desk")" -v b="$(rate "$bare")" 'BEGIN { printf "%.2f", a / b }') of the ceiling (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    say "[$engine] round $round: CPU per create: calldesk's server ${desk_server} µs + client ${desk_client} µs, the ceiling's server ${CREATE_SERVER_US} µs + client ${CREATE_CLIENT_US} µs; with every core busy calldesk could reach $(awk -v a="$desk_server" -v b="$desk_client" -v c="$CREATE_SERVER_US" -v d="$CREATE_CLIENT_US" 'BEGIN { if (a + b > 0) printf "%.2f", (c + d) / (a + b); else print "?" }') of the ceiling$([ $engine = postgres ] && echo " (PostgreSQL's own CPU, in its server processes, is not counted)")"
    [ -z "$desk_writer" ] || say "[$engine] round $round: $desk_writer (the ceiling's $(rate "$bare"))"
  done
done

# Encryption at rest (issue 20): logging a special-category call (its text sealed under the call's
# data key, its words in the blind index) with encryption on against off, through the store alone
# (the writer's share; the create rate's target, within 15%, is judged over the API below); and
# reading one with its diary, sealed against plain, within 1 ms at p50 (BenchmarkSpecialCallCreate
# and BenchmarkSpecialCallRead, 8 callers for the creates). Rounds alternate.
if part sealed; then
  out=$(go test -run '^$' -bench '^BenchmarkSpecialCall(Create|Read)$' -benchtime 2s -count "${BENCH_SEALED_ROUNDS:-7}" ./internal/store 2>&1 || true)
  for engine in $ENGINES; do
    echo "$out" | awk -v e="$engine" -v ld="$(cut -d' ' -f1-3 /proc/loadavg)" '
      $1 ~ "^BenchmarkSpecialCallCreate/"e"/encrypted=true" { on[++n1]=$3 }
      $1 ~ "^BenchmarkSpecialCallCreate/"e"/encrypted=false" { off[++n0]=$3 }
      $1 ~ "^BenchmarkSpecialCallRead/"e"/encrypted=true" { for (i=4;i<NF;i++) if ($(i+1)=="p50-µs") ron[++r1]=$i }
      $1 ~ "^BenchmarkSpecialCallRead/"e"/encrypted=false" { for (i=4;i<NF;i++) if ($(i+1)=="p50-µs") roff[++r0]=$i }
      END {
        for (i=1;i<=n1 && i<=n0;i++) { r=on[i]/off[i]; rs[i]=r; printf "[%s] special-category call created, encryption on vs off, round %d: %.0f vs %.0f µs/op, %.2fx (load: %s)\n", e, i, on[i]/1000, off[i]/1000, r, ld }
        # The median of the alternating rounds is the figure that counts on a shared machine.
        n=(n1<n0?n1:n0); for (i=2;i<=n;i++) { v=rs[i]; for (j=i-1;j>=1 && rs[j]>v;j--) rs[j+1]=rs[j]; rs[j+1]=v }
        # The writer alone, without HTTP: where the cost of sealing shows most. The create rate the
        # target (within 15%) is about is measured over the API below, as the create benchmark does.
        if (n > 0) { m=(n%2 ? rs[(n+1)/2] : (rs[n/2]+rs[n/2+1])/2); printf "[%s] special-category call created in-process (the writer alone), encryption on vs off, median of %d rounds: %.2fx (from %.2fx to %.2fx)\n", e, n, m, rs[1], rs[n] }
        for (i=1;i<=r1 && i<=r0;i++) { d=ron[i]-roff[i]; printf "[%s] special-category call read with its diary, sealed vs plain, round %d: p50 %d vs %d µs, +%d µs (load: %s): %s\n", e, i, ron[i], roff[i], d, ld, (d < 1000 ? "target met (< 1 ms more)" : "TARGET MISSED (< 1 ms more)") }
      }' | tee -a "$OUT/results.txt"
  done
  echo "$out" | grep -q '^BenchmarkSpecialCall' || echo "$out" | tail -20
fi

# The same over the API, as the create benchmark logs calls: from 8 clients against a fresh
# 1,000-call desk with encryption on, then one without master keys, special-category calls (health
# words, special_category set: every call sealed, the worst case) and then ordinary calls (what
# most of a desk's calls are: nothing of theirs is sealed); the rates' ratios per round, rounds
# alternating, and their medians.
part sealed && for engine in $ENGINES; do
  declare -A ratios=()
  for round in $(seq "$CREATE_ROUNDS"); do
    declare -A rates=()
    for mode in on off; do
      keyfile=$CALLDESK_MASTER_KEYS_FILE; [ $mode = off ] && keyfile=""
      if [ $engine = sqlite ]; then DB=$OUT/sealed.db; rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_sealed); fi
      TOKEN=$(CALLDESK_MASTER_KEYS_FILE=$keyfile "$BIN" demo --db "$DB" --calls 1000 --people 500 --token 2>/dev/null | token_of)
      CALLDESK_MASTER_KEYS_FILE=$keyfile start_server "$DB"
      for kind in special ordinary; do
        res=$("$BIN" bench create --url http://127.0.0.1:$PORT --token "$TOKEN" --clients 8 --duration 15s --special "$([ $kind = special ] && echo true || echo false)")
        rates[$kind$mode]=$(echo "$res" | grep -oE '[0-9]+/s' | head -1 | tr -d '/s')
        say "[$engine] round $round: encryption $mode: $res"
      done
      stop_server
    done
    for kind in special ordinary; do
      ratio=$(awk -v a="${rates[${kind}off]}" -v b="${rates[${kind}on]}" 'BEGIN { printf "%.3f", a / b }')
      ratios[$kind]="${ratios[$kind]:-} $ratio"
      say "[$engine] round $round: $kind calls over the API, rate with encryption off / on: $(printf '%.2f' "$ratio")x (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    done
  done
  for kind in special ordinary; do
    say "[$engine] $kind calls over the API, rate with encryption off / on, median of $CREATE_ROUNDS rounds: $(echo ${ratios[$kind]:-} | tr ' ' '\n' | sort -n | awk '{ r[NR] = $1 } END { m = (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2); printf "%.2fx (%s)", m, (m <= 1.15 ? "target met: within 15%" : "TARGET MISSED: within 15%") }')"
  done
  unset ratios
done

# Views (issue 21): GET /api/v1/calls/{ref}, each read's audit record committed before the answer:
# one client's median latency and eight clients' rate (BenchmarkViewCall, in-process server).
if part views; then
  out=$(go test -run '^$' -bench '^BenchmarkViewCall$' -cpu 2 -benchtime 3s ./internal/web 2>&1 || true)
  for engine in $ENGINES; do
    p50=$(echo "$out" | grep -E "^BenchmarkViewCall/$engine/1client" | grep -oE '[0-9.]+ ms-p50' | cut -d' ' -f1)
    rate=$(echo "$out" | grep -E "^BenchmarkViewCall/$engine/8clients" | grep -oE '[0-9.]+ views/s' | cut -d' ' -f1)
    say "[$engine] API call view, audited and durable before the answer: p50 ${p50:-?} ms (1 client), ${rate:-?} views/s (8 clients) (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    [ -n "$rate" ] || echo "$out" | tail -20
  done
fi

# Long queues (issue 21 point 5, issue 22 point 5): 50,000 calls in the unassigned queue, a call
# logged before each request; the API's first page with its count and its next page by cursor
# (p50 under 10 ms), the console's queue page and its self-refresh (p50 under 50 ms)
# (BenchmarkLongQueue, in-process server).
if part queues; then
  out=$(go test -run '^$' -bench '^BenchmarkLongQueue$' -benchtime 40x -timeout 30m ./internal/web 2>&1 || true)
  for engine in $ENGINES; do
    for b in api_first_page api_next_page html_queue html_refresh; do
      line=$(echo "$out" | grep -E "^BenchmarkLongQueue/$engine/$b")
      p50=$(echo "$line" | grep -oE '[0-9.]+ ms-p50' | cut -d' ' -f1); p99=$(echo "$line" | grep -oE '[0-9.]+ ms-p99' | cut -d' ' -f1)
      target=10; [ "${b#html}" != "$b" ] && target=50
      verdict=$(awk -v m="${p50:-999}" -v t=$target 'BEGIN{ if (m < t) print "target met (p50 < " t " ms)"; else print "TARGET MISSED (p50 < " t " ms)" }')
      say "[$engine] long queue (50,000 unassigned calls) $b: p50 ${p50:-?} ms, p99 ${p99:-?} ms (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    done
  done
  echo "$out" | grep -q '^BenchmarkLongQueue' || echo "$out" | tail -20
fi

(part queries || part pages || part portal) && for engine in $ENGINES; do
  if [ $engine = sqlite ]; then DB=$OUT/million.db; else DB="$PGBASE/calldesk_bench_million?sslmode=disable"; fi
  if [ "${BENCH_REUSE:-}" = 1 ]; then
    DEMO=$("$BIN" demo --db "$DB" --calls "$CALLS" --years "$YEARS" --if-empty --token --password 2>/dev/null)
    say "[$engine] reusing the database of an earlier run: $(echo "$DEMO" | head -1)"
  else
    if [ $engine = sqlite ]; then rm -f "$DB"*; else DB=$(fresh_pg calldesk_bench_million); fi
    start=$(date +%s%N)
    DEMO=$("$BIN" demo --db "$DB" --calls "$CALLS" --years "$YEARS" --token --password 2>/dev/null)
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    say "[$engine] calldesk demo --calls $CALLS --years $YEARS: $((ms / 1000)).$(printf %03d $((ms % 1000)))s"
  fi
  TOKEN=$(echo "$DEMO" | token_of)
  start_server "$DB"
  if part queries; then
    "$BIN" bench queries --url http://127.0.0.1:$PORT --token "$TOKEN" --requests 300 | sed "s/^/[$engine] /" | tee -a "$OUT/results.txt"
  fi
  if part pages; then
    pages_bench $engine "$TOKEN" "$(echo "$DEMO" | login_of)" "$(echo "$DEMO" | password_of)"
  fi
  if part portal; then
    portal_bench $engine "$DB"
  fi
  # A live desk (issue 22 point 6), last because it writes: creates against the million-call
  # database alone (8 clients), then the query benchmarks again while 4 clients create calls
  # throughout, with the create rate they saw meanwhile.
  if part queries; then
    say "[$engine] on the million-call database: $("$BIN" bench create --url http://127.0.0.1:$PORT --token "$TOKEN" --clients 8 --duration 15s) (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    "$BIN" bench create --url http://127.0.0.1:$PORT --token "$TOKEN" --clients 4 --duration 10m > "$OUT/mixed-create.txt" 2>&1 &
    creator=$!
    sleep 2
    "$BIN" bench queries --url http://127.0.0.1:$PORT --token "$TOKEN" --requests 300 | sed "s/^/[$engine] mixed, while 4 clients create: /" | tee -a "$OUT/results.txt"
    kill -TERM $creator 2>/dev/null || true; wait $creator || true
    say "[$engine] mixed, meanwhile: $(cat "$OUT/mixed-create.txt") (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  fi
  stop_server
done
# Mail: messages taken in from a real Dovecot into calls on SQLite (issue 5: at least 200/s), and
# the fetcher alone with nothing done per message.
if part mail; then
  dovecot_setup
  for b in Ingest Fetch; do
    line=$(go test -run '^$' -bench "^Benchmark$b\$" -benchtime 2000x ./internal/mail 2>/dev/null | grep -E "^Benchmark$b" || true)
    rate=$(echo "$line" | grep -oE '[0-9.]+ msgs/s' || echo "no figure")
    verdict=""
    if [ $b = Ingest ]; then
      verdict=$(awk -v r="${rate%% *}" 'BEGIN{ if (r+0 >= 200) print "target met (>= 200 messages/s)"; else print "TARGET MISSED (>= 200 messages/s)" }')
    fi
    say "[sqlite] mail $b, 2000 messages from Dovecot: $rate (load: $(cut -d' ' -f1-3 /proc/loadavg)) $verdict"
  done
fi
# Directory: a 50,000-person CSV export into the register on SQLite (issue 6: under 10 s; the next
# night's with 1% changed under 5 s), and 5,000 people from a real slapd (under 10 s).
if part directory; then
  slapd_setup
  out=$(go test -run '^$' -bench 'CSVImport50000|LDAPSync5000' -benchtime 1x ./internal/directory 2>&1 || true)
  first=$(echo "$out" | grep -oE '[0-9.]+ s-first-import' | cut -d' ' -f1); rerun=$(echo "$out" | grep -oE '[0-9.]+ s-rerun-1pct' | cut -d' ' -f1)
  ldap=$(echo "$out" | grep -oE '[0-9.]+ s-sync' | cut -d' ' -f1)
  verdict=$(awk -v a="${first:-99}" -v b="${rerun:-99}" -v c="${ldap:-99}" 'BEGIN{ if (a < 10 && b < 5 && c < 10) print "targets met (< 10 s, < 5 s, < 10 s)"; else print "TARGET MISSED (< 10 s, < 5 s, < 10 s)" }')
  say "[sqlite] directory: 50,000-person CSV ${first:-?} s, re-run with 1% changed ${rerun:-?} s; LDAP 5,000 people ${ldap:-?} s (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
fi
# Data protection (issue 7), on SQLite with a million calls: each benchmark writes, so each gets its
# own copy of the million-call database (loaded here first when no earlier part left one).
million_copy() { # name -> absolute path of a fresh copy of $OUT/million.db
  if [ ! -s "$OUT/million.db" ]; then
    "$BIN" demo --db "$OUT/million.db" --calls "$CALLS" --years "$YEARS" >/dev/null 2>&1 || { echo "bench: loading $CALLS calls failed" >&2; exit 1; }
  fi
  rm -f "$OUT/$1.db"*
  cp "$OUT/million.db" "$OUT/$1.db"
  [ -f "$OUT/million.db-wal" ] && cp "$OUT/million.db-wal" "$OUT/$1.db-wal"
  echo "$PWD/$OUT/$1.db"
}
# SAR: the subject access bundle of a person named in 500 other customers' calls and 2,000 diary
# entries on others' calls, and the customer of 500 calls, among the million (issue 15: under
# 10 s on SQLite and PostgreSQL). The benchmark writes those mentions and moves calls, so it
# works on a copy: of the SQLite file, or on PostgreSQL a database made from the million-call one
# (loaded here first when no earlier part left it; million_copy_pg serves the erasure part too).
million_copy_pg() { # name -> DSN of a fresh copy of calldesk_bench_million
  go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" calldesk_bench_million --keep >/dev/null
  "$BIN" demo --db "$PGBASE/calldesk_bench_million?sslmode=disable" --calls "$CALLS" --years "$YEARS" --if-empty >/dev/null 2>&1 ||
    { echo "bench: loading $CALLS calls into PostgreSQL failed" >&2; exit 1; }
  go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" "$1" calldesk_bench_million >/dev/null
  echo "$PGBASE/$1?sslmode=disable"
}
if part sar; then
  for engine in $ENGINES; do
    if [ $engine = sqlite ]; then DB=$(million_copy sar); else DB=$(million_copy_pg calldesk_bench_sar); fi
    out=$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench '^BenchmarkSARBundle500$' -benchtime 3x -timeout 30m ./internal/privacy 2>&1 || true)
    ms=$(echo "$out" | grep -oE '[0-9.]+ ms/bundle' | cut -d' ' -f1)
    calls=$(echo "$out" | grep -oE '[0-9.]+ calls' | cut -d' ' -f1); reds=$(echo "$out" | grep -oE '[0-9.]+ redactions' | cut -d' ' -f1)
    mentions=$(echo "$out" | grep -oE '[0-9.]+ mentions' | cut -d' ' -f1)
    verdict=$(awk -v m="${ms:-99999}" 'BEGIN{ if (m < 10000) print "target met (< 10 s)"; else print "TARGET MISSED (< 10 s)" }')
    say "[$engine] SAR bundle of a person with ${calls:-?} calls, named in 500 others' calls and 2,000 diary entries (${mentions:-?} mentions found) among $CALLS (gathered, mentions found, redacted, zip with HTML and PDF): ${ms:-?} ms, ${reds:-?} redaction candidates (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    [ -n "$ms" ] || echo "$out" | tail -20
    if [ $engine = sqlite ]; then rm -f "$OUT/sar.db"*; else go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" calldesk_bench_sar >/dev/null; fi
  done
fi
# Erasure (issue 15): a person named in 500 calls and 2,000 diary entries among the million, under
# 10 s, on both engines; each on a copy (the benchmark writes): of million.db on SQLite, of the
# PostgreSQL database calldesk_bench_million (million_copy_pg, above) as a template.
if part erase; then
  for engine in $ENGINES; do
    if [ $engine = sqlite ]; then DB=$(million_copy erase); else DB=$(million_copy_pg calldesk_bench_erase); fi
    out=$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench '^BenchmarkErase500$' -benchtime 1x -timeout 60m ./internal/store 2>&1 || true)
    secs=$(echo "$out" | grep -oE '[0-9.]+ s-erase' | cut -d' ' -f1)
    verdict=$(awk -v a="${secs:-99}" 'BEGIN{ if (a < 10) print "target met (< 10 s)"; else print "TARGET MISSED (< 10 s)" }')
    say "[$engine] erasure of a person named in 500 calls and 2,000 diary entries among $CALLS calls: ${secs:-?} s (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    echo "$out" | grep -E 'erased person' | sed 's/^ */   /' | tee -a "$OUT/results.txt"
    [ -n "$secs" ] || echo "$out" | tail -20
    if [ $engine = sqlite ]; then rm -f "$OUT/erase.db"*; else go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" calldesk_bench_erase >/dev/null; fi
  done
fi
# Service levels (issue 17): with 200,000 of the million calls open, the first page of the "at
# risk" and "breached" lists and of a group's queue by deadline (p50 under 10 ms),
# re-evaluating every open call after a configuration change (under 60 s on SQLite), and the
# escalation job's pass (under 5 s); each on a copy (the benchmark puts calls back in hand).
if part sla; then
  for engine in $ENGINES; do
    if [ $engine = sqlite ]; then DB=$(million_copy sla); else DB=$(million_copy_pg calldesk_bench_sla); fi
    out=$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench '^BenchmarkSLAQueues$' -benchtime 50x -timeout 60m ./internal/store 2>&1 || true)
    out="$out
$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench '^BenchmarkSLARepairAll$' -benchtime 1x -timeout 60m ./internal/store 2>&1 || true)"
    esc=$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench '^BenchmarkEscalationPass$' -benchtime 1x -timeout 60m ./internal/store 2>&1 || true)
    for q in at_risk breached group_by_deadline; do
      ms=$(echo "$out" | grep "BenchmarkSLAQueues/$q" | grep -oE '[0-9.]+ ms-p50' | cut -d' ' -f1)
      n=$(echo "$out" | grep "BenchmarkSLAQueues/$q" | grep -oE '[0-9.]+ calls-counted' | cut -d' ' -f1)
      verdict=$(awk -v m="${ms:-999}" 'BEGIN{ if (m < 10) print "target met (< 10 ms)"; else print "TARGET MISSED (< 10 ms)" }')
      say "[$engine] service levels, first page of $q (${n:-?} counted, at most 1,000) among 200,000 open of $CALLS calls: p50 ${ms:-?} ms (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    done
    secs=$(echo "$out" | grep -oE '[0-9.]+ s-repair' | head -1 | cut -d' ' -f1); n=$(echo "$out" | grep -oE '[0-9]+ calls$' | head -1 | cut -d' ' -f1)
    verdict=$(awk -v a="${secs:-999}" 'BEGIN{ if (a < 60) print "target met (< 60 s)"; else print "TARGET MISSED (< 60 s)" }')
    say "[$engine] service levels re-evaluated after a configuration change: ${n:-?} open calls in ${secs:-?} s (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    echo "$out" | grep -E 'given their service levels' | sed 's/^ */   /' | tee -a "$OUT/results.txt"
    # The escalation job (issue 17 point 4): a pass with 2,000 calls due (1% of the open ones),
    # then one with none due (under 5 s).
    pass=$(echo "$esc" | grep -oE '[0-9.e+-]+ s-pass' | cut -d' ' -f1); idle=$(echo "$esc" | grep -oE '[0-9.e+-]+ s-idle-pass' | cut -d' ' -f1)
    dc=$(echo "$esc" | grep -oE '[0-9.]+ due-calls' | cut -d' ' -f1); fired=$(echo "$esc" | grep -oE '[0-9.]+ fired' | cut -d' ' -f1)
    oc=$(echo "$esc" | grep -oE '[0-9.]+ open-calls' | cut -d' ' -f1)
    verdict=$(awk -v a="${pass:-999}" -v b="${idle:-999}" 'BEGIN{ if (a < 5 && b < 5) print "target met (< 5 s)"; else print "TARGET MISSED (< 5 s)" }')
    say "[$engine] escalation pass over ${oc:-?} open calls: ${dc:-?} due (${fired:-?} points fired) in ${pass:-?} s, none due in ${idle:-?} s (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    [ -n "$pass" ] || echo "$esc" | tail -20
    [ -n "$secs" ] || echo "$out" | tail -20
    if [ $engine = sqlite ]; then rm -f "$OUT/sla.db"*; else go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" calldesk_bench_sla >/dev/null; fi
  done
fi
# Retention: a sweep over the million calls on SQLite (issue 7: under 60 s), on a copy (the sweep
# anonymises about half its closed calls).
if part retention; then
  DB=$(million_copy retention)
  out=$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench 'RetentionSweep1M' -benchtime 1x -timeout 30m ./internal/privacy 2>&1 || true)
  secs=$(echo "$out" | grep -oE '[0-9.]+ s-sweep' | cut -d' ' -f1); dry=$(echo "$out" | grep -oE '[0-9.]+ s-dry-run' | cut -d' ' -f1)
  calls=$(echo "$out" | grep -oE '[0-9]+ closed_calls' | cut -d' ' -f1); compact=$(echo "$out" | grep -oE '[0-9.]+ s-compact' | cut -d' ' -f1)
  verdict=$(awk -v a="${secs:-999}" 'BEGIN{ if (a < 60) print "target met (< 60 s)"; else print "TARGET MISSED (< 60 s)" }')
  say "[sqlite] retention sweep over $CALLS calls: ${secs:-?} s, ${calls:-?} closed calls anonymised (dry run ${dry:-?} s; the search compaction after it ${compact:-?} s; load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
  [ -n "$secs" ] || echo "$out" | tail -20
  rm -f "$OUT/retention.db"*
fi
# Reports (issue 18): each standard report over the year up to the newest call, unfiltered, as a
# service-level manager, on the million-call database of each engine (six years of calls: they
# only read, no copy); under 500 ms each at p50. The figures are the median and the mean of 5 runs after a first (go test -bench).
if part reports; then
  for engine in $ENGINES; do
    if [ $engine = sqlite ]; then
      [ -s "$OUT/million.db" ] || "$BIN" demo --db "$OUT/million.db" --calls "$CALLS" --years "$YEARS" >/dev/null 2>&1 || { echo "bench: loading $CALLS calls failed" >&2; exit 1; }
      DB="$PWD/$OUT/million.db"
    else
      go run ./scripts/pgdb "$PGBASE/postgres?sslmode=disable" calldesk_bench_million --keep >/dev/null
      "$BIN" demo --db "$PGBASE/calldesk_bench_million?sslmode=disable" --calls "$CALLS" --years "$YEARS" --if-empty >/dev/null 2>&1 ||
        { echo "bench: loading $CALLS calls into PostgreSQL failed" >&2; exit 1; }
      DB="$PGBASE/calldesk_bench_million?sslmode=disable"
    fi
    out=$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench '^BenchmarkReport' -benchtime 5x -timeout 30m ./internal/report 2>&1 || true)
    echo "$out" | awk -v e="$engine" -v ld="$(cut -d' ' -f1-3 /proc/loadavg)" '/^BenchmarkReport/ { name=$1; sub(/^BenchmarkReport/, "", name); sub(/-[0-9]+$/, "", name);
      ms=$3/1e6; p50=ms; for (i = 4; i < NF; i++) if ($(i+1) == "ms-p50") p50=$i;
      cpu=""; for (i = 4; i < NF; i++) if ($(i+1) == "ms-cpu") cpu=sprintf(", this process %.0f ms CPU", $i);
      printf "[%s] report %s over a year: p50 %.0f ms (mean %.0f ms of 5%s; load: %s): %s\n", e, name, p50, ms, cpu, ld, (p50 < 500 ? "target met (p50 < 500 ms)" : "TARGET MISSED (p50 < 500 ms)") }' | tee -a "$OUT/results.txt"
    echo "$out" | grep -q '^BenchmarkReport' || echo "$out" | tail -20
    # The analyst's dashboard (the console's home, under 100 ms) and a wallboard (under 50 ms),
    # from a real server in the benchmark's process on the same database (BenchmarkDashboard and
    # BenchmarkWallboard, 50 requests each after a first; the pages part measures them under wrk).
    out=$(CALLDESK_BENCH_DB="$DB" go test -run '^$' -bench '^Benchmark(Dashboard|Wallboard)$' -benchtime 50x -timeout 30m ./internal/web 2>&1 || true)
    for page in Dashboard:100 Wallboard:50; do
      name=${page%%:*}; max=${page##*:}
      ms=$(echo "$out" | grep "^Benchmark$name-" | grep -oE '[0-9.]+ ms-p50' | cut -d' ' -f1)
      verdict=$(awk -v m="${ms:-9999}" -v x="$max" 'BEGIN{ if (m < x) print "target met (p50 < " x " ms)"; else print "TARGET MISSED (p50 < " x " ms)" }')
      say "[$engine] $(echo "$name" | tr 'A-Z' 'a-z') page among $CALLS calls: p50 ${ms:-?} ms (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    done
    echo "$out" | grep -q '^BenchmarkDashboard' || echo "$out" | tail -20
  done
fi
# Backup (issue 20 point 5): calldesk backup of the million-call SQLite database, encrypted to one
# age recipient (under 2 minutes), with its key backup (million.age.keys), then calldesk restore of
# it into a new file (decrypt, quick check, data keys from the key backup beside it, audit trail
# verified). It only reads the million-call database.
if part backup; then
  [ -s "$OUT/million.db" ] || "$BIN" demo --db "$OUT/million.db" --calls "$CALLS" --years "$YEARS" >/dev/null 2>&1 || { echo "bench: loading $CALLS calls failed" >&2; exit 1; }
  rm -rf "$OUT/backup"; mkdir -p "$OUT/backup"
  recipient=$(go run ./scripts/agekey "$OUT/backup/key.txt")
  start=$(date +%s%N)
  if "$BIN" backup --db "$OUT/million.db" --out "$OUT/backup/million.age" --backup-recipients "$recipient" > "$OUT/backup/backup.log" 2>&1; then
    secs=$(awk -v n=$(( $(date +%s%N) - start )) 'BEGIN{printf "%.1f", n/1e9}')
    bytes=$(stat -c %s "$OUT/backup/million.age"); dbbytes=$(stat -c %s "$OUT/million.db"); keybytes=$(stat -c %s "$OUT/backup/million.age.keys")
    verdict=$(awk -v a="$secs" 'BEGIN{ if (a < 120) print "target met (< 2 min)"; else print "TARGET MISSED (< 2 min)" }')
    say "[sqlite] calldesk backup of $CALLS calls: $secs s, $((bytes >> 20)) MiB encrypted from a $((dbbytes >> 20)) MiB database, key backup $((keybytes >> 10)) KiB (load: $(cut -d' ' -f1-3 /proc/loadavg)): $verdict"
    start=$(date +%s%N)
    if "$BIN" restore --in "$OUT/backup/million.age" --identities "$OUT/backup/key.txt" --db "$OUT/backup/restored.db" > "$OUT/backup/restore.log" 2>&1; then
      say "[sqlite] calldesk restore of it, audit trail verified: $(awk -v n=$(( $(date +%s%N) - start )) 'BEGIN{printf "%.1f", n/1e9}') s"
    else
      say "[sqlite] calldesk restore FAILED: $(tail -3 "$OUT/backup/restore.log")"
    fi
  else
    say "[sqlite] calldesk backup FAILED: $(tail -3 "$OUT/backup/backup.log")"
  fi
  rm -rf "$OUT/backup"
fi
# Pooler (issue 21): the create rate of three `calldesk serve` instances on one PostgreSQL database
# through PgBouncer in transaction pooling mode (scripts/pgbouncer.sh), 8 clients spread over them;
# beside it, for comparison, one instance through PgBouncer and one and three connected directly;
# the statement modes of BENCH_POOLER_MODES in turn (the default is what pooler=transaction picks),
# each round on the database the one before left. Each instance's log is .bench/serve-pooler-*.log.
pooler_round() { # label count dsn
  local urls="" p=$PORT i
  SERVERS=""
  for i in $(seq "$2"); do
    while ! port_free $p; do p=$((p + 1)); done
    "$BIN" serve --db "$3" --addr 127.0.0.1:$p --log-level warn > "$OUT/serve-pooler-${1// /-}-$i.log" 2>&1 &
    SERVERS="$SERVERS $!"; urls="$urls${urls:+,}http://127.0.0.1:$p"
    for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:$p/api/v1/openapi.json && break; sleep 0.1; done
    curl -fs -o /dev/null http://127.0.0.1:$p/api/v1/openapi.json || { echo "bench: instance $i did not start:"; cat "$OUT/serve-pooler-${1// /-}-$i.log"; exit 1; } >&2
    p=$((p + 1))
  done
  say "[postgres] $1: $("$BIN" bench create --url "$urls" --token "$TOKEN" --clients 8 --duration 15s) (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  kill $SERVERS; wait $SERVERS 2>/dev/null || true; SERVERS=""
}
if part pooler && [[ " $ENGINES " == *" postgres "* ]]; then
  pgbouncer_setup
  DB=$(fresh_pg calldesk_bench_pooler)
  TOKEN=$("$BIN" demo --db "$DB" --calls 1000 --people 500 --token 2>/dev/null | token_of)
  PGB=${CALLDESK_TEST_PGBOUNCER%%\?*}; PGB=${PGB%/*}
  pooler_round "one instance direct" 1 "$DB"
  pooler_round "three instances direct" 3 "$DB"
  for mode in ${BENCH_POOLER_MODES:-cache_describe}; do
    pdb="$PGB/calldesk_bench_pooler?sslmode=disable&pooler=transaction&default_query_exec_mode=$mode"
    pooler_round "one instance through PgBouncer ($mode)" 1 "$pdb"
    pooler_round "three instances through PgBouncer (transaction pooling, $mode)" 3 "$pdb"
  done
  pgbouncer_cleanup
fi
say "== done"
