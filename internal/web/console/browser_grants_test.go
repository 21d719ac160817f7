package console_test

import (
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
)

// TestBrowserSupplierGrant (issue 20 item 1): an administrator asks for a supplier's access to a
// named call, first with a mistake (said beside its field, nothing lost); the DPO approves it;
// the supplier signs in, sets up the second factor, lands on the call with the grant's banner,
// and is refused a page outside the grant. Each page is checked with axe-core at 1280, 375 and
// 320 px.
func TestBrowserSupplierGrant(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnvWith(t, se, func(c *console.Console) { c.Sessions.SecondFactorRoles = []desk.Role{desk.RoleSupplier} })
	e.grant(se, e.f.Ann, "analyst,admin")
	e.grant(se, e.f.Bob, "analyst,dpo")
	e.grant(se, e.f.Cat, "supplier")
	call := e.call("Attachments fail to upload", e.f.ServiceDesk.ID)
	firm := storetest.Processor(t, se.S, "Hornbill Technologies Ltd")

	a := e.tab(t)
	a.signIn(e.f.Ann.Username)
	a.Open("/admin/grants")
	a.Check("supplier access, the administrator's page", "grants-admin")
	a.TypeInto("#login", e.f.Cat.Username)
	eval[bool](a, `document.querySelector('#processor').value = '`+strconv.FormatInt(firm.ID, 10)+`'; true`)
	a.TypeInto("#reason", "fault SW-4411")
	a.TypeInto("#calls", call.Ref)
	eval[bool](a, `document.querySelector('#hours').value = '12'; true`)
	a.Click("form[action='/admin/grants'] button[type=submit]")
	a.MustSee("The request was not made", "The hours must be a whole number of hours from 1 to 8")
	if v := eval[string](a, `document.querySelector('#reason').value`); v != "fault SW-4411" {
		t.Fatalf("the reason typed was lost: %q", v)
	}
	a.Check("the request with a mistake", "grants-admin-mistake")
	eval[bool](a, `document.querySelector('#hours').value = '2'; true`)
	a.Click("form[action='/admin/grants'] button[type=submit]")
	a.MustSee("Grant 1 was requested")

	d := e.tab(t)
	d.signIn(e.f.Bob.Username)
	d.Open("/dpo/grants")
	d.Check("supplier access, the DPO's page", "grants-dpo")
	d.Click("button[name=decision][value=approve]")
	d.MustSee("Grant 1 was approved")
	// The grant names the firm from the register, whose record lists the access given under it.
	d.Click("#grant-1 a[href='/dpo/processors/" + strconv.FormatInt(firm.ID, 10) + "']")
	d.MustSee("Supplier access given to the firm's people", "Grant 1", "fault SW-4411")
	d.Check("a processor's record with the grants given to its people", "processor-grants")

	s := e.tab(t)
	s.Open("/signin")
	s.signIn(e.f.Cat.Username)
	if !strings.HasPrefix(s.Path(), "/account/second-factor") {
		t.Fatalf("the supplier after the password: %s", s.Path())
	}
	secret := strings.ReplaceAll(s.Text("#secret"), " ", "")
	s.TypeInto("#code", totpCode(t, secret, e.clock.Now()))
	s.SubmitKey("#code")
	s.MustSee("Your recovery codes")
	s.Click("#enrol-continue")
	if !strings.HasPrefix(s.Path(), "/calls/"+call.Ref) {
		t.Fatalf("the supplier's home: %s", s.Path())
	}
	s.MustSee("Supplier access under grant 1", "fault SW-4411", "Everything you open is recorded")
	s.Check("a call under a supplier grant", "grant-call")
	s.Open("/queues/unassigned")
	s.MustSee("does not open this")
}
