package access_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCapabilityTable writes the table out by hand, so that a change to what a role may do is a
// deliberate change here too (the README's roles paragraph says the same); every role
// desk.AllRoles knows is in it, and the supplier role opens nothing but the (future) grants.
func TestCapabilityTable(t *testing.T) {
	t.Parallel()
	want := map[desk.Role][]access.Capability{
		desk.RoleCustomer:       {access.UsePortal},
		desk.RoleAnalyst:        {access.WorkCalls, access.UsePortal},
		desk.RoleSupportAnalyst: {access.WorkCalls, access.ReadEmails, access.UsePortal},
		desk.RoleServiceManager: {access.WorkCalls, access.SeeNamedReports, access.UsePortal},
		desk.RoleDPO:            {access.WorkCalls, access.KeepDPORecords, access.ReadSpecialCategory, access.SeeRetention, access.SeeDPORegisters, access.UsePortal},
		desk.RoleAdmin:          {access.WorkCalls, access.Administer, access.SeeRetention, access.SeeDPORegisters, access.UsePortal},
		desk.RoleSupplier:       {access.ActUnderSupplierGrant},
	}
	for _, r := range desk.AllRoles() {
		w, ok := want[r]
		if !ok {
			t.Errorf("role %q is not in this test's table: decide what it may do", r)
			continue
		}
		for _, c := range access.AllCapabilities() {
			acct := desk.Account{Login: "x", Roles: []desk.Role{r}, Active: true}
			if got := access.Can(acct, c); got != slices.Contains(w, c) {
				t.Errorf("Can(%s, %s) = %v", r, c, got)
			}
			if err := access.Require(acct, c); (err == nil) != slices.Contains(w, c) ||
				(err != nil && desk.ErrorCode(err) != desk.EFORBIDDEN) {
				t.Errorf("Require(%s, %s) = %v", r, c, err)
			}
			acct.Active = false
			if access.Can(acct, c) {
				t.Errorf("a disabled %s account may %s", r, c)
			}
		}
	}
	if access.Can(desk.Account{Active: true}, access.UsePortal) || access.Can(desk.Account{Roles: []desk.Role{"root"}, Active: true}, access.WorkCalls) {
		t.Error("an account without a known role may do something")
	}
	if !access.Can(desk.Account{}, access.Public) {
		t.Error("a public route needs something")
	}
}

// TestRequireSaysWhy: each refusal names what is missing, in words a person can act on.
func TestRequireSaysWhy(t *testing.T) {
	t.Parallel()
	acct := func(roles ...desk.Role) desk.Account { return desk.Account{Login: "jo", Roles: roles, Active: true} }
	for _, tt := range []struct {
		acct desk.Account
		c    access.Capability
		has  []string
	}{
		{acct(desk.RoleSupplier), access.WorkCalls, []string{"supplier access is not yet available", "Ask the service desk"}},
		{acct(desk.RoleSupplier), access.UsePortal, []string{"supplier access is not yet available"}},
		{acct(desk.RoleSupplier, desk.RoleCustomer), access.WorkCalls, []string{"supplier access is not yet available", "may use SupportMe"}},
		{acct(desk.RoleCustomer), access.WorkCalls, []string{"SupportMe", `"analyst"`}},
		{acct(desk.RoleAnalyst), access.KeepDPORecords, []string{`the role "dpo"`, "Data Protection Officer", `"analyst"`, "jo"}},
		{acct(desk.RoleAnalyst), access.ReadEmails, []string{`"support_analyst"`, "support role"}},
		{acct(desk.RoleAnalyst), access.SeeRetention, []string{`"dpo", "admin"`}},
		{desk.Account{Login: "jo", Roles: []desk.Role{desk.RoleAdmin}}, access.Administer, []string{"disabled"}},
	} {
		msg := desk.Message(access.Require(tt.acct, tt.c))
		for _, h := range tt.has {
			if !strings.Contains(msg, h) {
				t.Errorf("Require(%v, %s) = %q, lacks %q", tt.acct.Roles, tt.c, msg, h)
			}
		}
	}
	if access.Require(acct(desk.RoleSupplier, desk.RoleCustomer), access.UsePortal) != nil {
		t.Error("a supplier who is also a customer may not use the portal")
	}
}

// TestSupplierSignIn (issue 13 point 2): with the right password, a supplier-only account is
// refused at the console and at the portal, saying why; a supplier who is also a customer signs
// in to the portal but not to the console.
func TestSupplierSignIn(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.Seed(t, s)
		hash, err := access.HashPassword("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []desk.Account{
			{PersonID: f.Bob.ID, Login: "bbaker", PasswordHash: hash, Roles: []desk.Role{desk.RoleSupplier}},
			{PersonID: f.Cat.ID, Login: "ccarter", PasswordHash: hash, Roles: []desk.Role{desk.RoleSupplier, desk.RoleCustomer}},
		} {
			if _, err := s.CreateAccount(ctx, f.Admin, a); err != nil {
				t.Fatal(err)
			}
		}
		m := &access.Sessions{Store: s, Now: clock.Now}
		for _, tt := range []struct {
			login   string
			console bool
			ok      bool
		}{{"bbaker", true, false}, {"bbaker", false, false}, {"ccarter", true, false}, {"ccarter", false, true}} {
			_, err := m.SignIn(ctx, access.SignIn{Login: tt.login, Password: "correct horse battery staple", Addr: "10.0.0.9", Console: tt.console})
			if tt.ok != (err == nil) || (err != nil && (desk.ErrorCode(err) != desk.EFORBIDDEN || !strings.Contains(desk.Message(err), "supplier access is not yet available"))) {
				t.Errorf("%s (console %v): %v", tt.login, tt.console, err)
			}
		}
	})
}
