package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCreateCallSnapshot: logging a call takes the customer's details as they are (S5), and
// later changes to the person do not rewrite the call.
func TestCreateCallSnapshot(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.Clock.Advance(90 * time.Second)
		c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Kind: desk.Request, Summary: "  Access to the MSc share ",
			Description: "For my dissertation", CustomerID: e.F.Dan.ID, AltEmail: "dan.home@example.org", AltPhone: "07700 900123",
			Source: desk.SourcePhone})
		if err != nil {
			t.Fatal(err)
		}
		want := desk.Snapshot{Name: "Dan Dawson", Username: "ddawson", Email: "ddawson@uni.example", StudentNumber: "20231234",
			Department: "Computing", Phone: "01234 567890", Kind: "student"}
		if c.Customer != want {
			t.Errorf("snapshot %+v, want %+v", c.Customer, want)
		}
		if c.Ref != "R0000001" || c.Kind != desk.Request || c.Summary != "Access to the MSc share" || c.State != desk.Unassigned ||
			c.Version != 1 || c.LoggedBy != e.F.Ann.ID || !c.LoggedAt.Equal(start.Add(90*time.Second)) ||
			c.AltEmail != "dan.home@example.org" || c.AltPhone != "07700 900123" || c.Source != desk.SourcePhone {
			t.Errorf("created %+v", c)
		}
		// What the store returns is what it stored.
		stored := e.call(t, c.Ref)
		if !reflect.DeepEqual(stored, c) {
			t.Errorf("stored call differs from the returned one:\nstored %+v\nreturn %+v", stored, c)
		}

		dan, err := e.S.FindPerson(ctx, e.F.Dan.ID)
		if err != nil {
			t.Fatal(err)
		}
		dan.Phone, dan.Department, dan.LastName = "01234 000000", "Physics", "Dawson-Smith"
		if _, err := e.S.UpdatePerson(ctx, e.F.Admin, dan); err != nil {
			t.Fatal(err)
		}
		if got := e.call(t, c.Ref).Customer; got != want {
			t.Errorf("after the person changed the snapshot is %+v, want it unchanged %+v", got, want)
		}
		if p, _ := e.S.FindPerson(ctx, e.F.Dan.ID); p.Phone != "01234 000000" || p.Name() != "Dan Dawson-Smith" || p.Version != 2 {
			t.Errorf("person after update %+v", p)
		}
		// A new call takes the new details.
		c2 := e.newCall(t, desk.NewCall{})
		if c2.Customer.Phone != "01234 000000" || c2.Customer.Name != "Dan Dawson-Smith" || c2.Ref != "F0000002" {
			t.Errorf("second call %s snapshot %+v", c2.Ref, c2.Customer)
		}
	})
}

// TestCreateCallPriority: the profile's default priority gives impact and urgency unless the
// caller gives them.
func TestCreateCallPriority(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		tests := []struct {
			name            string
			profile         int64
			impact, urgency desk.Level
			want            desk.Priority
			wantI, wantU    desk.Level
		}{
			{"no profile: medium/medium", 0, "", "", 3, desk.Medium, desk.Medium},
			{"Outlook defaults to P2", e.F.Outlook.ID, "", "", 2, desk.High, desk.Medium},
			{"Software defaults to P3", e.F.Software.ID, "", "", 3, desk.Medium, desk.Medium},
			{"given levels win over the profile", e.F.Outlook.ID, desk.Low, desk.Low, 4, desk.Low, desk.Low},
			{"high/high is P1", 0, desk.High, desk.High, 1, desk.High, desk.High},
			{"only urgency given", e.F.Wifi.ID, "", desk.High, 1, desk.High, desk.High},
		}
		for _, tt := range tests {
			c := e.newCall(t, desk.NewCall{ProfileID: tt.profile, Impact: tt.impact, Urgency: tt.urgency})
			if c.Priority != tt.want || c.Impact != tt.wantI || c.Urgency != tt.wantU || c.ProfileID != tt.profile {
				t.Errorf("%s: got %s %s/%s profile %d", tt.name, c.Priority, c.Impact, c.Urgency, c.ProfileID)
			}
			if got := e.call(t, c.Ref); got.Priority != tt.want {
				t.Errorf("%s: stored priority %s", tt.name, got.Priority)
			}
		}
		_, err := e.S.CreateCall(context.Background(), e.F.Admin, desk.NewCall{Summary: "x", CustomerID: e.F.Dan.ID, ProfileID: 9999})
		if ee := desk.AsError(err); ee == nil || ee.Fields["profile_id"] == "" {
			t.Errorf("unknown profile: %v", err)
		}
		_, err = e.S.CreateCall(context.Background(), e.F.Admin, desk.NewCall{Summary: "x", CustomerID: 9999})
		if ee := desk.AsError(err); ee == nil || ee.Fields["customer_id"] == "" {
			t.Errorf("unknown customer: %v", err)
		}
	})
}

// TestCreateCallAssigned: a call can be logged straight into a group and analyst, but only an
// analyst who is a member of the group.
func TestCreateCallAssigned(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Bob.ID})
		if c.State != desk.Assigned || c.GroupID != e.F.ServiceDesk.ID || c.AnalystID != e.F.Bob.ID ||
			!c.AssignedAt.Equal(start) || c.Condition() != desk.CondPending {
			t.Errorf("logged %+v", c)
		}
		d, err := e.S.Diary(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != 1 || d[0].Kind != desk.EntryAssignment || d[0].Text != "assigned to Service Desk / Bob Baker" || !d[0].Public {
			t.Errorf("diary %+v", d)
		}
		c2 := e.newCall(t, desk.NewCall{GroupID: e.F.Networks.ID})
		if c2.State != desk.Assigned || c2.AnalystID != 0 {
			t.Errorf("group only: %+v", c2)
		}

		before := e.footprint(t)
		tests := []struct {
			name        string
			group, anal int64
			field, msg  string
		}{
			{"analyst of another group", e.F.ServiceDesk.ID, e.F.Cat.ID, "analyst_id", "Cat Carter is not a member of Service Desk"},
			{"no such group", 9999, 0, "group_id", "no support group with id 9999"},
			{"no such analyst", e.F.Networks.ID, 9999, "analyst_id", "no person with id 9999"},
		}
		for _, tt := range tests {
			_, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "x", CustomerID: e.F.Eve.ID, GroupID: tt.group, AnalystID: tt.anal})
			ee := desk.AsError(err)
			if ee == nil || ee.Code != desk.EINVALID || ee.Fields[tt.field] != tt.msg {
				t.Errorf("%s: got %v, want %s: %s", tt.name, err, tt.field, tt.msg)
			}
		}
		if after := e.footprint(t); after != before {
			t.Errorf("refused calls left something behind: before %+v after %+v", before, after)
		}
		// The refused calls did not use up references.
		if c3 := e.newCall(t, desk.NewCall{}); c3.Ref != "F0000003" {
			t.Errorf("next reference %s, want F0000003", c3.Ref)
		}
	})
}

// TestLifecycle walks one call through its whole life with the injected clock and checks the
// state, condition, milestone times and diary at every step.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann, bob := e.F.Ann, e.F.Bob
		c := e.newCall(t, desk.NewCall{ProfileID: e.F.Outlook.ID, Summary: "Outlook keeps crashing", Source: desk.SourcePhone})
		if c.State != desk.Unassigned || c.Condition() != desk.CondUnassigned {
			t.Fatalf("new call %s", c.State)
		}
		step := func(d time.Duration) time.Time { e.Clock.Advance(d); return e.Clock.Now() }

		at := step(5 * time.Minute)
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: ann.ID})
		if c.State != desk.Assigned || !c.AssignedAt.Equal(at) || c.Version != 2 || c.Condition() != desk.CondPending {
			t.Errorf("assigned: %s at %v version %d", c.State, c.AssignedAt, c.Version)
		}
		at = step(5 * time.Minute)
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActAccept})
		if c.State != desk.Accepted || !c.AcceptedAt.Equal(at) || c.AnalystID != ann.ID {
			t.Errorf("accepted: %s at %v analyst %d", c.State, c.AcceptedAt, c.AnalystID)
		}
		step(5 * time.Minute)
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActPend, Reason: "waiting for the customer's crash log"})
		if c.State != desk.Pending || c.Condition() != desk.CondPending {
			t.Errorf("pending: %s", c.State)
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(bob), c.Ref, desk.EntryNote, "Known issue with add-in v3, see KB123"); err != nil {
			t.Fatal(err)
		}
		at = step(5 * time.Minute)
		until := at.Add(2 * time.Hour)
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActHold, Until: until, Reason: "waiting for the vendor's patch"})
		if c.State != desk.OnHold || !c.HeldAt.Equal(at) || !c.HoldUntil.Equal(until) || c.HoldReason != "waiting for the vendor's patch" ||
			c.Condition() != desk.CondOnHold {
			t.Errorf("on hold: %+v", c)
		}

		// The hold timer does nothing before the time.
		step(time.Hour)
		if refs, err := e.S.ReleaseHolds(ctx, 100); err != nil || len(refs) != 0 {
			t.Fatalf("released early: %v %v", refs, err)
		}
		if got := e.call(t, c.Ref); got.State != desk.OnHold || got.Urgent {
			t.Errorf("after an early sweep: %s urgent %v", got.State, got.Urgent)
		}
		at = step(time.Hour + time.Second)
		refs, err := e.S.ReleaseHolds(ctx, 100)
		if err != nil || len(refs) != 1 || refs[0] != c.Ref {
			t.Fatalf("release holds: %v %v", refs, err)
		}
		c = e.call(t, c.Ref)
		if c.State != desk.OffHold || !c.Urgent || c.Condition() != desk.CondOffHold || !c.OffHoldAt.Equal(at) {
			t.Errorf("off hold: %s urgent %v condition %s at %v", c.State, c.Urgent, c.Condition(), c.OffHoldAt)
		}
		if refs, _ := e.S.ReleaseHolds(ctx, 100); len(refs) != 0 {
			t.Errorf("released twice: %v", refs)
		}
		if got, n, err := e.S.FindCalls(ctx, store.CallFilter{Conditions: []desk.Condition{desk.CondOffHold}}); err != nil || n != 1 || got[0].Ref != c.Ref || !got[0].Urgent {
			t.Errorf("off-hold calls: %d %v", n, err)
		}

		at = step(10 * time.Minute)
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActResolve, Text: "Installed the vendor's patch"})
		if c.State != desk.Resolved || !c.ResolvedAt.Equal(at) || c.Urgent || c.Resolution != "Installed the vendor's patch" ||
			!c.HoldUntil.IsZero() || c.Condition() != desk.CondResolved {
			t.Errorf("resolved: %+v", c)
		}
		at = step(24 * time.Hour)
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActReopen, Reason: "crashed again this morning"})
		if c.State != desk.Accepted || !c.ReopenedAt.Equal(at) || !c.ResolvedAt.IsZero() || c.Resolution != "" {
			t.Errorf("reopened: %+v", c)
		}
		resolvedAt := step(time.Hour)
		c = e.update(t, ann, c, desk.Transition{Action: desk.ActResolve, Text: "Removed the add-in"})

		// Auto-close after 5 days without an answer, by the injected clock.
		step(4 * 24 * time.Hour)
		if refs, err := e.S.AutoClose(ctx, 5*24*time.Hour, 100); err != nil || len(refs) != 0 {
			t.Fatalf("closed early: %v %v", refs, err)
		}
		at = step(24*time.Hour + time.Minute)
		refs, err = e.S.AutoClose(ctx, 5*24*time.Hour, 100)
		if err != nil || len(refs) != 1 || refs[0] != c.Ref {
			t.Fatalf("auto close: %v %v", refs, err)
		}
		c = e.call(t, c.Ref)
		if c.State != desk.Closed || !c.ClosedAt.Equal(at) || !c.ResolvedAt.Equal(resolvedAt) || c.Condition() != desk.CondClosed || c.Version != 10 {
			t.Errorf("closed: %s at %v resolved %v version %d", c.State, c.ClosedAt, c.ResolvedAt, c.Version)
		}
		// Milestones survive the round trip through the database.
		if !c.LoggedAt.Equal(start) || !c.AssignedAt.Equal(start.Add(5*time.Minute)) || !c.AcceptedAt.Equal(start.Add(10*time.Minute)) ||
			!c.HeldAt.Equal(start.Add(20*time.Minute)) || !c.OffHoldAt.Equal(start.Add(2*time.Hour+20*time.Minute+time.Second)) {
			t.Errorf("milestones: %+v", c)
		}

		// A closed call takes internal notes but no public updates.
		before := e.footprint(t)
		_, err = e.S.AddEntry(ctx, storetest.Actor(ann), c.Ref, desk.EntryUpdate, "Are you still there?")
		if ee := desk.AsError(err); ee == nil || ee.Code != desk.EINVALID || !strings.Contains(ee.Message, "closed") {
			t.Errorf("public update on a closed call: %v", err)
		}
		if after := e.footprint(t); after != before {
			t.Errorf("refused update left %+v -> %+v", before, after)
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(ann), c.Ref, desk.EntryNote, "Customer rang to say thanks"); err != nil {
			t.Errorf("note on a closed call: %v", err)
		}

		type line struct {
			kind   desk.EntryKind
			public bool
			author string
			text   string
		}
		want := []line{
			{desk.EntryAssignment, true, "Ann Archer", "assigned to Service Desk / Ann Archer"},
			{desk.EntryStatus, true, "Ann Archer", "accepted"},
			{desk.EntryStatus, true, "Ann Archer", "pending: waiting for the customer's crash log"},
			{desk.EntryNote, false, "Bob Baker", "Known issue with add-in v3, see KB123"},
			{desk.EntryStatus, true, "Ann Archer", "on hold until 2026-03-02T11:20:00Z: waiting for the vendor's patch"},
			{desk.EntryStatus, true, "calldesk", "off hold: the hold time passed; flagged urgent"},
			{desk.EntryStatus, true, "Ann Archer", "resolved: Installed the vendor's patch"},
			{desk.EntryStatus, true, "Ann Archer", "reopened: crashed again this morning"},
			{desk.EntryStatus, true, "Ann Archer", "resolved: Removed the add-in"},
			{desk.EntryStatus, true, "calldesk", "closed automatically 5 days after resolution"},
			{desk.EntryNote, false, "Ann Archer", "Customer rang to say thanks"},
		}
		all, err := e.S.Diary(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var got []line
		for i, d := range all {
			got = append(got, line{d.Kind, d.Public, d.Author, d.Text})
			if i > 0 && (d.ID <= all[i-1].ID || d.CreatedAt.Before(all[i-1].CreatedAt)) {
				t.Errorf("diary out of order at %d", i)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("diary:\n got %+v\nwant %+v", got, want)
		}
		if all[0].CallVersion != 2 || !all[0].CreatedAt.Equal(start.Add(5*time.Minute)) || all[5].AuthorID != 0 || all[3].AuthorID != bob.ID {
			t.Errorf("diary details: %+v", all)
		}
		public, err := e.S.Diary(ctx, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(public) != len(want)-2 {
			t.Errorf("public diary has %d entries, want %d", len(public), len(want)-2)
		}
		for _, d := range public {
			if !d.Public || d.Kind == desk.EntryNote {
				t.Errorf("internal entry in the public diary: %+v", d)
			}
		}
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		c := e.newCall(t, desk.NewCall{GroupID: e.F.Networks.ID})
		e.Clock.Advance(time.Hour)
		c = e.update(t, e.F.Cat, c, desk.Transition{Action: desk.ActCancel, Reason: "logged twice, see F0000002"})
		if c.State != desk.Cancelled || c.CancelNote != "logged twice, see F0000002" || !c.CancelledAt.Equal(start.Add(time.Hour)) ||
			c.Condition() != desk.CondCancelled {
			t.Errorf("cancelled: %+v", c)
		}
		stored := e.call(t, c.Ref)
		if !reflect.DeepEqual(stored, c) {
			t.Errorf("stored %+v\nreturned %+v", stored, c)
		}
		for _, a := range []desk.Action{desk.ActAssign, desk.ActResolve, desk.ActReopen, desk.ActCancel, desk.ActClose} {
			_, err := e.S.UpdateCall(context.Background(), storetest.Actor(e.F.Cat), c.Ref, 0, desk.Transition{Action: a,
				GroupID: e.F.Networks.ID, Text: "x", Reason: "x"})
			if codeOf(err) != desk.EINVALID || !strings.Contains(err.Error(), "cancelled") {
				t.Errorf("%s on a cancelled call: %v", a, err)
			}
		}
		_, err := e.S.AddEntry(context.Background(), storetest.Actor(e.F.Cat), c.Ref, desk.EntryUpdate, "hello?")
		if codeOf(err) != desk.EINVALID {
			t.Errorf("public update on a cancelled call: %v", err)
		}
	})
}

// TestIllegalTransitionsChangeNothing: a refused transition leaves the call, its version, its
// diary and the audit trail exactly as they were.
func TestIllegalTransitionsChangeNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann, cat := e.F.Ann, e.F.Cat
		unassigned := e.newCall(t, desk.NewCall{})
		accepted := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: ann.ID})
		accepted = e.update(t, ann, accepted, desk.Transition{Action: desk.ActAccept})
		onHold := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: ann.ID})
		onHold = e.update(t, ann, onHold, desk.Transition{Action: desk.ActHold, Until: start.Add(time.Hour), Reason: "part"})
		tests := []struct {
			name  string
			call  desk.Call
			actor desk.Person
			tr    desk.Transition
			want  string // in the message
		}{
			{"accept an unassigned call", unassigned, ann, desk.Transition{Action: desk.ActAccept}, "cannot accept call F0000001: it is unassigned"},
			{"resolve an unassigned call", unassigned, ann, desk.Transition{Action: desk.ActResolve, Text: "x"}, "cannot resolve call F0000001: it is unassigned"},
			{"close an accepted call", accepted, ann, desk.Transition{Action: desk.ActClose}, "cannot close call F0000002: it is accepted"},
			{"reopen an accepted call", accepted, ann, desk.Transition{Action: desk.ActReopen, Reason: "x"}, "cannot reopen call F0000002: it is accepted"},
			{"hold a call on hold", onHold, ann, desk.Transition{Action: desk.ActHold, Until: start.Add(2 * time.Hour), Reason: "x"}, "it is on hold"},
			{"off hold before the time", onHold, ann, desk.Transition{Action: desk.ActOffHold}, "on hold until"},
			{"hold without a reason", accepted, ann, desk.Transition{Action: desk.ActHold, Until: start.Add(time.Hour)}, "reason is required"},
			{"assign to an analyst outside the group", unassigned, ann, desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID, AnalystID: cat.ID}, "Cat Carter is not a member of Service Desk"},
			{"accept a call on hold", onHold, cat, desk.Transition{Action: desk.ActAccept}, "it is on hold"},
			{"change to an unknown profile", accepted, ann, desk.Transition{Action: desk.ActChange, ProfileID: 9999}, "no problem profile with id 9999"},
			{"unknown action", accepted, ann, desk.Transition{Action: "escalate"}, `"escalate" is not an action`},
		}
		for _, tt := range tests {
			before := e.call(t, tt.call.Ref)
			fp := e.footprint(t)
			_, err := e.S.UpdateCall(ctx, storetest.Actor(tt.actor), tt.call.Ref, before.Version, tt.tr)
			if codeOf(err) != desk.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: got %v, want EINVALID with %q", tt.name, err, tt.want)
			}
			if after := e.call(t, tt.call.Ref); !reflect.DeepEqual(after, before) {
				t.Errorf("%s changed the call:\nbefore %+v\nafter  %+v", tt.name, before, after)
			}
			if after := e.footprint(t); after != fp {
				t.Errorf("%s left %+v -> %+v", tt.name, fp, after)
			}
		}
		// A non-member may not accept a call of another group.
		assigned := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID})
		fp := e.footprint(t)
		_, err := e.S.UpdateCall(ctx, storetest.Actor(cat), assigned.Ref, assigned.Version, desk.Transition{Action: desk.ActAccept})
		if codeOf(err) != desk.EINVALID || !strings.Contains(err.Error(), "not a member of Service Desk") {
			t.Errorf("accept by a non-member: %v", err)
		}
		if e.footprint(t) != fp || e.call(t, assigned.Ref).Version != assigned.Version {
			t.Error("refused accept changed something")
		}
		// Unknown and malformed references.
		for _, ref := range []string{"F0999999", "Z123", ""} {
			_, err := e.S.UpdateCall(ctx, storetest.Actor(ann), ref, 0, desk.Transition{Action: desk.ActAccept})
			if codeOf(err) != desk.ENOTFOUND {
				t.Errorf("update %q: %v, want ENOTFOUND", ref, err)
			}
			if _, err := e.S.FindCallByRef(ctx, ref); codeOf(err) != desk.ENOTFOUND {
				t.Errorf("find %q: %v, want ENOTFOUND", ref, err)
			}
			if _, err := e.S.AddEntry(ctx, storetest.Actor(ann), ref, desk.EntryNote, "x"); codeOf(err) != desk.ENOTFOUND {
				t.Errorf("add entry to %q: %v, want ENOTFOUND", ref, err)
			}
		}
		if e.footprint(t) != fp {
			t.Error("unknown references changed something")
		}
	})
}

func TestAddEntryValidation(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		c := e.newCall(t, desk.NewCall{})
		fp := e.footprint(t)
		tests := []struct {
			kind  desk.EntryKind
			text  string
			field string
		}{
			{desk.EntryUpdate, "  ", "text"},
			{desk.EntryStatus, "resolved by hand", "kind"},
			{"gossip", "x", "kind"},
			{desk.EntryNote, strings.Repeat("x", 100_001), "text"},
		}
		for _, tt := range tests {
			_, err := e.S.AddEntry(context.Background(), storetest.Actor(e.F.Ann), c.Ref, tt.kind, tt.text)
			if ee := desk.AsError(err); ee == nil || ee.Fields[tt.field] == "" {
				t.Errorf("%s %.10q: %v, want a field error on %s", tt.kind, tt.text, err, tt.field)
			}
		}
		if e.footprint(t) != fp {
			t.Error("refused entries left something")
		}
		e.Clock.Advance(time.Minute)
		en, err := e.S.AddEntry(context.Background(), storetest.Actor(e.F.Ann), c.Ref, desk.EntryUpdate, " We are looking into it ")
		if err != nil {
			t.Fatal(err)
		}
		if en.ID == 0 || !en.Public || en.Text != "We are looking into it" || en.AuthorID != e.F.Ann.ID || en.CallVersion != 1 ||
			!en.CreatedAt.Equal(start.Add(time.Minute)) {
			t.Errorf("entry %+v", en)
		}
		// Appending does not bump the version (nothing can be lost), but it does touch updated_at.
		if got := e.call(t, c.Ref); got.Version != 1 || !got.UpdatedAt.Equal(start.Add(time.Minute)) {
			t.Errorf("call after entry: version %d updated %v", got.Version, got.UpdatedAt)
		}
	})
}

// TestAssignDefaultsToProfileGroup: assigning without a group uses the problem profile's default
// group; with neither, the group is a required field.
func TestAssignDefaultsToProfileGroup(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		c := e.newCall(t, desk.NewCall{ProfileID: e.F.Wifi.ID})
		c = e.update(t, e.F.Cat, c, desk.Transition{Action: desk.ActAssign, AnalystID: e.F.Cat.ID})
		if c.GroupID != e.F.Networks.ID || c.AnalystID != e.F.Cat.ID || c.State != desk.Assigned {
			t.Errorf("assigned to group %d analyst %d (%s)", c.GroupID, c.AnalystID, c.State)
		}
		bare := e.newCall(t, desk.NewCall{})
		_, err := e.S.UpdateCall(context.Background(), storetest.Actor(e.F.Ann), bare.Ref, bare.Version, desk.Transition{Action: desk.ActAssign})
		if ee := desk.AsError(err); ee == nil || ee.Fields["group_id"] == "" {
			t.Errorf("assign with no group and no profile: %v", err)
		}
	})
}

func TestUpdatePersonUsernameTaken(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p, _ := e.S.FindPerson(ctx, e.F.Eve.ID)
		p.Username = "aarcher"
		fp := e.footprint(t)
		_, err := e.S.UpdatePerson(ctx, e.F.Admin, p)
		if ee := desk.AsError(err); ee == nil || ee.Code != desk.EINVALID || !strings.Contains(ee.Fields["username"], "taken") {
			t.Errorf("taken username: %v", err)
		}
		if got, _ := e.S.FindPerson(ctx, e.F.Eve.ID); got.Username != "eevans" || got.Version != 1 || e.footprint(t) != fp {
			t.Errorf("the refused update changed something: %+v", got)
		}
		if _, err := e.S.FindPerson(ctx, 9999); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("unknown person: %v", err)
		}
	})
}
