package cli

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"calldesk/internal/store/storetest"
)

type run struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), Env{Args: args, Getenv: func(k string) string { return env[k] },
		Stdout: &out, Stderr: &errb, Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }})
	return run{code, out.String(), errb.String()}
}

func TestHelpListsEveryCommand(t *testing.T) {
	r := runCLI(t, nil, "help")
	if r.code != 0 {
		t.Fatalf("help exit %d", r.code)
	}
	for _, c := range []string{"serve", "migrate", "demo", "password", "import", "audit", "sar", "retention", "version", "help"} {
		if !strings.Contains(r.stdout, "\n  "+c+" ") {
			t.Errorf("help does not list %s:\n%s", c, r.stdout)
		}
	}
}

func TestEveryCommandTakesH(t *testing.T) {
	for _, args := range [][]string{{"serve", "-h"}, {"migrate", "-h"}, {"demo", "-h"}, {"password", "-h"}, {"audit", "verify", "-h"}, {"audit", "-h"}, {"sar", "-h"}, {"retention", "-h"}, {"version", "-h"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 {
			t.Errorf("%v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr+r.stdout, "Usage: calldesk "+args[0]) {
			t.Errorf("%v: no usage text: %q %q", args, r.stdout, r.stderr)
		}
	}
}

func TestBadConfigurationStopsWithOneClearLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad addr flag", nil, []string{"serve", "--db", db, "--addr", "nonsense"}, "--addr=nonsense: is not host:port"},
		{"bad addr env", map[string]string{"CALLDESK_ADDR": "127.0.0.1:99999"}, []string{"serve", "--db", db}, "CALLDESK_ADDR=127.0.0.1:99999: port \"99999\" is not a number from 0 to 65535"},
		{"bad db url", map[string]string{"CALLDESK_DB": "mysql://x"}, []string{"migrate"}, "CALLDESK_DB=(secret): is a URL but not postgres://"},
		{"missing db file", map[string]string{"CALLDESK_DB_FILE": filepath.Join(dir, "nope")}, []string{"migrate"}, "CALLDESK_DB_FILE: cannot read"},
		{"bad duration", nil, []string{"serve", "--db", db, "--auto-close", "soon"}, "--auto-close=soon: is not a duration"},
		{"bad log format", map[string]string{"CALLDESK_LOG_FORMAT": "xml"}, []string{"serve", "--db", db}, "CALLDESK_LOG_FORMAT=xml: must be one of text, json"},
		{"bad proxy", nil, []string{"serve", "--db", db, "--trusted-proxies", "10.0.0.0/8,lb"}, "--trusted-proxies=10.0.0.0/8,lb: \"lb\" is neither an IP address nor a CIDR range like 10.0.0.0/8"},
		{"bad attachment size", nil, []string{"serve", "--db", db, "--attachment-max", "lots"}, "--attachment-max=lots: is not a size (for example 25MiB, 500KiB or 1048576)"},
		{"attachment size too large", map[string]string{"CALLDESK_ATTACHMENT_MAX": "2GiB"}, []string{"serve", "--db", db}, "CALLDESK_ATTACHMENT_MAX=2GiB: must be between 1 KiB and 100 MiB"},
		{"leaver grace too long", map[string]string{"CALLDESK_LEAVER_PORTAL_GRACE": "9000h"}, []string{"serve", "--db", db}, "CALLDESK_LEAVER_PORTAL_GRACE=9000h: must be between 0s and 2160h0m0s"},
		{"attachment type never allowed", nil, []string{"serve", "--db", db, "--attachment-types", "pdf,html"}, "--attachment-types=pdf,html: html can never be allowed: a browser or the desktop would run it"},
		{"attachment type unknown", nil, []string{"serve", "--db", db, "--attachment-types", "pdf,psd"}, "--attachment-types=pdf,psd: psd is not a type calldesk knows"},
		{"bad mail auth id", nil, []string{"serve", "--db", db, "--mail-auth-serv-id", "mx.uni.example,mx2.uni.example"}, "--mail-auth-serv-id=mx.uni.example,mx2.uni.example: is one authserv-id, not a list"},
		{"mail size too small", nil, []string{"serve", "--db", db, "--mail-max-message", "500KiB"}, "--mail-max-message=500KiB: must be between 1 MiB and 512 MiB"},
		{"bad mail size", map[string]string{"CALLDESK_MAIL_MAX_MESSAGE": "big"}, []string{"serve", "--db", db}, "CALLDESK_MAIL_MAX_MESSAGE=big: is not a size"},
		{"bad own domain", map[string]string{"CALLDESK_MAIL_OWN_DOMAINS": "uni.example, @alumni"}, []string{"serve", "--db", db}, `CALLDESK_MAIL_OWN_DOMAINS=uni.example, @alumni: "@alumni" is not a domain name`},
		{"bad time zone", nil, []string{"serve", "--db", db, "--timezone", "Mars/Olympus"}, "--timezone=Mars/Olympus: is not a time zone name like Europe/London"},
		{"bad calls", nil, []string{"demo", "--db", db, "--calls", "-5"}, "--calls=-5: must be between"},
		{"unknown flag", nil, []string{"migrate", "--nope"}, "flag provided but not defined: -nope"},
		{"stray argument", nil, []string{"migrate", "--db", db, "extra"}, `unexpected argument "extra"`},
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"audit without verb", nil, []string{"audit"}, "calldesk audit verify"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.env, c.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2; stderr %q", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q does not say %q", r.stderr, c.want)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "calldesk") {
				t.Errorf("last line %q is not calldesk's one-line error", last)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a rejected configuration still created the database")
	}
}

func TestDBFromFileSecret(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "secret.db")
	secret := filepath.Join(dir, "dsn")
	os.WriteFile(secret, []byte(db+"\n"), 0o600)
	r := runCLI(t, map[string]string{"CALLDESK_DB_FILE": secret}, "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "applied") {
		t.Fatalf("migrate via _FILE: %+v", r)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("database not created at the path from the file: %v", err)
	}
	// A flag wins over the variable.
	other := filepath.Join(dir, "flag.db")
	if r := runCLI(t, map[string]string{"CALLDESK_DB_FILE": secret}, "migrate", "--db", other); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("the --db flag did not win over CALLDESK_DB_FILE")
	}
}

func TestMigrateIsIdempotentAndRefusesANewerSchema(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	if r := runCLI(t, nil, "migrate", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "applied") {
		t.Fatalf("first migrate: %+v", r)
	}
	if r := runCLI(t, nil, "migrate", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "up to date") {
		t.Fatalf("second migrate: %+v", r)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for _, args := range [][]string{{"migrate", "--db", db}, {"serve", "--db", db, "--addr", "127.0.0.1:0"}} {
		r := runCLI(t, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "newer than this calldesk knows") {
			t.Errorf("%v on a newer schema: exit %d, stderr %q", args[0], r.code, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "calldesk ") || !strings.Contains(r.stdout, "go1.") {
		t.Fatalf("%+v", r)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"25MiB": 25 << 20, "500KiB": 500 << 10, "1GiB": 1 << 30, "2MB": 2_000_000,
		"1048576": 1 << 20, "10 kb": 10_000, "300B": 300} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1MiB", "1.5MiB", "ten", "99999999999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// served is a `calldesk serve` running in the test, on a free port of 127.0.0.1.
type served struct {
	base        string // http://127.0.0.1:port
	out, errOut *storetest.SyncBuffer
}

// freeAddr is a free port on 127.0.0.1, as host:port.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe runs serve with the database at path, args and environment env until the test
// ends, and waits until it says it is serving.
func startServe(t *testing.T, path string, env map[string]string, args ...string) *served {
	t.Helper()
	return startServeAt(t, freeAddr(t), path, env, args...)
}

// startServeAt is startServe on addr (from freeAddr), for a test that must know the address
// first (to register it with an identity provider).
func startServeAt(t *testing.T, addr, path string, env map[string]string, args ...string) *served {
	t.Helper()
	s := &served{base: "http://" + addr, out: &storetest.SyncBuffer{}, errOut: &storetest.SyncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- Main(ctx, Env{Args: append([]string{"serve", "--db", path, "--addr", addr, "--log-level", "warn"}, args...),
			Getenv: func(k string) string { return env[k] }, Stdout: s.out, Stderr: s.errOut})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	for i := 0; i < 500 && !strings.Contains(s.out.String(), "serving on"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(s.out.String(), "serving on") {
		t.Fatalf("serve did not start: %q %q", s.out.String(), s.errOut.String())
	}
	return s
}
