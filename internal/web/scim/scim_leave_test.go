package scim_test

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
	"calldesk/internal/web/scim"
)

// TestSCIMLeaverPushedAgain: a PATCH or PUT that says active false of a user who left already
// (with another change, as Entra sends it) keeps them a leaver throughout: their date left
// stays (it starts the portal's grace period and the leavers' retention clock), no second leave
// is recorded, and they are never made active in between. A user whose processing is
// restricted leaves by a PATCH of active false too (a SCIM answer, not a refusal), and the rest
// of that PATCH is not taken.
func TestSCIMLeaverPushedAgain(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		svc := &scim.Service{Store: e.S, Token: token, BaseURL: "https://desk.uni.example"}
		hs := httptest.NewServer(svc.Handler())
		t.Cleanup(hs.Close)
		c := entra{t: t, base: hs.URL, tok: token}
		st, u := c.do("POST", "/scim/v2/Users", entraUser("hwong@uni.example", "7d2e-hw", "Helen", "Wong", "hwong@uni.example", "Lecturer", true))
		if st != 201 {
			t.Fatalf("create: %d %v", st, u)
		}
		id := u["id"].(string)
		if st, u = c.do("PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Replace", "path": "active", "value": "False"})); st != 200 || u["active"] != false {
			t.Fatalf("deactivate: %d %v", st, u)
		}
		leftAt := e.Clock.Now().UnixMicro()
		state := func() (active int, left int64, leaves, returns int) {
			t.Helper()
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT active, left_at FROM people WHERE id = ?`), id).Scan(&active, &left); err != nil {
				t.Fatal(err)
			}
			leaves = e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.leave' AND object_type = 'person' AND object_id = ?`, id)
			returns = e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE object_type = 'person' AND object_id = ? AND detail LIKE '%active again%'`, id)
			return
		}

		e.Clock.Advance(100 * 24 * time.Hour)
		if st, u = c.do("PATCH", "/scim/v2/Users/"+id, patch(map[string]any{"op": "Replace", "path": "active", "value": "False"},
			map[string]any{"op": "Replace", "path": "title", "value": "Emeritus"})); st != 200 || u["active"] != false || u["title"] != "Emeritus" {
			t.Fatalf("PATCH of a leaver: %d %v", st, u)
		}
		if active, left, leaves, returns := state(); active != 0 || left != leftAt || leaves != 1 || returns != 0 {
			t.Fatalf("after a PATCH 100 days on: active %d, left_at %d (want %d), %d leave records (want 1), %d returns (want 0)", active, left, leftAt, leaves, returns)
		}
		e.Clock.Advance(24 * time.Hour)
		if st, u = c.do("PUT", "/scim/v2/Users/"+id, entraUser("hwong@uni.example", "7d2e-hw", "Helen", "Wong", "hwong@uni.example", "Retired", false)); st != 200 || u["active"] != false {
			t.Fatalf("PUT of a leaver: %d %v", st, u)
		}
		if active, left, leaves, returns := state(); active != 0 || left != leftAt || leaves != 1 || returns != 0 {
			t.Fatalf("after a PUT: active %d, left_at %d (want %d), %d leave records (want 1), %d returns (want 0)", active, left, leftAt, leaves, returns)
		}

		// A restricted user disabled by a PATCH that also changes their title.
		st, u = c.do("POST", "/scim/v2/Users", entraUser("rking@uni.example", "0f9c-rk", "Rita", "King", "rking@uni.example", "Reader", true))
		if st != 201 {
			t.Fatalf("create: %d %v", st, u)
		}
		rid, _ := strconv.ParseInt(u["id"].(string), 10, 64)
		if err := e.S.Restrict(t.Context(), e.F.Admin, rid, true, "contested"); err != nil {
			t.Fatal(err)
		}
		if st, u = c.do("PATCH", "/scim/v2/Users/"+u["id"].(string), patch(map[string]any{"op": "Replace", "path": "active", "value": "False"},
			map[string]any{"op": "Replace", "path": "title", "value": "Professor"})); st != 200 || u["active"] != false || u["title"] != "Reader" {
			t.Fatalf("PATCH active false of a restricted user: %d %v, want 200, inactive, title unchanged", st, u)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM people WHERE id = ? AND active = 0 AND left_at IS NOT NULL AND job_title = 'Reader'`, rid); n != 1 {
			t.Fatal("the restricted user did not leave, or their record changed")
		}
	})
}
