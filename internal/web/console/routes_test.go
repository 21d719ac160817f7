package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestEveryPageNeedsAnAnalyst walks every console route that is not public: without a session
// each answers 401, and with a customer's session (a SupportMe account) each answers 403 and
// changes nothing (the role x route matrix of DESIGN section 4, for the console).
func TestEveryPageNeedsAnAnalyst(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		ctx := context.Background()
		buf := audit.NewBuffer(se.S, nil, time.Hour, 1000)
		t.Cleanup(buf.Close)
		sessions := &access.Sessions{Store: se.S, Now: se.Clock.Now}
		c := &Console{Store: se.S, Audit: buf, Sessions: sessions, Now: se.Clock.Now}
		h := c.Handler()
		call, err := se.S.CreateCall(ctx, storetest.Actor(se.F.Ann), desk.NewCall{Summary: "Printer jam", CustomerID: se.F.Dan.ID,
			Source: desk.SourcePhone, GroupID: se.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		acct, err := se.S.CreateAccount(ctx, se.F.Admin, desk.Account{PersonID: se.F.Dan.ID, Login: se.F.Dan.Username,
			Roles: []desk.Role{desk.RoleCustomer}})
		if err != nil {
			t.Fatal(err)
		}
		ss, err := sessions.Start(ctx, acct, store.SurfaceConsole, "password", "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		fill := strings.NewReplacer("{ref}", call.Ref, "{queue}", "mine", "{id}", fmt.Sprint(se.F.Dan.ID), "{entry}", "1", "{source}", "campus", "{$}", "")
		form := url.Values{"version": {fmt.Sprint(call.Version)}, "text": {"x"}, "resolution": {"x"}, "reason": {"x"},
			"group": {fmt.Sprint(se.F.ServiceDesk.ID)}, "analyst": {fmt.Sprint(se.F.Ann.ID)}, "summary": {"x"},
			"customer": {fmt.Sprint(se.F.Dan.ID)}, "customer_id": {fmt.Sprint(se.F.Dan.ID)}}
		checked := 0
		for _, rt := range c.routes() {
			if rt.Public {
				continue
			}
			path := fill.Replace(rt.Pattern)
			for _, cookie := range []string{"", ss.Token} {
				var body *strings.Reader
				if rt.Method == "POST" {
					body = strings.NewReader(form.Encode())
				} else {
					body = strings.NewReader("")
				}
				req := httptest.NewRequest(rt.Method, path, body)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				if cookie != "" {
					req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				want := http.StatusUnauthorized
				if cookie != "" {
					want = http.StatusForbidden
				}
				if w.Code != want {
					t.Errorf("%s %s (session: %v): %d, want %d", rt.Method, path, cookie != "", w.Code, want)
				}
				checked++
			}
		}
		if checked < 30 {
			t.Fatalf("only %d requests checked: the route table is not what this test expects", checked)
		}
		now, err := se.S.FindCallByRef(ctx, call.Ref)
		if err != nil || now.Version != call.Version {
			t.Fatalf("the call changed: v%d -> v%d (%v)", call.Version, now.Version, err)
		}
		if _, n, err := se.S.FindCalls(ctx, store.CallFilter{}); err != nil || n != 1 {
			t.Fatalf("%d calls after the walk, want 1 (%v)", n, err)
		}
	})
}
