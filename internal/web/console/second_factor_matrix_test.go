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
	"calldesk/internal/access/accesstest"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestPendingSessionOpensNothing (issue 20 item 2): a session whose password was right but whose
// second factor (or mandatory enrolment) is still to come reaches no handler but the pages that
// finish signing in: every other route of the console's mux, whatever it needs, sends a page
// request to them (303) and refuses anything else (403), and nothing changes.
func TestPendingSessionOpensNothing(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		ctx := context.Background()
		buf := audit.NewRecorder(se.S)
		t.Cleanup(buf.Close)
		// Every role mandatory: the account holding them all is pending enrolment.
		sessions := &access.Sessions{Store: se.S, Now: se.Clock.Now, SecondFactorRoles: desk.AllRoles()}
		c := &Console{Store: se.S, Audit: buf, Sessions: sessions, Now: se.Clock.Now}
		h := c.handler(accesstest.NewMux())
		hash, err := access.HashPassword("a long test password 1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := se.S.CreateAccount(ctx, se.F.Admin, desk.Account{PersonID: se.F.Ann.ID, Login: "aarcher", PasswordHash: hash,
			Roles: []desk.Role{desk.RoleAnalyst, desk.RoleSupportAnalyst, desk.RoleServiceManager, desk.RoleDPO, desk.RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		call, err := se.S.CreateCall(ctx, storetest.Actor(se.F.Bob), desk.NewCall{Summary: "Printer jam", CustomerID: se.F.Dan.ID,
			Source: desk.SourcePhone, GroupID: se.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		ss, err := sessions.SignIn(ctx, access.SignIn{Login: "aarcher", Password: "a long test password 1", Addr: "10.0.0.1", Console: true})
		if err != nil || ss.Pending != store.PendingEnrol {
			t.Fatalf("sign-in: pending %q %v", ss.Pending, err)
		}
		fill := strings.NewReplacer("{ref}", call.Ref, "{queue}", "mine", "{id}", fmt.Sprint(se.F.Dan.ID), "{entry}", "1",
			"{source}", "campus", "{class}", "closed_calls", "{$}", "")
		form := url.Values{"version": {fmt.Sprint(call.Version)}, "text": {"x"}, "resolution": {"x"}, "reason": {"x"},
			"group": {fmt.Sprint(se.F.ServiceDesk.ID)}, "analyst": {fmt.Sprint(se.F.Ann.ID)}, "summary": {"x"},
			"customer": {fmt.Sprint(se.F.Dan.ID)}, "customer_id": {fmt.Sprint(se.F.Dan.ID)}}.Encode()
		checked := 0
		for _, rt := range c.routes() {
			if rt.Needs == access.Public || finishesSignin(rt) {
				continue
			}
			path := fill.Replace(rt.Pattern)
			req := httptest.NewRequest(rt.Method, path, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: ss.Token})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			want := http.StatusForbidden
			if rt.Method == http.MethodGet {
				want = http.StatusSeeOther
			}
			if w.Code != want || (want == http.StatusSeeOther && !strings.HasPrefix(w.Header().Get("Location"), "/account/second-factor")) {
				t.Errorf("%s %s with a pending session: %d to %q, want %d to enrolment", rt.Method, path, w.Code, w.Header().Get("Location"), want)
			}
			checked++
		}
		if checked < 60 {
			t.Fatalf("only %d routes checked", checked)
		}
		if now, err := se.S.FindCallByRef(ctx, call.Ref); err != nil || now.Version != call.Version {
			t.Fatalf("the call changed: v%d -> v%d (%v)", call.Version, now.Version, err)
		}
	})
}
