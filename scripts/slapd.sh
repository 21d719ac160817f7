#!/usr/bin/env bash
# Sourced by test.sh: makes a real directory server (OpenLDAP's slapd) available to the directory
# import tests and exports
#   CALLDESK_TEST_LDAP=ldap://127.0.0.1:PORT     plain LDAP; StartTLS offered, not required
#   CALLDESK_TEST_LDAPS=ldaps://127.0.0.1:PORT   the same server with implicit TLS
#   CALLDESK_TEST_LDAP_CA=FILE                   PEM of the server's self-signed certificate (for 127.0.0.1)
#   CALLDESK_TEST_LDAP_BASE=dc=uni,dc=example    the suffix; tests make their own OU beneath it
#   CALLDESK_TEST_LDAP_ADMIN_DN / _ADMIN_PASSWORD  the rootdn, which loads the test trees
#   CALLDESK_TEST_LDAP_BIND_DN / _BIND_PASSWORD    a read-only service account, as an import binds
#                                                 with; like Active Directory's MaxPageSize, a
#                                                 search by it returns at most 1000 entries unless
#                                                 it pages (RFC 2696)
# Installs Debian's slapd and ldap-utils (as root, non-interactively, with no system
# configuration) where `slapd` is missing and starts a throwaway slapd (slapd.conf and an mdb
# database under a temporary directory, 127.0.0.1 only, free ports), stopped and removed by
# slapd_cleanup. Fails loudly, saying why, when it cannot: under CI=true the LDAP tests then fail
# rather than skip. With CALLDESK_TEST_LDAP already set, uses that server as given.

slapd_cleanup() { :; }

SLAPD_BIN=/usr/sbin/slapd

slapd_stop() { # dir: stop the slapd started in dir, wait for it to exit, remove dir
  local pid i
  pid=$(cat "$1/slapd.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$1"
}

slapd_free_port() { # [first]
  local port
  for port in $(seq "${1:-13389}" 13489); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

slapd_setup() {
  if [ -n "${CALLDESK_TEST_LDAP:-}" ]; then
    echo "slapd: using CALLDESK_TEST_LDAP=$CALLDESK_TEST_LDAP as given"
    return 0
  fi
  if [ ! -x "$SLAPD_BIN" ] || ! command -v ldapadd >/dev/null 2>&1 || [ ! -f /etc/ldap/schema/inetorgperson.schema ]; then
    echo "slapd: no slapd or ldap-utils: installing Debian's slapd and ldap-utils"
    if [ "$(id -u)" != 0 ]; then
      echo "slapd: FAILED: installing slapd needs root (apt-get install -y slapd ldap-utils); the LDAP tests cannot run without it" >&2
      return 1
    fi
    # No system directory: the package's own configuration (a suffix from the host name, an admin
    # password prompt) is skipped, and ours runs from its own directory and port.
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slapd ldap-utils >/dev/null 2>&1 ||
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slapd ldap-utils >/dev/null)) || {
      echo "slapd: FAILED: apt-get install slapd ldap-utils did not work; the LDAP tests cannot run without it" >&2
      return 1
    }
    [ -x "$SLAPD_BIN" ] || { echo "slapd: FAILED: apt-get installed slapd but there is no $SLAPD_BIN" >&2; return 1; }
    echo "slapd: installed $(dpkg-query -W -f='${Package} ${Version}' slapd)"
  fi
  if ! command -v openssl >/dev/null 2>&1; then
    echo "slapd: no openssl (for the test certificate): installing Debian's openssl"
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null 2>&1) || {
      echo "slapd: FAILED: apt-get install openssl did not work; the LDAP TLS tests need it" >&2
      return 1
    }
  fi
  local port tlsport base admin adminpw reader readerpw
  port=$(slapd_free_port) || { echo "slapd: FAILED: no free port in 13389-13489 on 127.0.0.1" >&2; return 1; }
  tlsport=$(slapd_free_port $((port + 1))) || { echo "slapd: FAILED: no second free port in 13389-13489 on 127.0.0.1" >&2; return 1; }
  base="dc=uni,dc=example"
  admin="cn=admin,$base"
  adminpw="admin-$RANDOM$RANDOM"
  reader="cn=calldesk-import,ou=Service Accounts,$base"
  readerpw="reader-$RANDOM$RANDOM"
  SLAPD_TMP=$(mktemp -d -t calldesk-slapd.XXXX)
  chmod 755 "$SLAPD_TMP"
  mkdir -p "$SLAPD_TMP/db"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
    -keyout "$SLAPD_TMP/key.pem" -out "$SLAPD_TMP/cert.pem" \
    -subj "/CN=calldesk test LDAP" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || {
    echo "slapd: FAILED: openssl could not make the test certificate" >&2; rm -rf "$SLAPD_TMP"; return 1; }
  cat >"$SLAPD_TMP/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $SLAPD_TMP/slapd.pid
argsfile $SLAPD_TMP/slapd.args
TLSCertificateFile $SLAPD_TMP/cert.pem
TLSCertificateKeyFile $SLAPD_TMP/key.pem
loglevel none

database mdb
# 1 GiB of address space (not of disk): each test loads its own tree of up to 5,000 people.
maxsize 1073741824
suffix "$base"
rootdn "$admin"
rootpw $adminpw
directory $SLAPD_TMP/db
# Throwaway data: no fsync (as PostgreSQL's fsync=off for tests).
dbnosync
index objectClass eq
index entryUUID eq
# The import's service account reads everything but passwords; like Active Directory's
# MaxPageSize, it gets at most 1000 entries from one search unless it pages.
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
limits users size.soft=1000 size.hard=1000 size.prtotal=unlimited
CONF
  "$SLAPD_BIN" -f "$SLAPD_TMP/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tlsport/" \
    >"$SLAPD_TMP/slapd.log" 2>&1 || {
    echo "slapd: FAILED to start; output:" >&2; cat "$SLAPD_TMP/slapd.log" >&2; rm -rf "$SLAPD_TMP"; return 1; }
  eval "slapd_cleanup() { slapd_stop \"$SLAPD_TMP\"; }"
  local i url="ldap://127.0.0.1:$port"
  for i in $(seq 1 50); do
    ldapsearch -x -H "$url" -s base -b "" >/dev/null 2>&1 && break
    sleep 0.1
  done
  ldapadd -x -H "$url" -D "$admin" -w "$adminpw" >"$SLAPD_TMP/init.log" 2>&1 <<LDIF || {
dn: $base
objectClass: dcObject
objectClass: organization
dc: uni
o: University of Example

dn: ou=Service Accounts,$base
objectClass: organizationalUnit
ou: Service Accounts

dn: $reader
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: calldesk-import
userPassword: $readerpw
LDIF
    echo "slapd: FAILED: started but the base entries could not be added at $url:" >&2
    cat "$SLAPD_TMP/init.log" >&2
    slapd_cleanup
    return 1
  }
  export CALLDESK_TEST_LDAP="$url"
  export CALLDESK_TEST_LDAPS="ldaps://127.0.0.1:$tlsport"
  export CALLDESK_TEST_LDAP_CA="$SLAPD_TMP/cert.pem"
  export CALLDESK_TEST_LDAP_BASE="$base"
  export CALLDESK_TEST_LDAP_ADMIN_DN="$admin"
  export CALLDESK_TEST_LDAP_ADMIN_PASSWORD="$adminpw"
  export CALLDESK_TEST_LDAP_BIND_DN="$reader"
  export CALLDESK_TEST_LDAP_BIND_PASSWORD="$readerpw"
  echo "slapd: started $(dpkg-query -W -f='${Version}' slapd 2>/dev/null) on $CALLDESK_TEST_LDAP (StartTLS) and $CALLDESK_TEST_LDAPS (TLS); mdb in $SLAPD_TMP"
}
