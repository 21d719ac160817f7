package console

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/access/accesstest"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestRoleRouteMatrix is the role x route matrix of DESIGN section 4 for the console. It walks
// every route registered on the console's mux (built on a recorder: every pattern registered must
// be a route of c.routes(), which declares its capability, or the catch-all page; with the
// quarantine, OpenID Connect and SAML configured so their routes are there too) for no session and for an account of every role desk.AllRoles
// knows (and a supplier who is also a customer): each route declares a known capability; without
// a session it answers 401; an account that may not work calls, or lacks what the route
// declares, gets 403 (a supplier-only account on every route); the others are let through. The
// columns refused at the door change nothing.
func TestRoleRouteMatrix(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		ctx := context.Background()
		buf := audit.NewRecorder(se.S)
		t.Cleanup(buf.Close)
		sessions := &access.Sessions{Store: se.S, Now: se.Clock.Now}
		c := &Console{Store: se.S, Audit: buf, Sessions: sessions, Now: se.Clock.Now,
			Quarantine: &mail.Mailroom{Store: se.S, Intakes: map[string]*mail.Intake{"servicedesk": {Store: se.S, GroupID: se.F.ServiceDesk.ID}}}}
		c.SSO, c.SAML = accesstest.SSO(t, se.S, se.Clock.Now, "http://calldesk.example")
		mux := accesstest.NewMux()
		h := c.handler(mux)
		call, err := se.S.CreateCall(ctx, storetest.Actor(se.F.Ann), desk.NewCall{Summary: "Printer jam", CustomerID: se.F.Dan.ID,
			Source: desk.SourcePhone, GroupID: se.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		cols := accesstest.Columns(t, se.S, se.F.Admin)
		// Those refused at the console's door first: the call must not change while they walk.
		slices.SortStableFunc(cols, func(a, b accesstest.Column) int {
			return b2i(access.Can(a.Account, access.WorkCalls)) - b2i(access.Can(b.Account, access.WorkCalls))
		})
		routes := c.routes()
		// Signing out ends the session the other requests use: last.
		slices.SortStableFunc(routes, func(a, b route) int { return b2i(a.Pattern == "/signout") - b2i(b.Pattern == "/signout") })
		fill := strings.NewReplacer("{ref}", call.Ref, "{queue}", "mine", "{id}", fmt.Sprint(se.F.Dan.ID), "{entry}", "1",
			"{source}", "campus", "{class}", "closed_calls", "{file}", "1", "{$}", "")
		form := url.Values{"version": {fmt.Sprint(call.Version)}, "text": {"x"}, "resolution": {"x"}, "reason": {"x"},
			"group": {fmt.Sprint(se.F.ServiceDesk.ID)}, "analyst": {fmt.Sprint(se.F.Ann.ID)}, "summary": {"x"},
			"customer": {fmt.Sprint(se.F.Dan.ID)}, "customer_id": {fmt.Sprint(se.F.Dan.ID)}}
		var matrix []accesstest.Route
		for _, rt := range routes {
			matrix = append(matrix, accesstest.Route{Method: rt.Method, Pattern: rt.Pattern, Needs: rt.Needs})
		}
		// What the mux serves is what the matrix walks: the routes, and the page for any other path.
		accesstest.Registered(t, mux, matrix, "/")
		// Every route, the single sign-on ones among them: with each declaration (public ones too)
		// checked by the walk.
		for _, want := range []string{"GET /signin/oidc", "GET /signin/oidc/callback", "GET /signin/saml",
			"POST /signin/saml/acs", "GET /saml/metadata", "GET /mail/quarantine", "GET /mail/log",
			"GET /breaches/report", "POST /breaches/report", "GET /dpo/breaches/{id}", "POST /dpo/breaches/{id}/people",
			"GET /dpo/disclosures/{id}", "POST /dpo/disclosures/{id}/data.zip"} {
			if !slices.Contains(mux.Patterns, want) {
				t.Errorf("%s is not on the console's mux: the matrix does not cover it", want)
			}
		}
		if len(matrix) < 61 {
			t.Fatalf("only %d routes on the console's mux: the route table is not what this test expects", len(matrix))
		}
		surface := accesstest.Surface{Handler: h, Cookie: sessionCookie, Entry: access.WorkCalls,
			Supplier: "supplier access is open only under a running grant", Sessions: sessions, Session: store.SurfaceConsole}
		checked, supplier := accesstest.Walk(t, surface, cols, matrix, fill, form, func(col accesstest.Column) {
			if access.Can(col.Account, access.WorkCalls) {
				return
			}
			now, err := se.S.FindCallByRef(ctx, call.Ref)
			if err != nil || now.Version != call.Version {
				t.Fatalf("the call changed while %s walked: v%d -> v%d (%v)", col.Name, call.Version, now.Version, err)
			}
			if _, n, err := se.S.FindCalls(ctx, store.CallFilter{}); err != nil || n != 1 {
				t.Fatalf("%d calls after %s walked, want 1 (%v)", n, col.Name, err)
			}
		})
		if checked < 9*45 || supplier < 45 {
			t.Fatalf("only %d requests checked (%d as a supplier): the route table is not what this test expects", checked, supplier)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
