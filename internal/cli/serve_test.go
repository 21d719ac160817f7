package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// seededDB makes a migrated SQLite database with the store fixture, a call and an API token for
// Ann (an analyst), and returns its path, the token and the fixture.
func seededDB(t *testing.T) (string, string, storetest.Fixture, desk.Call) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "calldesk.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
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
	c, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Laptop will not boot", CustomerID: f.Dan.ID})
	if err != nil {
		t.Fatal(err)
	}
	return path, tok, f, c
}

// TestServeAndCleanShutdown starts calldesk serve, reads a call and a person through the API,
// stops the server the way a signal does, and checks that the records of those reads were written
// and sealed into the chain: none is lost on a clean shutdown.
func TestServeAndCleanShutdown(t *testing.T) {
	path, tok, f, c := seededDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &storetest.SyncBuffer{}, &storetest.SyncBuffer{}
	done := make(chan int)
	go func() {
		done <- Main(ctx, Env{Args: []string{"serve", "--db", path, "--addr", "127.0.0.1:0", "--log-level", "warn"},
			Getenv: func(string) string { return "" }, Stdout: out, Stderr: errb})
	}()
	var base string
	re := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+/)`)
	for i := 0; i < 200 && base == ""; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not say where it listens; stdout %q stderr %q", out.String(), errb.String())
	}
	get := func(path string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("api/v1/calls/" + c.Ref); code != 200 {
		t.Fatalf("GET call: %d", code)
	}
	if code := get(fmt.Sprintf("api/v1/people/%d", f.Eve.ID)); code != 200 {
		t.Fatalf("GET person: %d", code)
	}
	// The console is mounted beside the API: its sign-in page, and pages needing a session.
	for path, want := range map[string]int{"signin": 200, "queues/mine": 401, "static/none.js": 404, "portal/signin": 200, "portal/": 401, "portal/privacy": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 200 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")) {
			t.Fatalf("GET /%s: %d %s, want %d HTML", path, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
	}
	cancel() // as SIGTERM does
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}

	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, want := range []struct {
		typ, id string
		action  string
	}{{"call", c.Ref, "call.view"}, {"person", fmt.Sprint(f.Eve.ID), "person.view"}} {
		recs, _, err := s.FindAudit(context.Background(), store.AuditFilter{ObjectType: want.typ, ObjectID: want.id})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			if r.Action == want.action && r.ActorID == f.Ann.ID && r.ClientAddr == "127.0.0.1" {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s record by Ann from 127.0.0.1 after shutdown: %+v", want.action, recs)
		}
	}
	if n, err := s.PendingAudit(context.Background()); err != nil || n != 0 {
		t.Errorf("%d audit records left unsealed after a clean shutdown (%v)", n, err)
	}
	rep, err := audit.Verify(context.Background(), s)
	if err != nil || !rep.OK() {
		t.Errorf("verify after shutdown: %v %+v", err, rep)
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	path, _, _, _ := seededDB(t)
	r := runCLI(t, nil, "audit", "verify", "--db", path)
	if r.code != 0 || !strings.Contains(r.stdout, "the audit trail is intact") {
		t.Fatalf("intact trail: %+v", r)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	// The check is kept as evidence for the DPO's compliance page.
	var checked, problems int
	if err := raw.QueryRow(`SELECT checked, problems FROM audit_verifications ORDER BY id DESC LIMIT 1`).Scan(&checked, &problems); err != nil || checked == 0 || problems != 0 {
		t.Fatalf("the check was not recorded: %d links, %d problems, %v", checked, problems, err)
	}
	var id int64
	if err := raw.QueryRow(`SELECT id FROM audit_log WHERE action = 'call.create'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET actor = 'someone else' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	r = runCLI(t, nil, "audit", "verify", "--db", path)
	want := fmt.Sprintf("(audit record %d) altered", id)
	if r.code != 1 || !strings.Contains(r.stderr, "tampered with") || !strings.Contains(r.stderr, want) {
		t.Fatalf("tampered trail: exit %d stderr %q, want it to name %q", r.code, r.stderr, want)
	}
}

// TestAuditVerifyCommandPeopleLinks (issue 15 point 6): deleting a person's link to a record
// (their "who has seen my data" then hides it) makes audit verify fail, naming the record.
func TestAuditVerifyCommandPeopleLinks(t *testing.T) {
	path, _, _, _ := seededDB(t)
	if r := runCLI(t, nil, "audit", "verify", "--db", path); r.code != 0 {
		t.Fatalf("intact trail: %+v", r)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := raw.QueryRow(`SELECT MIN(audit_id) FROM audit_persons`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM audit_persons WHERE audit_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	r := runCLI(t, nil, "audit", "verify", "--db", path)
	want := fmt.Sprintf("(audit record %d) altered: its links to the people it concerns were changed", id)
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("a deleted link: exit %d stderr %q, want it to say %q", r.code, r.stderr, want)
	}
}

// TestServeSCIM: with --scim-token, serve offers the SCIM service, behind its token.
func TestServeSCIM(t *testing.T) {
	path, _, _, _ := seededDB(t)
	srv := startServe(t, path, map[string]string{"CALLDESK_SCIM_TOKEN": "s3cret-scim"})
	for _, tc := range []struct {
		token  string
		status int
	}{{"", http.StatusUnauthorized}, {"s3cret-scim", http.StatusOK}} {
		req, _ := http.NewRequest("GET", srv.base+"/scim/v2/Users?count=1", nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status || res.Header.Get("Content-Type") != "application/scim+json" {
			t.Fatalf("token %q: %d %s", tc.token, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}
