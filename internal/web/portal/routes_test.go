package portal

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/access/accesstest"
	"calldesk/internal/audit"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestPortalRoleRouteMatrix is the role x route matrix of DESIGN section 4 for the portal: every
// route registered on the portal's mux (built on a recorder: every pattern registered must be a
// route of p.routes(), which declares its capability, or the catch-all page; with OpenID Connect
// and SAML configured so their routes are there too), for no session and for an account of every
// role desk.AllRoles knows (and a supplier who is also a customer). Each route declares a known
// capability; without a session it answers 401; an account that may not use the portal as a
// customer (a supplier-only one) gets 403 saying why; the others, a supplier who is also a
// customer among them, are let through.
func TestPortalRoleRouteMatrix(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, se *storetest.Env) {
		buf := audit.NewRecorder(se.S)
		t.Cleanup(buf.Close)
		sessions := &access.Sessions{Store: se.S, Now: se.Clock.Now}
		p := &Portal{Store: se.S, Audit: buf, Sessions: sessions, Now: se.Clock.Now}
		p.SSO, p.SAML = accesstest.SSO(t, se.S, se.Clock.Now, "http://calldesk.example")
		mux := accesstest.NewMux()
		h := p.handler(mux)
		cols := accesstest.Columns(t, se.S, se.F.Admin)
		routes := p.routes()
		slices.SortStableFunc(routes, func(a, b route) int {
			return b2i(strings.HasSuffix(a.Pattern, "/signout")) - b2i(strings.HasSuffix(b.Pattern, "/signout"))
		})
		fill := strings.NewReplacer("{ref}", "CALL-1", "{id}", "1", "{$}", "")
		form := url.Values{"text": {"x"}, "summary": {"x"}, "reason": {"x"}}
		var matrix []accesstest.Route
		for _, rt := range routes {
			matrix = append(matrix, accesstest.Route{Method: rt.Method, Pattern: rt.Pattern, Needs: rt.Needs})
		}
		// What the mux serves is what the matrix walks: the routes, and the page for any other path.
		accesstest.Registered(t, mux, matrix, prefix)
		for _, want := range []string{"GET /portal/signin/oidc", "GET /portal/signin/saml"} {
			if !slices.Contains(mux.Patterns, want) {
				t.Errorf("%s is not on the portal's mux: the matrix does not cover it", want)
			}
		}
		if len(matrix) < 21 {
			t.Fatalf("only %d routes on the portal's mux: the route table is not what this test expects", len(matrix))
		}
		surface := accesstest.Surface{Handler: h, Cookie: sessionCookie, Entry: access.UsePortal,
			Supplier: "Supplier access is open only under a running grant", Sessions: sessions, Session: store.SurfacePortal}
		checked, supplier := accesstest.Walk(t, surface, cols, matrix, fill, form, nil)
		if checked < 9*14 || supplier < 14 {
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
