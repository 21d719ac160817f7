// Package accesstest holds the columns of the role x route authorization matrix (DESIGN section
// 4) that the console, the portal and the API each walk over their own routes: no session, an
// account of every role desk.AllRoles knows alone, and a supplier who is also a customer.
package accesstest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Column is one column of the matrix: an account holding Roles, or no session at all when Roles
// is nil.
type Column struct {
	Name    string
	Roles   []desk.Role
	Account desk.Account
	Person  desk.Person
}

// SupplierOnly reports whether the column's account holds no role but supplier: it must be
// refused on every route that is not public, whatever the table says, until supplier access
// exists (issue 13 point 2).
func (c Column) SupplierOnly() bool {
	return len(c.Roles) == 1 && c.Roles[0] == desk.RoleSupplier
}

// Columns creates a person with an active account, with a local password, for each column but
// the first (no session), through the store as an administrator would.
func Columns(t testing.TB, s *store.Store, actor desk.Actor) []Column {
	t.Helper()
	cols := []Column{{Name: "no session"}}
	for _, r := range desk.AllRoles() {
		cols = append(cols, Column{Name: string(r) + " only", Roles: []desk.Role{r}})
	}
	cols = append(cols, Column{Name: "supplier and customer", Roles: []desk.Role{desk.RoleSupplier, desk.RoleCustomer}})
	ctx := context.Background()
	// Each account has a local password (one hash serves all), so a route that acts on it, such
	// as changing the password, reaches its own checks rather than refusing an account without one.
	hash, err := access.HashPassword("matrix password, never used")
	if err != nil {
		t.Fatal(err)
	}
	for i := range cols {
		c := &cols[i]
		if c.Roles == nil {
			continue
		}
		login := "matrix-" + strings.ReplaceAll(strings.ReplaceAll(c.Name, " ", "-"), "_", "-")
		p, err := s.CreatePerson(ctx, actor, desk.Person{FirstName: "Matrix", LastName: c.Name, Username: login,
			Email: login + "@uni.example", Kind: desk.Staff})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAccount(ctx, actor, desk.Account{PersonID: p.ID, Login: login, Roles: c.Roles, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		c.Account, c.Person = a, p
	}
	return cols
}

// Check asserts the status a request to a route got for a column: 401 without a session; 403
// when the account may not enter the surface (entry: access.WorkCalls for the console and the
// API, access.UsePortal for the portal) or may not what the route needs; anything but 401 and
// 403 otherwise. A supplier-only account must get 403 on every route that needs a session. A
// route whose declaration is not a known capability fails.
func Check(t testing.TB, where string, entry, needs access.Capability, c Column, got int) {
	t.Helper()
	if needs == access.Public {
		return
	}
	known := false
	for _, k := range access.AllCapabilities() {
		known = known || k == needs
	}
	if !known {
		t.Errorf("%s declares %q, which is not a capability of package access", where, needs)
		return
	}
	switch {
	case c.Roles == nil:
		if got != http.StatusUnauthorized {
			t.Errorf("%s without a session: %d, want 401", where, got)
		}
	case c.SupplierOnly() && got != http.StatusForbidden:
		t.Errorf("%s as %s: %d, want 403 (supplier access does not exist yet)", where, c.Name, got)
	case !access.Can(c.Account, entry) || !access.Can(c.Account, needs):
		if got != http.StatusForbidden {
			t.Errorf("%s as %s (needs %q): %d, want 403", where, c.Name, needs, got)
		}
	default:
		if got == http.StatusUnauthorized || got == http.StatusForbidden {
			t.Errorf("%s as %s (needs %q, which the account has): %d, want neither 401 nor 403", where, c.Name, needs, got)
		}
	}
}

// Route is one route of a surface as the matrix sees it: method, ServeMux pattern, and the
// capability it declares.
type Route struct {
	Method, Pattern string
	Needs           access.Capability
}

// Surface is what Walk needs of the console or the portal: its handler, its session cookie,
// the sessions a column's session is started with and on which surface, the capability that lets an account in at all
// (Entry), and the message a supplier-only account must be shown.
type Surface struct {
	Handler  http.Handler
	Cookie   string
	Entry    access.Capability
	Sessions *access.Sessions
	Session  string // the surface its sessions are started on: store.SurfaceConsole or store.SurfacePortal
	Supplier string // text every refusal of a supplier-only account must contain
}

// Walk sends every route that is not public, for every column, to the surface's handler: a
// form post (fields from form) for POST, a plain GET otherwise, with the path's wildcards
// filled by fill, checking each answer with Check. A route that declares nothing fails.
// after, when set, runs once a column has walked every route (to assert that it changed
// nothing). It returns how many requests were checked, and how many of those as a supplier.
func Walk(t testing.TB, s Surface, cols []Column, routes []Route, fill *strings.Replacer, form url.Values,
	after func(Column)) (checked, supplier int) {
	t.Helper()
	for _, col := range cols {
		var token string
		if col.Roles != nil {
			ss, err := s.Sessions.Start(context.Background(), col.Account, s.Session, "password", "127.0.0.1", "test")
			if err != nil {
				t.Fatal(err)
			}
			token = ss.Token
		}
		for _, rt := range routes {
			if rt.Needs == "" {
				t.Errorf("%s %s declares nothing: every route names the capability it needs, or access.Public", rt.Method, rt.Pattern)
			}
			if rt.Needs == access.Public {
				continue
			}
			path := fill.Replace(rt.Pattern)
			body := ""
			if rt.Method == "POST" {
				body = form.Encode()
			}
			req := httptest.NewRequest(rt.Method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if token != "" {
				req.AddCookie(&http.Cookie{Name: s.Cookie, Value: token})
			}
			w := httptest.NewRecorder()
			s.Handler.ServeHTTP(w, req)
			Check(t, rt.Method+" "+path, s.Entry, rt.Needs, col, w.Code)
			if col.SupplierOnly() && !strings.Contains(w.Body.String(), s.Supplier) {
				t.Errorf("%s %s as %s: the page does not say why", rt.Method, path, col.Name)
			}
			checked++
			if col.SupplierOnly() {
				supplier++
			}
		}
		if after != nil {
			after(col)
		}
	}
	return checked, supplier
}

// Mux is a ServeMux that notes every pattern registered on it, in order: Go's ServeMux cannot
// list its patterns, and the matrix must cover what the mux really serves, not only what a route
// list says. A surface's handler is built on it in the matrix test (the surface's Handler takes
// any mux with Handle).
type Mux struct {
	*http.ServeMux
	Patterns []string
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{ServeMux: http.NewServeMux()} }

// Handle registers h for pattern on the ServeMux and notes the pattern.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.Patterns = append(m.Patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// Registered checks that every pattern registered on mux is a route of the list (method and
// pattern, as the surface registers it), or one of the catch-alls the surface is known to
// register for paths no route matches, and that every route of the list was registered: a
// handler put on the mux outside the route list has no declared capability, and the matrix
// would not walk it.
func Registered(t testing.TB, mux *Mux, routes []Route, catchAlls ...string) {
	t.Helper()
	listed := map[string]bool{}
	for _, rt := range routes {
		listed[rt.Method+" "+rt.Pattern] = true
	}
	for _, c := range catchAlls {
		listed[c] = true
	}
	seen := map[string]bool{}
	for _, p := range mux.Patterns {
		seen[p] = true
		if !listed[p] {
			t.Errorf("%q is registered on the mux but is not in the route list: it declares no capability and the matrix does not walk it", p)
		}
	}
	for p := range listed {
		if !seen[p] {
			t.Errorf("%q is in the route list but was not registered on the mux", p)
		}
	}
}
