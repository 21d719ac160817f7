package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/access/accesstest"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSupplierGrantScopes (issue 20 item 1) is the authorization matrix's supplier-under-grant
// columns, one per scope: a supplier-only account signed in under a running grant walks every
// route of the console's mux; the routes its scope opens (listed here, literally) answer, every
// other route answers 403, whatever the route needs; every request is recorded against the grant;
// the page carries the grant's end; a special-category call's text is masked; the customer whose
// call was read finds "supplier, under grant N, for reason R" among who has seen their data; and
// when the window ends the next request is refused, and the wind-up ends the session.
func TestSupplierGrantScopes(t *testing.T) {
	t.Parallel()
	opens := map[string][]string{
		store.GrantNamed: {"GET /calls/{ref}"},
		store.GrantCalls: {"GET /calls/{ref}", "GET /people/{id}", "GET /queues/{queue}"},
		store.GrantConfig: {"GET /admin/imports", "GET /admin/mail", "GET /admin/replies", "GET /admin/replies/{id}", "GET /admin/sla",
			"GET /admin/sla/calendars/new", "GET /admin/sla/calendars/{id}", "GET /admin/sla/escalations/new", "GET /admin/sla/escalations/{id}",
			"GET /admin/sla/preview", "GET /admin/sla/rules/new", "GET /admin/sla/rules/{id}", "GET /admin/wallboards", "GET /admin/grants", "GET /admin/groups"},
	}
	// Open to any grant: finishing signing in (the second factor) and signing out.
	always := []string{"GET /signin/code", "POST /signin/code", "GET /account/second-factor", "POST /account/second-factor", "POST /signout"}
	for _, scope := range []string{store.GrantNamed, store.GrantCalls, store.GrantConfig} {
		t.Run(scope, func(t *testing.T) {
			t.Parallel()
			storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
				ctx := context.Background()
				buf := audit.NewRecorder(se.S)
				t.Cleanup(buf.Close)
				sessions := &access.Sessions{Store: se.S, Now: se.Clock.Now}
				grants := &access.Grants{Store: se.S, Now: se.Clock.Now}
				c := &Console{Store: se.S, Audit: buf, Sessions: sessions, Grants: grants, Now: se.Clock.Now}
				mux := accesstest.NewMux()
				h := c.handler(mux)
				hash, _ := access.HashPassword("a long test password 1")
				if _, err := se.S.CreateAccount(ctx, se.F.Admin, desk.Account{PersonID: se.F.Cat.ID, Login: "csupplier", PasswordHash: hash,
					Roles: []desk.Role{desk.RoleSupplier}}); err != nil {
					t.Fatal(err)
				}
				call, err := se.S.CreateCall(ctx, storetest.Actor(se.F.Ann), desk.NewCall{Summary: "Counselling appointment", Description: "my anxiety is worse",
					CustomerID: se.F.Dan.ID, Source: desk.SourcePhone, GroupID: se.F.ServiceDesk.ID, SpecialCategory: true})
				if err != nil {
					t.Fatal(err)
				}
				gr, err := grants.Request(ctx, storetest.Actor(se.F.Ann), access.GrantRequest{Login: "csupplier", ProcessorID: storetest.Processor(t, se.S, "Hornbill Technologies Ltd").ID,
					Reason: "fault SW-4411", Scope: scope, Calls: call.Ref, Hours: 1})
				if err != nil {
					t.Fatal(err)
				}
				if gr, err = grants.Decide(ctx, storetest.Actor(se.F.Bob), gr.ID, true, ""); err != nil {
					t.Fatal(err)
				}
				ss, err := sessions.SignIn(ctx, access.SignIn{Login: "csupplier", Password: "a long test password 1", Addr: "10.0.0.9", Console: true})
				if err != nil {
					t.Fatal(err)
				}
				get := func(method, path string) *httptest.ResponseRecorder {
					form := url.Values{"text": {"x"}, "reason": {"x"}, "summary": {"x"}, "version": {"1"}}.Encode()
					req := httptest.NewRequest(method, path, strings.NewReader(form))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: ss.Token})
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					return w
				}
				fill := strings.NewReplacer("{ref}", call.Ref, "{queue}", "unassigned", "{id}", fmt.Sprint(se.F.Dan.ID), "{entry}", "1",
					"{source}", "campus", "{class}", "closed_calls", "{token}", "x", "{name}", "x", "{$}", "")
				routes := c.routes()
				checked := 0
				for _, rt := range routes {
					key := rt.Method + " " + rt.Pattern
					if rt.Needs == access.Public || rt.Pattern == "/signout" || rt.Pattern == "/{$}" {
						continue
					}
					w := get(rt.Method, fill.Replace(rt.Pattern))
					open := slices.Contains(opens[scope], key) || slices.Contains(always, key)
					switch {
					case open && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized):
						t.Errorf("%s under a %s grant: %d, want it open\n%.300s", key, scope, w.Code, w.Body.String())
					case !open && w.Code != http.StatusForbidden:
						t.Errorf("%s under a %s grant: %d, want 403", key, scope, w.Code)
					}
					checked++
				}
				if checked < 60 {
					t.Fatalf("only %d routes walked", checked)
				}
				// The console's home sends the supplier to their scope's first page.
				if w := get("GET", "/"); w.Code != http.StatusSeeOther {
					t.Fatalf("home under a grant: %d", w.Code)
				}
				// Every request under the grant is recorded against it.
				recs, err := se.S.SARAudit(ctx, se.F.Cat.ID, 0, 5000)
				if err != nil {
					t.Fatal(err)
				}
				uses := 0
				for _, r := range recs {
					if r.Action == "grant.use" && r.ObjectID == fmt.Sprint(gr.ID) && r.Reason == gr.Words() {
						uses++
					}
				}
				if uses < len(opens[scope]) {
					t.Fatalf("%d requests recorded against the grant, want at least %d", uses, len(opens[scope]))
				}
				if scope != store.GrantConfig {
					w := get("GET", "/calls/"+call.Ref)
					body := w.Body.String()
					if w.Code != http.StatusOK || !strings.Contains(body, "grant-banner") || !strings.Contains(body, "ends at") ||
						strings.Contains(body, "my anxiety") || !strings.Contains(body, "special-category") {
						t.Fatalf("the call under the grant: %d, banner, special-category text masked?\n%s", w.Code, body)
					}
					// Who has seen Dan's data: the supplier, under the grant, for its reason.
					recs, err := se.S.SARAudit(ctx, se.F.Dan.ID, 0, 5000)
					if err != nil {
						t.Fatal(err)
					}
					found := false
					for _, r := range recs {
						if r.Action == "call.view" && strings.Contains(r.Actor, fmt.Sprintf("supplier, under grant %d, for reason fault SW-4411", gr.ID)) {
							found = true
						}
					}
					if !found {
						t.Fatal("Dan's record of the supplier's reading does not name the grant and its reason")
					}
				}
				// The window ends: the next request is refused and the session is over.
				for range 2 {
					se.Clock.Advance(29 * time.Minute)
					if w := get("GET", "/account/second-factor"); w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized {
						t.Fatalf("within the window: %d", w.Code)
					}
				}
				se.Clock.Advance(2 * time.Minute)
				if w := get("GET", "/account/second-factor"); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "only under a running grant") {
					t.Fatalf("after the window: %d", w.Code)
				}
				// The wind-up job ends the grant's sessions.
				if n, err := grants.EndDue(ctx); err != nil || n != 1 {
					t.Fatalf("wind-up: %d %v", n, err)
				}
				if _, _, _, err := se.S.FindSession(ctx, access.TokenHash(ss.Token)); desk.ErrorCode(err) != desk.EUNAUTHORIZED {
					t.Fatalf("the session outlived the grant's wind-up: %v", err)
				}
			})
		})
	}
}
