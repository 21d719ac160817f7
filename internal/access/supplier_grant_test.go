package access_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSupplierGrantLifecycle (issue 20 item 1): a request checked field by field; neither the
// one who asked nor the supplier can approve it; the DPO approves, and only then the supplier
// signs in to the console; at the window's end the grant stops opening anything, the wind-up
// ends the supplier's sessions and mails the DPO a summary; a refused grant opens nothing.
func TestSupplierGrantLifecycle(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, f := signinEnv(t, s, clock)
		hash, _ := access.HashPassword(goodPassword)
		// Cat is the supplier's person (supplier role only); Bob the DPO; Ann (aarcher) asks.
		sup, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Cat.ID, Login: "csupplier", PasswordHash: hash, Roles: []desk.Role{desk.RoleSupplier}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Bob.ID, Login: "bdpo", PasswordHash: hash, Roles: []desk.Role{desk.RoleAnalyst, desk.RoleDPO}}); err != nil {
			t.Fatal(err)
		}
		call, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Attachments fail", CustomerID: f.Dan.ID, Source: desk.SourcePhone, GroupID: f.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		g := &access.Grants{Store: s, Now: clock.Now}
		hornbill := storetest.Processor(t, s, "Hornbill Technologies Ltd")
		ann, bob, cat := storetest.Actor(f.Ann), storetest.Actor(f.Bob), storetest.Actor(f.Cat)
		signin := func() error {
			_, err := m.SignIn(ctx, access.SignIn{Login: "csupplier", Password: goodPassword, Addr: "10.0.0.9", Console: true})
			return err
		}

		// Mistakes, each named.
		_, err = g.Request(ctx, ann, access.GrantRequest{Login: "aarcher", Scope: "everything", Hours: 9})
		de := desk.AsError(err)
		if de == nil || de.Code != desk.EINVALID {
			t.Fatalf("a bad request: %v", err)
		}
		for _, field := range []string{"login", "processor", "reason", "scope", "hours"} {
			if de.Fields[field] == "" {
				t.Errorf("no error for %s: %v", field, de.Fields)
			}
		}
		if _, err := g.Request(ctx, ann, access.GrantRequest{Login: "csupplier", ProcessorID: hornbill.ID, Reason: "SW-1", Scope: store.GrantNamed,
			Calls: "F9999999", Hours: 2}); desk.AsError(err) == nil || desk.AsError(err).Fields["calls"] == "" {
			t.Fatalf("an unknown call: %v", err)
		}
		gr, err := g.Request(ctx, ann, access.GrantRequest{Login: "CSupplier", ProcessorID: hornbill.ID, Reason: "fault SW-4411", Scope: store.GrantNamed,
			Calls: strings.ToLower(call.Ref), Hours: 2})
		if err != nil || gr.State != store.GrantRequested || len(gr.CallRefs) != 1 || gr.CallRefs[0] != call.Ref {
			t.Fatalf("request: %+v %v", gr, err)
		}
		// The firm is the register's: named by its record, listed on it.
		if gr.ProcessorID != hornbill.ID || gr.Processor != "Hornbill Technologies Ltd" {
			t.Fatalf("the grant's firm: %d %q", gr.ProcessorID, gr.Processor)
		}
		if listed, err := s.ProcessorGrants(ctx, hornbill.ID); err != nil || len(listed) != 1 || listed[0].ID != gr.ID {
			t.Fatalf("the processor's grants: %+v %v", listed, err)
		}
		gone := storetest.Processor(t, s, "Former Supplier Ltd")
		gone.EndedAt = clock.Now()
		if _, err := s.SaveProcessor(ctx, bob, gone, "contract ended"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{gone.ID, 999} {
			_, err := g.Request(ctx, ann, access.GrantRequest{Login: "csupplier", ProcessorID: id, Reason: "SW-2", Scope: store.GrantConfig, Hours: 2})
			if de := desk.AsError(err); de == nil || !strings.Contains(de.Fields["processor"], "not a supplier under contract") {
				t.Fatalf("a firm not under contract (%d): %v", id, err)
			}
		}
		// Requested, not approved: nothing opens.
		if err := signin(); code(err) != desk.EFORBIDDEN || !strings.Contains(err.Error(), "only under a running grant") {
			t.Fatalf("sign-in before approval: %v", err)
		}
		// Two people: neither the one who asked nor the supplier may approve.
		for _, who := range []desk.Actor{ann, cat} {
			if _, err := g.Decide(ctx, who, gr.ID, true, ""); code(err) != desk.EFORBIDDEN {
				t.Fatalf("%s approving: %v, want EFORBIDDEN", who.Name, err)
			}
		}
		if _, err := g.Decide(ctx, bob, gr.ID, false, " "); code(err) != desk.EINVALID {
			t.Fatalf("a refusal without a reason: %v", err)
		}
		gr, err = g.Decide(ctx, bob, gr.ID, true, "")
		if err != nil || gr.State != store.GrantApproved || !gr.EndsAt.Equal(clock.Now().Add(2*time.Hour)) {
			t.Fatalf("approve: %+v %v", gr, err)
		}
		if _, err := g.Decide(ctx, bob, gr.ID, false, "changed my mind"); code(err) != desk.ECONFLICT {
			t.Fatalf("deciding twice: %v", err)
		}
		if err := signin(); err != nil {
			t.Fatalf("sign-in under the grant: %v", err)
		}
		if live, err := g.Live(ctx, sup); err != nil || live.ID != gr.ID || !strings.Contains(live.Words(), "for reason fault SW-4411") {
			t.Fatalf("live: %+v %v", live, err)
		}
		if !access.GrantAllows(gr, "GET", "/calls/{ref}", call.Ref) || access.GrantAllows(gr, "GET", "/calls/{ref}", "F0000999") ||
			access.GrantAllows(gr, "POST", "/calls/{ref}/note", call.Ref) || access.GrantAllows(gr, "GET", "/calls/{ref}/attachments/{id}", call.Ref) {
			t.Fatal("the named scope opens the wrong routes")
		}
		// The window ends: nothing opens, the wind-up ends the sessions and mails the DPO.
		clock.Advance(2 * time.Hour)
		if _, err := g.Live(ctx, sup); code(err) != desk.EFORBIDDEN {
			t.Fatalf("after the window: %v", err)
		}
		if err := signin(); code(err) != desk.EFORBIDDEN {
			t.Fatalf("sign-in after the window: %v", err)
		}
		if n, err := g.EndDue(ctx); err != nil || n != 1 {
			t.Fatalf("wind-up: %d %v", n, err)
		}
		if n, err := g.EndDue(ctx); err != nil || n != 0 {
			t.Fatalf("a second wind-up: %d %v", n, err)
		}
		if ended, err := s.FindGrant(ctx, gr.ID); err != nil || ended.State != store.GrantEnded {
			t.Fatalf("ended: %+v %v", ended, err)
		}
		mail, err := s.ClaimMail(ctx, 50, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var summary *desk.OutMail
		for i := range mail {
			if mail[i].Kind == desk.MailGrantSummary {
				summary = &mail[i]
			}
		}
		if summary == nil || summary.To != f.Bob.Email || !strings.Contains(summary.Text, "fault SW-4411") || !strings.Contains(summary.Text, "csupplier") {
			t.Fatalf("the DPO's summary: %+v", summary)
		}

		// A refused grant opens nothing.
		gr2, err := g.Request(ctx, ann, access.GrantRequest{Login: "csupplier", ProcessorID: hornbill.ID, Reason: "upgrade 5.2", Scope: store.GrantConfig, Hours: 8})
		if err != nil {
			t.Fatal(err)
		}
		if gr2, err = g.Decide(ctx, bob, gr2.ID, false, "not during term"); err != nil || gr2.State != store.GrantRefused || gr2.Refusal != "not during term" {
			t.Fatalf("refuse: %+v %v", gr2, err)
		}
		if err := signin(); code(err) != desk.EFORBIDDEN {
			t.Fatalf("sign-in under a refused grant: %v", err)
		}
		recs, err := s.SARAudit(ctx, f.Cat.ID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range recs {
			seen[r.Action]++
		}
		for _, a := range []string{"grant.request", "grant.approve", "grant.refuse", "grant.end"} {
			if seen[a] == 0 {
				t.Errorf("no %s audit record: %v", a, seen)
			}
		}
	})
}
