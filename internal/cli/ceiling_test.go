package cli

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ceiling server of make bench (issue 22 point 1) answers the create benchmark as calldesk
// does, with one row per create in its database, and refuses an address off this machine.
func TestBenchCeiling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ceiling.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{Args: []string{"bench", "ceiling", "--db", path, "--addr", addr}, Getenv: func(string) string { return "" },
			Stdout: &out, Stderr: &out, Now: time.Now})
	}()
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/api/v1/groups"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the ceiling did not start: %v (%s)", err, out.String())
	}
	resp.Body.Close()
	var b benchClient
	b.base, b.token, b.hc = "http://"+addr, "any", http.DefaultClient
	b.bases = []string{b.base}
	var res bytes.Buffer
	if err := b.create(ctx, &res, 2, time.Second, false); err != nil {
		t.Fatalf("the create benchmark against the ceiling: %v", err)
	}
	if !strings.Contains(res.String(), "0 errors") {
		t.Errorf("the benchmark's report: %s", res.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("the ceiling exited %d: %s", code, out.String())
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ceiling_calls WHERE body LIKE '{"customer_id":%'`).Scan(&n); err != nil || n < 10 {
		t.Errorf("%d creates stored with their bodies (%v), want a second's worth", n, err)
	}
	if r := runCLI(t, nil, "bench", "ceiling", "--db", path, "--addr", "0.0.0.0:8090"); r.code == 0 || !strings.Contains(r.stderr, "loopback") {
		t.Errorf("an address off this machine: exit %d, %q", r.code, r.stderr)
	}
}
