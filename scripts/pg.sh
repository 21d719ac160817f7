#!/usr/bin/env bash
# Sourced by test.sh and bench.sh: makes a PostgreSQL server available and exports
# CALLDESK_TEST_POSTGRES. Uses the server on 127.0.0.1:5432 when one answers; otherwise installs
# PostgreSQL from Debian where missing and starts a throwaway cluster, stopped by pg_cleanup.
# Fails loudly, saying why, when neither works.

pg_up() { # host port
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$1" -p "$2" -t 3
  else
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
  fi
}

pg_cleanup() { :; }

# pg_tools: pg_dump and pg_restore, which calldesk backup and restore run (and their tests), from
# Debian's postgresql-client where missing.
pg_tools() {
  command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 && return 0
  echo "postgres: pg_dump/pg_restore missing: installing postgresql-client from Debian"
  if [ "$(id -u)" != 0 ]; then
    echo "postgres: FAILED: installing postgresql-client needs root (apt-get install -y postgresql-client)" >&2
    return 1
  fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null) || {
    echo "postgres: FAILED: apt-get install postgresql-client did not work" >&2; return 1; }
}

pg_setup() {
  pg_tools || return 1
  if [ -n "${CALLDESK_TEST_POSTGRES:-}" ]; then
    echo "postgres: using CALLDESK_TEST_POSTGRES as given"
    return 0
  fi
  if pg_up 127.0.0.1 5432; then
    export CALLDESK_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
    echo "postgres: using the server on 127.0.0.1:5432"
    return 0
  fi
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)
  if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "postgres: no server on 127.0.0.1:5432 and no initdb: installing postgresql from Debian"
    if [ "$(id -u)" != 0 ]; then
      echo "postgres: FAILED: installing postgresql needs root (apt-get install -y postgresql), or set CALLDESK_TEST_POSTGRES" >&2
      return 1
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || {
      echo "postgres: FAILED: apt-get install postgresql did not work; set CALLDESK_TEST_POSTGRES to a server URL" >&2
      return 1
    }
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
  fi
  PG_TMP=$(mktemp -d -t calldesk-pg.XXXX)
  PG_PORT=55432
  local run=""
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PG_TMP"
    run="su postgres -c"
  else
    run="bash -c"
  fi
  chmod 700 "$PG_TMP"
  $run "$pgbin/initdb -D $PG_TMP -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync" >/dev/null || {
    echo "postgres: FAILED: initdb in $PG_TMP" >&2; return 1; }
  $run "$pgbin/pg_ctl -D $PG_TMP -l $PG_TMP/server.log -w -o '-h 127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=off' start" >/dev/null || {
    echo "postgres: FAILED to start; log:" >&2; cat "$PG_TMP/server.log" >&2; return 1; }
  export CALLDESK_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
  echo "postgres: started a throwaway cluster on 127.0.0.1:$PG_PORT (fsync=off)"
  eval "pg_cleanup() { $run \"$pgbin/pg_ctl -D $PG_TMP -m immediate stop\" >/dev/null 2>&1; rm -rf \"$PG_TMP\"; }"
}
