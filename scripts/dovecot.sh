#!/usr/bin/env bash
# Sourced by test.sh: makes a real IMAP server (Dovecot) available to the mail tests and exports
#   CALLDESK_TEST_IMAP=127.0.0.1:PORT     IMAP with IDLE, UIDPLUS and MOVE; STARTTLS offered, not required
#   CALLDESK_TEST_IMAPS=127.0.0.1:PORT    the same server with implicit TLS
#   CALLDESK_TEST_IMAP_CA=FILE            PEM of the server's self-signed certificate (for 127.0.0.1)
#   CALLDESK_TEST_IMAP_USERS=DIR          one passwd-file per user: a test creates user U with
#                                         password P by writing "U:{PLAIN}P" to DIR/U (Dovecot
#                                         reads the file at each login, so rewriting it changes
#                                         the password at once)
# Installs Debian's dovecot-imapd (as root) where `dovecot` is missing and starts a throwaway
# Dovecot (maildir under a temporary directory, 127.0.0.1 only, a free port), stopped and removed
# by dovecot_cleanup. Fails loudly, saying why, when it cannot: under CI=true the IMAP tests then
# fail rather than skip. With CALLDESK_TEST_IMAP already set, uses that server as given.

dovecot_cleanup() { :; }

dovecot_stop() { # dir: stop the Dovecot started in dir, wait for it to exit, remove dir
  local pid i
  pid=$(cat "$1/run/master.pid" 2>/dev/null || true)
  dovecot -c "$1/dovecot.conf" stop >/dev/null 2>&1 || true
  if [ -n "$pid" ]; then
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$1"
}

dovecot_free_port() { # [first]
  local port
  for port in $(seq "${1:-10143}" 10243); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

dovecot_setup() {
  if [ -n "${CALLDESK_TEST_IMAP:-}" ]; then
    echo "dovecot: using CALLDESK_TEST_IMAP=$CALLDESK_TEST_IMAP as given"
    return 0
  fi
  if ! command -v dovecot >/dev/null 2>&1 || [ ! -x /usr/lib/dovecot/imap ]; then
    echo "dovecot: no dovecot: installing Debian's dovecot-imapd"
    if [ "$(id -u)" != 0 ]; then
      echo "dovecot: FAILED: installing dovecot-imapd needs root (apt-get install -y dovecot-imapd); the IMAP tests cannot run without it" >&2
      return 1
    fi
    # Installing starts the system's own Dovecot where an init system runs; ours uses its own
    # configuration, directories and port, so the two do not meet.
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null 2>&1 ||
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null)) || {
      echo "dovecot: FAILED: apt-get install dovecot-imapd did not work; the IMAP tests cannot run without it" >&2
      return 1
    }
    command -v dovecot >/dev/null 2>&1 || { echo "dovecot: FAILED: apt-get installed dovecot-imapd but there is no dovecot command" >&2; return 1; }
    echo "dovecot: installed $(dovecot --version)"
  fi
  if ! command -v openssl >/dev/null 2>&1; then
    echo "dovecot: no openssl (for the test certificate): installing Debian's openssl"
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null 2>&1) || {
      echo "dovecot: FAILED: apt-get install openssl did not work; the IMAP TLS tests need it" >&2
      return 1
    }
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "dovecot: FAILED: the test Dovecot is started as root (it drops to the dovecot user); run make test as root or set CALLDESK_TEST_IMAP" >&2
    return 1
  fi
  local port tlsport
  port=$(dovecot_free_port) || { echo "dovecot: FAILED: no free port in 10143-10243 on 127.0.0.1" >&2; return 1; }
  tlsport=$(dovecot_free_port $((port + 1))) || { echo "dovecot: FAILED: no second free port in 10143-10243 on 127.0.0.1" >&2; return 1; }
  DOVECOT_TMP=$(mktemp -d -t calldesk-dovecot.XXXX)
  chmod 755 "$DOVECOT_TMP"
  mkdir -p "$DOVECOT_TMP/run" "$DOVECOT_TMP/state" "$DOVECOT_TMP/mail" "$DOVECOT_TMP/users"
  chown dovecot:dovecot "$DOVECOT_TMP/mail"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
    -keyout "$DOVECOT_TMP/key.pem" -out "$DOVECOT_TMP/cert.pem" \
    -subj "/CN=calldesk test IMAP" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || {
    echo "dovecot: FAILED: openssl could not make the test certificate" >&2; rm -rf "$DOVECOT_TMP"; return 1; }
  cat >"$DOVECOT_TMP/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $DOVECOT_TMP/run
state_dir = $DOVECOT_TMP/state
log_path = $DOVECOT_TMP/dovecot.log
ssl = yes
ssl_cert = <$DOVECOT_TMP/cert.pem
ssl_key = <$DOVECOT_TMP/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose: no delay after a failure, and no growing
# penalty for the address that failed (anvil-auth-penalty off).
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
mail_location = maildir:$DOVECOT_TMP/mail/%u
# Throwaway mail: no fsync (as PostgreSQL's fsync=off for tests).
mail_fsync = never
first_valid_uid = 100
default_internal_user = dovecot
default_login_user = dovenull
# Many tests connect at once.
default_client_limit = 2000
default_process_limit = 500
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVECOT_TMP/users/%u
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$DOVECOT_TMP/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $tlsport
    ssl = yes
  }
}
CONF
  dovecot -c "$DOVECOT_TMP/dovecot.conf" || {
    echo "dovecot: FAILED to start; log:" >&2; cat "$DOVECOT_TMP/dovecot.log" >&2 2>/dev/null; return 1; }
  local i
  for i in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
    echo "dovecot: FAILED: started but nothing answers on 127.0.0.1:$port; log:" >&2
    cat "$DOVECOT_TMP/dovecot.log" >&2 2>/dev/null
    dovecot -c "$DOVECOT_TMP/dovecot.conf" stop >/dev/null 2>&1
    return 1
  }
  export CALLDESK_TEST_IMAP="127.0.0.1:$port"
  export CALLDESK_TEST_IMAPS="127.0.0.1:$tlsport"
  export CALLDESK_TEST_IMAP_CA="$DOVECOT_TMP/cert.pem"
  export CALLDESK_TEST_IMAP_USERS="$DOVECOT_TMP/users"
  echo "dovecot: started $(dovecot --version | cut -d' ' -f1) on $CALLDESK_TEST_IMAP (STARTTLS) and $CALLDESK_TEST_IMAPS (TLS); maildir in $DOVECOT_TMP"
  eval "dovecot_cleanup() { dovecot_stop \"$DOVECOT_TMP\"; }"
}
