#!/usr/bin/env bash
# Sourced by test.sh and bench.sh, after pg.sh's pg_setup: starts a throwaway PgBouncer in
# transaction pooling mode (pool_mode = transaction, as many web instances use it) in front of
# the test PostgreSQL (CALLDESK_TEST_POSTGRES), on 127.0.0.1 and a free port, and exports
#   CALLDESK_TEST_PGBOUNCER=postgres://...@127.0.0.1:PORT/DB?...&pooler=transaction
# the same database through PgBouncer, with calldesk's pooler=transaction parameter (see
# store.PoolerParam). Any database name is passed through to the server (* = host=... port=...),
# so a test database made on the server is reached through PgBouncer by its name.
# Installs Debian's pgbouncer (as root) where it is missing (Debian 12: 1.18, which has no
# max_prepared_statements). Fails loudly, saying why, when it cannot; pgbouncer_cleanup stops it
# and removes its directory. With CALLDESK_TEST_PGBOUNCER already set, uses that as given.

pgbouncer_cleanup() { :; }

pgbouncer_free_port() { # [first]
  local port
  for port in $(seq "${1:-16432}" 16532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

pgbouncer_setup() {
  if [ -n "${CALLDESK_TEST_PGBOUNCER:-}" ]; then
    echo "pgbouncer: using CALLDESK_TEST_PGBOUNCER as given"
    return 0
  fi
  if [ -z "${CALLDESK_TEST_POSTGRES:-}" ]; then
    echo "pgbouncer: FAILED: CALLDESK_TEST_POSTGRES is not set (run pg_setup first)" >&2
    return 1
  fi
  local bin
  bin=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null || true)
  if [ -z "$bin" ]; then
    echo "pgbouncer: not installed: installing pgbouncer from Debian"
    if [ "$(id -u)" != 0 ]; then
      echo "pgbouncer: FAILED: installing pgbouncer needs root (apt-get install -y pgbouncer), or set CALLDESK_TEST_PGBOUNCER" >&2
      return 1
    fi
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null 2>&1 ||
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null)) || {
      echo "pgbouncer: FAILED: apt-get install pgbouncer did not work; set CALLDESK_TEST_PGBOUNCER to a PgBouncer URL" >&2
      return 1
    }
    bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  fi
  # The server, user and database of CALLDESK_TEST_POSTGRES: postgres://USER[:PW]@HOST:PORT/DB?...
  local rest userinfo hostport user host port db query
  rest=${CALLDESK_TEST_POSTGRES#*://}
  case "$rest" in *@*) userinfo=${rest%%@*}; rest=${rest#*@} ;; *) userinfo=postgres ;; esac
  user=${userinfo%%:*}
  hostport=${rest%%/*}
  host=${hostport%%:*}
  port=5432
  case "$hostport" in *:*) port=${hostport##*:} ;; esac
  db=${rest#*/}; db=${db%%\?*}
  query=""
  case "$rest" in *\?*) query=${rest#*\?} ;; esac
  local listen
  listen=$(pgbouncer_free_port) || { echo "pgbouncer: FAILED: no free port in 16432-16532" >&2; return 1; }
  PGB_TMP=$(mktemp -d -t calldesk-pgb.XXXX)
  cat > "$PGB_TMP/pgbouncer.ini" <<CONF
[databases]
* = host=$host port=$port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $listen
unix_socket_dir = $PGB_TMP
auth_type = trust
auth_file = $PGB_TMP/users.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = ${PGBOUNCER_POOL_SIZE:-20}
max_db_connections = 0
logfile = $PGB_TMP/pgbouncer.log
pidfile = $PGB_TMP/pgbouncer.pid
ignore_startup_parameters = extra_float_digits
CONF
  echo "\"$user\" \"\"" > "$PGB_TMP/users.txt"
  local run="bash -c"
  if [ "$(id -u)" = 0 ]; then
    # pgbouncer refuses to run as root.
    chown -R postgres:postgres "$PGB_TMP"
    run="su postgres -s /bin/sh -c"
  fi
  $run "$bin -d $PGB_TMP/pgbouncer.ini" >"$PGB_TMP/start.log" 2>&1 || {
    echo "pgbouncer: FAILED to start:" >&2; cat "$PGB_TMP/start.log" "$PGB_TMP/pgbouncer.log" >&2 2>/dev/null; rm -rf "$PGB_TMP"; return 1; }
  local i
  for i in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$listen") 2>/dev/null && break
    sleep 0.1
  done
  local pw=""
  case "$userinfo" in *:*) pw=":${userinfo#*:}" ;; esac
  local dsn="postgres://$user$pw@127.0.0.1:$listen/$db?${query:+$query&}pooler=transaction"
  if command -v psql >/dev/null 2>&1 && ! psql -X -q -c 'select 1' "postgres://$user$pw@127.0.0.1:$listen/$db?${query}" >/dev/null 2>"$PGB_TMP/psql.log"; then
    echo "pgbouncer: FAILED: PgBouncer on 127.0.0.1:$listen does not answer:" >&2
    cat "$PGB_TMP/psql.log" "$PGB_TMP/pgbouncer.log" >&2
    kill "$(cat "$PGB_TMP/pgbouncer.pid" 2>/dev/null)" 2>/dev/null; rm -rf "$PGB_TMP"
    return 1
  fi
  export CALLDESK_TEST_PGBOUNCER="$dsn"
  echo "pgbouncer: transaction pooling on 127.0.0.1:$listen in front of $host:$port"
  eval "pgbouncer_cleanup() { pgbouncer_stop \"$PGB_TMP\"; }"
}

pgbouncer_stop() { # dir: stop the PgBouncer started in dir, wait for it to exit, remove dir
  local pid i
  pid=$(cat "$1/pgbouncer.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$1"
}
