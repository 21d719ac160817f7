package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestServeThroughPgBouncer: `calldesk serve` on a database reached through PgBouncer in
// transaction pooling mode (CALLDESK_TEST_PGBOUNCER, a URL with pooler=transaction) migrates an
// empty database, takes calls through the API and reads them back, and stops cleanly, with every
// audit record sealed.
func TestServeThroughPgBouncer(t *testing.T) {
	if !slices.Contains(storetest.Engines(t), "postgres") {
		t.Skip("PostgreSQL only")
	}
	dsn := storetest.PgBouncerDSN(t, storetest.DSN(t, "postgres"))
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate from empty through PgBouncer: %v", err)
	}
	f := storetest.Seed(t, s)
	acct, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
	if err != nil {
		t.Fatal(err)
	}
	tok, hash, err := access.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateToken(ctx, f.Admin, acct.ID, "test", hash, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out, errb := &storetest.SyncBuffer{}, &storetest.SyncBuffer{}
	done := make(chan int)
	go func() {
		done <- Main(sctx, Env{Args: []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn"},
			Getenv: func(string) string { return "" }, Stdout: out, Stderr: errb})
	}()
	var base string
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+/)`)
	for i := 0; i < 1000 && base == ""; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not say where it listens; stdout %q stderr %q", out.String(), errb.String())
	}
	do := func(method, path string, body any) (int, []byte) {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	var refs []string
	for i := range 20 {
		code, b := do("POST", "api/v1/calls", map[string]any{"summary": "Projector in LT" + string(rune('A'+i)) + " shows no signal", "customer_id": f.Dan.ID})
		if code != 201 {
			t.Fatalf("POST call: %d %s", code, b)
		}
		var c struct{ Ref, Summary string }
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, c.Ref)
	}
	for i, ref := range refs {
		code, b := do("GET", "api/v1/calls/"+ref, nil)
		if code != 200 || !strings.Contains(string(b), "Projector in LT"+string(rune('A'+i))) {
			t.Fatalf("GET %s: %d %s", ref, code, b)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if strings.Contains(errb.String(), "prepared statement") {
		t.Errorf("serve's log: %s", errb.String())
	}
	raw := storetest.Raw(t, "postgres", dsn)
	if n := raw.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.create'`); n != len(refs) {
		t.Errorf("%d call.create records for %d calls", n, len(refs))
	}
	if n := raw.Count(t, `SELECT COUNT(*) FROM audit_pending`); n != 0 {
		t.Errorf("%d audit records left unsealed after a clean shutdown", n)
	}
}
