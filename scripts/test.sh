#!/usr/bin/env bash
# make test: every test of every package, with the store suite on SQLite and PostgreSQL and the
# console's pages in a real headless Chromium (with axe-core's accessibility checks), the store's
# key paths and `calldesk serve` through a real PgBouncer in transaction pooling mode, the IMAP
# fetcher against a real Dovecot, the directory import's LDAP source against a real slapd, the SAR
# bundle's AES-encrypted archive against a real 7-Zip, then
# the inbound mail parser's fuzz test for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg.sh
. scripts/pgbouncer.sh
. scripts/browser.sh
. scripts/dovecot.sh
. scripts/slapd.sh
. scripts/sevenzip.sh
browser_setup
sevenzip_setup
trap 'pgbouncer_cleanup; pg_cleanup; dovecot_cleanup; slapd_cleanup' EXIT
pg_setup
pgbouncer_setup
dovecot_setup
slapd_setup
export CI="${CI:-}"
echo "== go vet"
go vet ./...
echo "== go test (SQLite always; PostgreSQL at ${CALLDESK_TEST_POSTGRES%%\?*}, and through PgBouncer at ${CALLDESK_TEST_PGBOUNCER%%\?*}; Dovecot at $CALLDESK_TEST_IMAP; slapd at $CALLDESK_TEST_LDAP)"
go test -count=1 -timeout 20m ./...
# The fuzzer fails the run on a crash, a hang or a broken invariant, and only then writes the input
# to internal/mail/testdata/fuzz/FuzzParse: commit it, and it is a regression seed from then on.
# -fuzzminimizetime is a number of runs: by default the fuzzer spends up to 60 s shrinking each
# input that finds new coverage (O(n²) runs for n bytes), which took all of the 20 s and left the
# fuzzer at "execs: 64 (0/sec)" while it passed (see FuzzParse's comment).
fuzztime="${FUZZTIME:-20s}"
echo "== fuzz: FuzzParse for $fuzztime"
fuzzlog="$(mktemp)"
trap 'rm -f "$fuzzlog"; pgbouncer_cleanup; pg_cleanup; dovecot_cleanup; slapd_cleanup' EXIT
go test -run='^$' -fuzz='^FuzzParse$' -fuzztime="$fuzztime" -fuzzminimizetime="${FUZZMINIMIZETIME:-200x}" \
	./internal/mail 2>&1 | tee "$fuzzlog"
# A fuzzer that executes next to nothing passes too. For a time in seconds, fail when a 3 s stats
# line before the end shows no inputs run (a stall: minimizing, or an input that takes seconds), or
# when fewer than 50 inputs a second were run in all, some 30 times fewer than one worker runs on a
# shared 2-core machine.
if [[ $fuzztime =~ ^([0-9]+)s$ ]]; then
	awk -v limit="${BASH_REMATCH[1]}" '
		$1 == "fuzz:" && $4 == "execs:" {
			e = $3; t = 0
			if (e ~ /m/) { split(e, p, "m"); t = p[1] * 60; e = p[2] }
			sub(/s,$/, "", e); t += e
			execs = $5
			if (t < limit && $6 == "(0/sec),") { printf "FAIL: the fuzzer ran no inputs in the 3 s before %ss\n", t; bad = 1 }
		}
		END {
			if (execs + 0 < 50 * limit) { printf "FAIL: the fuzzer ran %d inputs in %ds, want at least %d\n", execs, limit, 50 * limit; bad = 1 }
			exit bad
		}' "$fuzzlog" >&2
fi
