package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/access/accesstest"
	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// TestAPIRoleRouteMatrix is the role x route matrix of DESIGN section 4 for the API: every
// route of the table the API's mux is built from (Server.Routes), with no token and with a token
// of an account of every role desk.AllRoles knows (and a supplier who is also a customer). Each
// route declares a known capability; no token gives 401; an account that may not work calls or
// lacks the capability gets 403 (a supplier-only account everywhere, saying why); the others
// are let through.
func TestAPIRoleRouteMatrix(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		call, err := e.s.CreateCall(e.ctx, desk.Actor{PersonID: e.f.Ann.ID, Name: "Ann"}, desk.NewCall{Summary: "Printer jam",
			CustomerID: e.f.Dan.ID, Source: desk.SourcePhone, GroupID: e.f.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		cols := accesstest.Columns(t, e.s, e.f.Admin)
		routes := (&web.Server{}).Routes()
		fill := strings.NewReplacer("{ref}", call.Ref, "{id}", fmt.Sprint(e.f.Dan.ID), "{kind}", "volume")
		checked, supplier := 0, 0
		for _, col := range cols {
			token := ""
			if col.Roles != nil {
				tok, hash, err := access.NewToken()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.s.CreateToken(e.ctx, e.f.Admin, col.Account.ID, "matrix", hash, time.Time{}); err != nil {
					t.Fatal(err)
				}
				token = tok
			}
			for _, rt := range routes {
				if rt.Needs == "" {
					t.Errorf("%s %s declares nothing: every route names the capability it needs, or access.Public", rt.Method, rt.Pattern)
				}
				if rt.Needs == access.Public {
					continue
				}
				path := fill.Replace(rt.Pattern)
				req, err := http.NewRequest(rt.Method, e.url+path, strings.NewReader(`{}`))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				accesstest.Check(t, rt.Method+" "+path, access.WorkCalls, rt.Needs, col, res.StatusCode)
				if col.SupplierOnly() && !strings.Contains(string(b), "supplier access is open only under a running grant") {
					t.Errorf("%s %s as %s: the problem does not say why: %s", rt.Method, path, col.Name, b)
				}
				checked++
				if col.SupplierOnly() {
					supplier++
				}
			}
		}
		if checked < 9*18 || supplier < 18 {
			t.Fatalf("only %d requests checked (%d as a supplier): the route table is not what this test expects", checked, supplier)
		}
	})
}
