#!/usr/bin/env bash
# make test: every test of every package, with the store suite on SQLite and PostgreSQL and the
# console's pages in a real headless Chromium (with axe-core's accessibility checks), the IMAP
# fetcher against a real Dovecot, the directory import's LDAP source against a real slapd, the SAR
# bundle's AES-encrypted archive against a real 7-Zip, then
# the inbound mail parser's fuzz test for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
. scripts/browser.sh
. scripts/dovecot.sh
. scripts/slapd.sh
. scripts/sevenzip.sh
browser_setup
sevenzip_setup
trap 'pg_cleanup; dovecot_cleanup; slapd_cleanup' EXIT
pg_setup
dovecot_setup
slapd_setup
export CI="${CI:-}"
echo "== go vet"
go vet ./...
echo "== go test (SQLite always; PostgreSQL at ${CALLDESK_TEST_POSTGRES%%\?*}; Dovecot at $CALLDESK_TEST_IMAP; slapd at $CALLDESK_TEST_LDAP)"
go test -count=1 -timeout 20m ./...
# The fuzzer fails the run on a crash, a hang or a broken invariant, and only then writes the input
# to internal/mail/testdata/fuzz/FuzzParse: commit it, and it is a regression seed from then on.
echo "== fuzz: FuzzParse for ${FUZZTIME:-20s}"
go test -run='^$' -fuzz='^FuzzParse$' -fuzztime="${FUZZTIME:-20s}" ./internal/mail
