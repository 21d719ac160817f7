package demo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/demo"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// now is the end of the demo's two years; a Monday morning.
var now = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

func small(seed int64) demo.Options {
	return demo.Options{Seed: seed, People: 300, Calls: 2000, Now: now}
}

// allCalls reads every call, oldest first, through FindCalls' pages.
func allCalls(t *testing.T, s *store.Store) []desk.Call {
	t.Helper()
	var out []desk.Call
	// Page by cursor to the end: a list's count stops at store.ListCountLimit.
	f := store.CallFilter{Sort: "oldest", Limit: 500, NoTotal: true}
	for {
		page, err := s.FindCallsPage(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Calls...)
		if page.Next == "" || len(page.Calls) == 0 {
			return out
		}
		f.Cursor = page.Next
	}
}

// digest sums up the calls and the diaries of every tenth call.
func digest(t *testing.T, s *store.Store, calls []desk.Call) string {
	t.Helper()
	h := sha256.New()
	for i, c := range calls {
		c.SLA = nil // evaluated at the load's moment, which differs; the history it comes from is the calls'
		fmt.Fprintf(h, "%+v\n", c)
		if i%10 == 0 {
			d, err := s.Diary(context.Background(), c.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%+v\n", d)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestLoad(t *testing.T) {
	clock := storetest.NewClock(now.Add(time.Minute))
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if empty, err := demo.Empty(ctx, s); err != nil || !empty {
			t.Fatalf("a new database: Empty = %v, %v; want true", empty, err)
		}
		res, err := demo.Load(ctx, s, small(7))
		if err != nil {
			t.Fatal(err)
		}
		if res.People != 300 || res.Groups != 8 || res.Analysts != 40 || res.Accounts != 40 || res.Calls != 2000 {
			t.Errorf("made %+v; want 300 people, 8 groups, 40 analysts with accounts, 2000 calls", res)
		}
		if res.Profiles < 55 || res.Profiles > 70 {
			t.Errorf("made %d profiles, want about 60", res.Profiles)
		}
		if avg := float64(res.Entries) / float64(res.Calls); avg < 3 || avg > 5.5 {
			t.Errorf("%.1f diary entries per call on average, want 3 to 5", avg)
		}
		for _, k := range []desk.PersonKind{desk.Staff, desk.Student, desk.Partner, desk.Visitor} {
			if res.Kinds[k] == 0 {
				t.Errorf("no %s among the people: %v", k, res.Kinds)
			}
		}
		if empty, err := demo.Empty(ctx, s); err != nil || empty {
			t.Fatalf("after loading: Empty = %v, %v; want false", empty, err)
		}

		calls := allCalls(t, s)
		if len(calls) != 2000 {
			t.Fatalf("FindCalls found %d calls, want 2000", len(calls))
		}
		// The accessibility calls hold health words: logged special category and, with the
		// master key every test store runs with, sealed (a data key each).
		special := 0
		for _, c := range calls {
			if c.SpecialCategory {
				special++
			}
		}
		if special != res.Special || special < 10 || special > 100 || res.Sealed != special {
			t.Errorf("%d special-category calls (result: %d, %d sealed), want 0.5%% to 5%% of 2000, all sealed", special, res.Special, res.Sealed)
		}
		if use, err := s.KeyStatus(ctx); err != nil || len(use) == 0 || use[0].DataKeys < int64(special) {
			t.Errorf("data keys: %+v %v; want at least one per special call (%d)", use, err, special)
		}
		if found, _, err := s.FindCalls(ctx, store.CallFilter{Text: "disability", Limit: 500}); err != nil || len(found) == 0 || !found[0].SpecialCategory {
			t.Errorf("search for a word of a sealed demo call: %d calls, %v", len(found), err)
		}
		// What sealing left (the plain words in the index's old segments, on SQLite the plain rows
		// in free pages) is taken out by the load: no compaction, nor on SQLite any shredding, is
		// left for the server (PostgreSQL's shredding waits for serve's night window).
		if did, err := s.CompactSearchIfDue(ctx); err != nil || did {
			t.Errorf("after the load a search compaction was still due (%v)", err)
		}
		if due, err := s.ShredDue(ctx); err != nil || (due && s.Engine() == "sqlite") {
			t.Errorf("after the load shredding was still due (%v)", err)
		}
		checkCalls(t, s, calls)
		checkDesk(t, s, res)

		// Search finds demo calls by their text and by their diaries.
		found, n, err := s.FindCalls(ctx, store.CallFilter{Text: "eduroam", Limit: 500})
		if err != nil || n == 0 {
			t.Fatalf("search for eduroam: %d calls, %v", n, err)
		}
		for _, c := range found {
			d, _ := s.Diary(ctx, c.ID, true)
			if !strings.Contains(strings.ToLower(c.Summary+c.Description+fmt.Sprint(d)), "eduroam") {
				t.Errorf("search for eduroam found %s, which does not mention it", c.Ref)
			}
		}
		found, n, err = s.FindCalls(ctx, store.CallFilter{Text: "voicemail left", Limit: 5})
		if err != nil || n == 0 {
			t.Fatalf("search for a diary note: %d calls, %v", n, err)
		}
		if d, _ := s.Diary(ctx, found[0].ID, true); !strings.Contains(fmt.Sprint(d), "left a voicemail") {
			t.Errorf("search for 'voicemail left' found %s, whose diary does not say it", found[0].Ref)
		}

		// The load's audit records, sealed like any other: one demo.load first, then what each
		// part of the demo records (the Service Desk marked first line, the service levels'
		// defaults and their evaluation, one record for 2,000 calls, a batch being 5,000; the
		// breach register's and the disclosure log's; the DPO's records...), counted by action so
		// that a part added to the demo does not change the others' checks.
		recs, total, err := s.FindAudit(ctx, store.AuditFilter{Limit: 1000})
		if err != nil || total == 0 || total > 1000 {
			t.Fatalf("audit after the load: %d records, %v", total, err)
		}
		byAction := map[string][]desk.AuditRecord{}
		for _, r := range recs {
			byAction[r.Action] = append(byAction[r.Action], r)
		}
		if l := byAction["demo.load"]; len(l) != 1 || recs[total-1].Action != "demo.load" || !strings.Contains(l[0].Detail, "2000 calls") {
			t.Errorf("the load's own record: %+v (the oldest is %s)", l, recs[total-1].Action)
		}
		if l := byAction["sla.repair"]; len(l) != 1 || !strings.Contains(l[0].Detail, "gave 2000 call(s)") {
			t.Errorf("the service levels' evaluation: %+v", l)
		}
		for action, want := range map[string]int{"group.first_line": 1, "sla.calendar.uses": 1, "processing.create": 10, "notice.publish": 1} {
			if got := len(byAction[action]); got != want {
				t.Errorf("%d %s records after the load, want %d", got, action, want)
			}
		}
		// The DPO's registers: consent wordings and consents, processors, assessments, each
		// audited as made.
		registers := 0
		for action, l := range byAction {
			switch strings.SplitN(action, ".", 2)[0] {
			case "consent", "processor", "dpia":
				registers += len(l)
			}
		}
		if registers < 10 {
			t.Errorf("only %d audit records of the DPO's demo registers", registers)
		}

		// The first-contact report has a realistic set: the Service Desk is first line, and the
		// bulk load kept the calls' reassignments and resolvers from their diaries.
		fc, err := s.ReportFirstContact(ctx, store.ReportFilter{}, store.FirstContactRule{Window: 10 * time.Minute}, now.AddDate(-3, 0, 0), now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var resolved, flf, fcr int
		for _, r := range fc {
			resolved, flf, fcr = resolved+r.Resolved, flf+r.FirstLineFix, fcr+r.FirstContact
		}
		t.Logf("first contact over the demo: %d resolved, %d first-line fixes, %d first-contact resolutions", resolved, flf, fcr)
		if resolved < 500 || flf*100 < resolved*10 || flf >= resolved || fcr == 0 || fcr >= flf {
			t.Errorf("first contact over the demo: %d resolved, %d first-line fixes, %d first-contact resolutions", resolved, flf, fcr)
		}
		// Two breaches, one notified to the ICO with its reference; a police disclosure, approved.
		bs, err := s.Breaches(ctx, store.BreachFilter{})
		if err != nil || len(bs) != 2 || bs[1].Reference == "" || bs[1].NotifiedAt.IsZero() || bs[0].State != "open" {
			t.Fatalf("the demo's breaches: %+v %v", bs, err)
		}
		ds, err := s.Disclosures(ctx, 10)
		if err != nil || len(ds) != 1 || ds[0].Kind != "police" || ds[0].State != "approved" {
			t.Fatalf("the demo's disclosures: %+v %v", ds, err)
		}
		if _, err := audit.Seal(ctx, s); err != nil {
			t.Fatal(err)
		}
		if rep, err := audit.Verify(ctx, s); err != nil || !rep.OK() {
			t.Fatalf("audit verify: %+v, %v", rep, err)
		}

		// Calls logged afterwards continue the numbering.
		for i, want := range []string{"F0002001", "F0002002"} {
			c, err := s.CreateCall(ctx, desk.Actor{PersonID: res.AdminPersonID, Name: "admin"},
				desk.NewCall{Summary: fmt.Sprintf("after the demo %d", i), CustomerID: res.AdminPersonID})
			if err != nil || c.Ref != want {
				t.Fatalf("a call after the load: %s, %v; want %s", c.Ref, err, want)
			}
		}
		// And the tables' ids continue too.
		p, err := s.CreatePerson(ctx, desk.Actor{Name: "test"}, desk.Person{FirstName: "New", LastName: "Starter", Username: "nstarter-test"})
		if err != nil || p.ID != 301 {
			t.Fatalf("a person after the load: id %d, %v; want 301", p.ID, err)
		}
		if _, err := s.CreateGroup(ctx, desk.Actor{Name: "test"}, desk.Group{Name: "Library Systems"}); err != nil {
			t.Fatalf("a group after the load: %v", err)
		}

		// A second load is refused, and changes nothing.
		_, err = demo.Load(ctx, s, small(7))
		if desk.ErrorCode(err) != desk.ECONFLICT || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("loading into a database with data: %v; want ECONFLICT saying it is not empty", err)
		}
		if n := len(allCalls(t, s)); n != 2002 {
			t.Errorf("%d calls after the refused load, want 2002", n)
		}
	})
}

// checkCalls checks what every call must be: every state present, milestones in order, holds
// consistent with the clock, diaries matching the call.
func checkCalls(t *testing.T, s *store.Store, calls []desk.Call) {
	t.Helper()
	ctx := context.Background()
	states := map[desk.State]int{}
	start := now.AddDate(0, 0, -731)
	for i, c := range calls {
		states[c.State]++
		if want := desk.Reference(c.Kind, int64(i+1)); c.Ref != want {
			t.Fatalf("call %d is %s, want %s: numbered in the order logged", i, c.Ref, want)
		}
		if c.LoggedAt.Before(start) || c.LoggedAt.After(now) {
			t.Errorf("%s logged at %s, outside the two years before %s", c.Ref, c.LoggedAt, now)
		}
		if i > 0 && c.LoggedAt.Before(calls[i-1].LoggedAt) {
			t.Errorf("%s logged before %s", c.Ref, calls[i-1].Ref)
		}
		// logged <= assigned <= accepted <= resolved <= closed, each when set.
		prev, prevName := c.LoggedAt, "logged"
		for _, m := range []struct {
			name string
			at   time.Time
		}{{"assigned", c.AssignedAt}, {"accepted", c.AcceptedAt}, {"resolved", c.ResolvedAt}, {"closed", c.ClosedAt}} {
			if m.at.IsZero() {
				continue
			}
			if m.at.Before(prev) {
				t.Errorf("%s (%s): %s at %s is before %s at %s", c.Ref, c.State, m.name, m.at, prevName, prev)
			}
			if m.at.After(now) {
				t.Errorf("%s: %s at %s is after now", c.Ref, m.name, m.at)
			}
			prev, prevName = m.at, m.name
		}
		for name, at := range map[string]time.Time{"cancelled": c.CancelledAt, "held": c.HeldAt, "off hold": c.OffHoldAt, "updated": c.UpdatedAt} {
			if !at.IsZero() && (at.Before(c.LoggedAt) || at.After(now)) {
				t.Errorf("%s: %s at %s, outside its life", c.Ref, name, at)
			}
		}
		switch c.State {
		case desk.Unassigned:
			if c.GroupID != 0 || !c.AssignedAt.IsZero() {
				t.Errorf("%s unassigned but has a group", c.Ref)
			}
		case desk.OnHold:
			if !c.HoldUntil.After(now) || c.HoldReason == "" || c.HeldAt.IsZero() {
				t.Errorf("%s on hold until %s (now %s), reason %q", c.Ref, c.HoldUntil, now, c.HoldReason)
			}
		case desk.OffHold:
			if !c.Urgent || c.HoldUntil.After(now) || c.OffHoldAt.Before(c.HoldUntil) || !c.HoldUntil.After(c.HeldAt) {
				t.Errorf("%s off hold: urgent %v, held %s, until %s, off %s", c.Ref, c.Urgent, c.HeldAt, c.HoldUntil, c.OffHoldAt)
			}
		case desk.Resolved:
			if c.ResolvedAt.IsZero() || c.Resolution == "" || now.Sub(c.ResolvedAt) > 5*24*time.Hour {
				t.Errorf("%s resolved at %s with %q: should have been closed automatically", c.Ref, c.ResolvedAt, c.Resolution)
			}
		case desk.Closed:
			if c.ClosedAt.IsZero() || c.ResolvedAt.IsZero() {
				t.Errorf("%s closed without resolution", c.Ref)
			}
		case desk.Cancelled:
			if c.CancelledAt.IsZero() || c.CancelNote == "" {
				t.Errorf("%s cancelled without time or reason", c.Ref)
			}
		}
		if c.State != desk.OffHold && c.Urgent {
			t.Errorf("%s is %s but urgent", c.Ref, c.State)
		}
		if c.State != desk.Unassigned && c.GroupID == 0 && c.State != desk.Cancelled {
			t.Errorf("%s is %s without a group", c.Ref, c.State)
		}
		if c.State.Open() && c.State != desk.Unassigned && c.State != desk.Assigned && c.AnalystID == 0 {
			t.Errorf("%s is %s without an analyst", c.Ref, c.State)
		}
		if i%7 != 0 && c.State != desk.OffHold && c.State != desk.OnHold {
			continue
		}
		d, err := s.Diary(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(d) == 0 && c.State != desk.Unassigned {
			t.Errorf("%s (%s) has no diary", c.Ref, c.State)
			continue
		}
		for j, e := range d {
			if e.CreatedAt.Before(c.LoggedAt) || e.CreatedAt.After(now) || (j > 0 && e.CreatedAt.Before(d[j-1].CreatedAt)) {
				t.Errorf("%s: diary entry %d at %s out of order", c.Ref, j, e.CreatedAt)
			}
			if e.Public == (e.Kind == desk.EntryNote) {
				t.Errorf("%s: %s entry public=%v", c.Ref, e.Kind, e.Public)
			}
		}
		if len(d) > 0 {
			last := d[len(d)-1]
			if last.CallVersion != c.Version || !last.CreatedAt.Equal(c.UpdatedAt) {
				t.Errorf("%s: last diary entry (version %d at %s) does not match the call (version %d updated %s)",
					c.Ref, last.CallVersion, last.CreatedAt, c.Version, c.UpdatedAt)
			}
		}
		if c.State == desk.OnHold && !strings.Contains(d[len(d)-1].Text, desk.Instant(c.HoldUntil)) {
			t.Errorf("%s: the hold's diary line %q does not name its end %s", c.Ref, d[len(d)-1].Text, c.HoldUntil)
		}
	}
	for _, st := range desk.AllStates() {
		if states[st] == 0 {
			t.Errorf("no call is %s: %v", st, states)
		}
	}
	if states[desk.Closed] < len(calls)/2 {
		t.Errorf("only %d of %d calls closed: old calls should mostly be", states[desk.Closed], len(calls))
	}
}

// checkDesk checks the people, groups, accounts and profiles.
func checkDesk(t *testing.T, s *store.Store, res demo.Result) {
	t.Helper()
	ctx := context.Background()
	// The DPO's records (issue 19): ten processing activities and a published notice.
	if acts, err := s.ProcessingActivities(ctx); err != nil || len(acts) != 10 {
		t.Errorf("%d records of processing, want ten (%v)", len(acts), err)
	}
	if n, err := s.LatestNotice(ctx); err != nil || n.Version != 1 || !strings.Contains(n.Body, "University of Example") {
		t.Errorf("the published notice: %+v, %v", n, err)
	}
	groups, err := s.Groups(ctx)
	if err != nil || len(groups) != 8 {
		t.Fatalf("groups: %d, %v", len(groups), err)
	}
	inGroups := map[int64]int{}
	for _, g := range groups {
		if !strings.HasSuffix(g.Mailbox, "@uni.example") {
			t.Errorf("group %s has mailbox %q", g.Name, g.Mailbox)
		}
		ids, err := s.Members(ctx, g.ID)
		if err != nil || len(ids) < 2 {
			t.Errorf("group %s has %d members, %v", g.Name, len(ids), err)
		}
		for _, id := range ids {
			inGroups[id]++
		}
	}
	twice := 0
	for _, n := range inGroups {
		if n > 1 {
			twice++
		}
	}
	if len(inGroups) != 40 || twice == 0 {
		t.Errorf("%d analysts in groups, %d in two; want 40, some in two", len(inGroups), twice)
	}
	for role, want := range map[desk.Role]int{desk.RoleAnalyst: 40, desk.RoleServiceManager: 1, desk.RoleDPO: 1, desk.RoleAdmin: 1} {
		as, err := s.AccountsWithRole(ctx, role)
		if err != nil || len(as) != want {
			t.Errorf("%d accounts with role %s, %v; want %d", len(as), role, err, want)
		}
	}
	if as, _ := s.AccountsWithRole(ctx, desk.RoleSupportAnalyst); len(as) == 0 || len(as) > 20 {
		t.Errorf("%d support analysts, want some", len(as))
	}
	admin, err := s.FindAccountByPerson(ctx, res.AdminPersonID)
	if err != nil || admin.ID != res.AdminAccountID || !admin.Has(desk.RoleAdmin) || admin.Login != res.AdminLogin {
		t.Errorf("the admin account: %+v, %v; result says %d %q", admin, err, res.AdminAccountID, res.AdminLogin)
	}

	profiles, err := s.Profiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	depth := map[int]int{}
	for _, p := range profiles {
		depth[strings.Count(p.Path, " > ")]++
		if p.DefaultGroupID == 0 || !p.DefaultPriority.Valid() {
			t.Errorf("profile %s has no default group or priority", p.Path)
		}
	}
	if depth[0] == 0 || depth[1] == 0 || depth[2] == 0 || len(depth) != 3 {
		t.Errorf("profile tree depths %v, want three levels", depth)
	}

	people, total, err := s.FindPeople(ctx, store.PersonFilter{Limit: 500})
	if err != nil || total != 300 {
		t.Fatalf("people: %d, %v", total, err)
	}
	ids := map[int64]desk.Person{}
	for _, p := range people {
		ids[p.ID] = p
	}
	managed := 0
	for _, p := range people {
		if err := p.Validate(); err != nil {
			t.Errorf("person %d: %v", p.ID, err)
		}
		if !strings.HasSuffix(p.Email, ".example") {
			t.Errorf("%s has a real-looking email %q", p.Name(), p.Email)
		}
		switch p.Kind {
		case desk.Student:
			if len(p.StudentNumber) != 8 {
				t.Errorf("student %s has number %q", p.Name(), p.StudentNumber)
			}
		case desk.Staff:
			if p.ManagerID != 0 {
				managed++
				if m, ok := ids[p.ManagerID]; !ok || m.Kind != desk.Staff {
					t.Errorf("%s's manager %d is not a member of staff", p.Name(), p.ManagerID)
				}
			}
		}
	}
	if managed == 0 {
		t.Error("no member of staff has a manager")
	}
}

// TestDeterministic: the same seed and Now give the same data in two new databases; another seed
// gives other data.
func TestDeterministic(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sums := map[string]string{}
		for _, tc := range []struct {
			name string
			seed int64
			s    *store.Store
		}{{"first", 7, s}, {"again", 7, storetest.Open(t, s.Engine(), nil)}, {"other seed", 8, storetest.Open(t, s.Engine(), nil)}} {
			if _, err := demo.Load(ctx, tc.s, small(tc.seed)); err != nil {
				t.Fatal(err)
			}
			sums[tc.name] = digest(t, tc.s, allCalls(t, tc.s))
		}
		if sums["first"] != sums["again"] {
			t.Errorf("two loads with seed 7 differ: %s and %s", sums["first"], sums["again"])
		}
		if sums["first"] == sums["other seed"] {
			t.Errorf("seeds 7 and 8 made the same data")
		}
	})
}

func TestOptions(t *testing.T) {
	s := storetest.Open(t, "sqlite", nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		opt   demo.Options
		field string
	}{
		{"no clock", demo.Options{Calls: 10}, "now"},
		{"negative calls", demo.Options{Calls: -1, Now: now}, "calls"},
		{"too few people", demo.Options{People: 20, Now: now}, "people"},
		{"too many years", demo.Options{Years: 21, Now: now}, "years"},
	} {
		_, err := demo.Load(ctx, s, tc.opt)
		if e := desk.AsError(err); e == nil || e.Code != desk.EINVALID || e.Fields[tc.field] == "" {
			t.Errorf("%s: %v; want EINVALID on %s", tc.name, err, tc.field)
		}
	}
	if empty, err := demo.Empty(ctx, s); err != nil || !empty {
		t.Errorf("a refused load wrote something: Empty = %v, %v", empty, err)
	}
}

// TestYears: --years 6 (the benchmarks' million calls) spreads the calls over six years before
// Now, the busiest in the last of them as over two, where the default keeps them within two.
func TestYears(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, "sqlite", nil)
	ctx := context.Background()
	opt := small(3)
	opt.Years = 6
	if _, err := demo.Load(ctx, s, opt); err != nil {
		t.Fatal(err)
	}
	calls := allCalls(t, s)
	perYear := make([]int, 7)
	for _, c := range calls {
		y := int(now.Sub(c.LoggedAt) / (365 * 24 * time.Hour))
		if y >= 6 {
			t.Fatalf("%s logged at %s, more than six years before %s", c.Ref, c.LoggedAt, now)
		}
		perYear[min(y, 6)]++
	}
	for y, n := range perYear[:6] {
		if n < len(calls)/10 {
			t.Errorf("%d calls in year %d back of %d: %v", n, y+1, len(calls), perYear)
		}
	}
	if perYear[0] <= perYear[5] {
		t.Errorf("the desk does not get busier year on year: %v", perYear)
	}
}

// TestRefusesGroups: a database with only support groups is not Empty's business, but Load
// still refuses it rather than fail half way on a duplicate name.
func TestRefusesGroups(t *testing.T) {
	s := storetest.Open(t, "sqlite", nil)
	ctx := context.Background()
	if _, err := s.CreateGroup(ctx, desk.Actor{Name: "test"}, desk.Group{Name: "Service Desk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, s, small(1)); desk.ErrorCode(err) != desk.ECONFLICT {
		t.Fatalf("Load into a database with a group: %v; want ECONFLICT", err)
	}
}

// TestWritesWaitForTheLoad: on SQLite the load holds the writer; a write arriving meanwhile waits
// and then succeeds, after the load, with the next call number.
func TestWritesWaitForTheLoad(t *testing.T) {
	s := storetest.Open(t, "sqlite", nil)
	ctx := context.Background()
	started := make(chan struct{})
	done := make(chan error, 1)
	var once bool
	opt := small(3)
	opt.Progress = func(n, total int) {
		if !once {
			once = true
			close(started)
		}
	}
	var ref string
	go func() {
		<-started
		c, err := s.CreateCall(ctx, desk.Actor{Name: "test"}, desk.NewCall{Summary: "during the load", CustomerID: 1})
		ref = c.Ref
		done <- err
	}()
	if _, err := demo.Load(ctx, s, opt); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil || ref != "F0002001" {
		t.Fatalf("a write during the load: %s, %v; want F0002001 after it", ref, err)
	}
}
