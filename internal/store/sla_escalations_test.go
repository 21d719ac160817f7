package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/sla"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// escalationMail is the job's real mail writer (internal/mail's templates).
func escalationMail(t *testing.T) store.EscalationMail {
	t.Helper()
	tpl, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return (&mail.Escalations{Templates: tpl, Domain: "desk.uni.example", ConsoleURL: "https://desk.uni.example/"}).Mail
}

func (e *env) point(t *testing.T, p store.EscalationPoint) store.EscalationPoint {
	t.Helper()
	got, err := e.S.CreateEscalationPoint(context.Background(), e.F.Admin, p, "test")
	if err != nil {
		t.Fatalf("escalation point %+v: %v", p, err)
	}
	return got
}

// escalateAt is the call's call_sla.escalate_at (zero when NULL).
func (e *env) escalateAt(t *testing.T, c desk.Call) time.Time {
	t.Helper()
	var v sql.NullInt64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT escalate_at FROM call_sla WHERE call_id = ?`), c.ID).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func (e *env) escalate(t *testing.T, m store.EscalationMail) store.EscalationPass {
	t.Helper()
	p, err := e.S.Escalate(context.Background(), 1000, m)
	if err != nil {
		t.Fatalf("escalate: %v", err)
	}
	return p
}

// escalationLines are the call's diary lines the escalation job wrote, and whether any is public.
func (e *env) escalationLines(t *testing.T, c desk.Call) (lines []string, public bool) {
	t.Helper()
	rows, err := e.DB.Query(e.DB.Rebind(`SELECT body, public FROM diary_entries WHERE call_id = ? AND body LIKE 'service level:%' ORDER BY id`), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		var p int
		if err := rows.Scan(&b, &p); err != nil {
			t.Fatal(err)
		}
		lines, public = append(lines, b), public || p != 0
	}
	return lines, public
}

func (e *env) outbox(t *testing.T, c desk.Call) []desk.OutMail {
	t.Helper()
	ms, err := e.S.OutMail(context.Background(), desk.MailPending, c.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []desk.OutMail
	for _, m := range ms {
		if m.Kind == desk.MailEscalation {
			out = append(out, m)
		}
	}
	return out
}

// Escalation points fire once each as a call's respond clock runs (issue 17 point 4): the
// analyst at 50%, the group's leads at 75%, the service-level managers and a raised priority at
// 100%; escalate_at says when the job must look next, the emails carry the reference and a link
// only, and each firing leaves an internal diary line and an audit record naming the point.
func TestEscalationPointsFireOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		m := escalationMail(t)
		// Bob leads the Service Desk; Eve is a service-level manager.
		if _, err := e.S.SetGroupLead(ctx, e.F.Admin, e.F.ServiceDesk.ID, e.F.Cat.ID, true); desk.ErrorCode(err) != desk.EINVALID ||
			!strings.Contains(desk.AsError(err).Fields["person_id"], "not a member") {
			t.Errorf("a lead who is not a member: %v", err)
		}
		if ch, err := e.S.SetGroupLead(ctx, e.F.Admin, e.F.ServiceDesk.ID, e.F.Bob.ID, true); err != nil || !ch {
			t.Fatalf("lead: %v %v", ch, err)
		}
		if a := e.lastAudit(t); a.Action != "group.lead" || !strings.Contains(a.Detail, "Bob Baker a lead of Service Desk") {
			t.Errorf("lead audit: %+v", a)
		}
		if ids, err := e.S.GroupLeads(ctx, e.F.ServiceDesk.ID); err != nil || len(ids) != 1 || ids[0] != e.F.Bob.ID {
			t.Errorf("leads: %v %v", ids, err)
		}
		if _, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Eve.ID, Login: "eve", Roles: []desk.Role{desk.RoleServiceManager}, Active: true}); err != nil {
			t.Fatal(err)
		}
		p50 := e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyAnalyst})
		p75 := e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 75, Action: store.NotifyLeads})
		p100 := e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 100, Action: store.NotifyManagers})
		raise := e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 100, Priority: 3, Action: store.RaisePriority})
		// Another priority's point never applies to this P3 call.
		e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 60, Priority: 4, Action: store.NotifyManagers})

		// Monday 09:00 (GMT): P3 for Ann of the Service Desk; respond within 4h: 50% at 11:00.
		c := e.newCall(t, desk.NewCall{Summary: "Dan's thesis files vanished", GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
		if got, want := e.escalateAt(t, c), start.Add(2*time.Hour); !got.Equal(want) {
			t.Fatalf("escalate_at after logging: %v, want %v", got, want)
		}
		e.Clock.Advance(time.Hour)
		if p := e.escalate(t, m); p.Calls != 0 || p.Fired != 0 {
			t.Errorf("at 10:00 nothing is due: %+v", p)
		}
		e.Clock.Advance(90 * time.Minute) // 11:30
		if p := e.escalate(t, m); p.Calls != 1 || p.Fired != 1 {
			t.Errorf("at 11:30: %+v", p)
		}
		if got, want := e.escalateAt(t, c), start.Add(3*time.Hour); !got.Equal(want) {
			t.Errorf("escalate_at after 50%%: %v, want %v (75%%)", got, want)
		}
		out := e.outbox(t, c)
		if len(out) != 1 || out[0].To != e.F.Ann.Email || !strings.Contains(out[0].Subject, c.Ref) ||
			!strings.Contains(out[0].Text, "https://desk.uni.example/calls/"+c.Ref) || !strings.Contains(out[0].Text, "50% of the respond time used") {
			t.Fatalf("the analyst's email: %+v", out)
		}
		for _, leak := range []string{"thesis", "Dan", "Dawson", "Ann", "Archer"} {
			if strings.Contains(out[0].Subject+out[0].Text+out[0].HTML, leak) {
				t.Errorf("the email carries %q (P18: reference and link only):\n%s", leak, out[0].Text)
			}
		}
		a := e.lastAudit(t)
		if a.Action != "call.escalate" || a.ObjectID != c.Ref || !strings.Contains(a.Detail, fmt.Sprintf("escalation point %d (50%% of the respond time used, notify_analyst)", p50.ID)) ||
			!strings.Contains(a.Detail, "notified the assigned analyst") {
			t.Errorf("audit: %+v", a)
		}
		// The job run again, at once: nothing fires twice.
		if p := e.escalate(t, m); p.Fired != 0 {
			t.Errorf("again at 11:30: %+v", p)
		}
		// 13:30: 75% and 100% crossed: the leads, the managers, and P3 raised to P2 (no P2 rule:
		// the call has no target any more, so nothing is left to check).
		e.Clock.Advance(2 * time.Hour)
		if p := e.escalate(t, m); p.Calls != 1 || p.Fired != 3 {
			t.Errorf("at 13:30: %+v", p)
		}
		got := e.call(t, c.Ref)
		if got.Priority != 2 || got.Impact != desk.Medium || got.Urgency != desk.High {
			t.Errorf("priority raised one step: %v %s/%s", got.Priority, got.Impact, got.Urgency)
		}
		if nc := e.escalateAt(t, c); !nc.IsZero() {
			t.Errorf("escalate_at with no target: %v", nc)
		}
		to := map[string]int{}
		for _, m := range e.outbox(t, c) {
			to[m.To]++
		}
		if len(to) != 3 || to[e.F.Ann.Email] != 1 || to[e.F.Bob.Email] != 1 || to[e.F.Eve.Email] != 1 {
			t.Errorf("emails: %v", to)
		}
		lines, public := e.escalationLines(t, c)
		want := []string{
			"service level: 50% of the respond time used; notified the assigned analyst",
			"service level: 75% of the respond time used; notified the group's leads",
			"service level: 100% of the respond time used; notified the service-level managers",
			"service level: 100% of the respond time used; raised the priority to P2",
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") || public {
			t.Errorf("diary (public %v):\n%s", public, strings.Join(lines, "\n"))
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sla_escalations_fired WHERE call_id = ?`, c.ID); n != 4 {
			t.Errorf("fired rows: %d", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.escalate' AND object_id = ?`, c.Ref); n != 4 {
			t.Errorf("audit records: %d", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.change' AND object_id = ? AND actor = 'calldesk (service levels)'`, c.Ref); n != 1 {
			t.Errorf("the raise is an audited change of the call: %d", n)
		}
		var detail string
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT detail FROM audit_log WHERE action = 'call.escalate' AND detail LIKE ?`), fmt.Sprintf("escalation point %d %%", raise.ID)).Scan(&detail); err != nil ||
			!strings.Contains(detail, "P3 calls only") {
			t.Errorf("the raise's audit: %q %v", detail, err)
		}
		_ = p75
		_ = p100
		if p := e.escalate(t, m); p.Calls != 0 {
			t.Errorf("nothing due at the end: %+v", p)
		}
	})
}

// Reassigning at a point, a point made after a call crossed it (it does not fire for that
// call), and notifying when nobody can be emailed (the diary says why).
func TestEscalationReassignAndLatePoints(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		// Resolve within 30h: 10% is 3h, at 12:00.
		e.point(t, store.EscalationPoint{Target: store.ResolveTarget, Percent: 10, Action: store.Reassign, GroupID: e.F.Networks.ID})
		c := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
		if got, want := e.escalateAt(t, c), start.Add(3*time.Hour); !got.Equal(want) {
			t.Fatalf("escalate_at: %v, want %v", got, want)
		}
		e.Clock.Advance(2*time.Hour + 30*time.Minute) // 11:30: the respond clock is at 62%
		// Made now: respond 50% (crossed at 11:00, before it existed) and 75% (12:00).
		late := e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyAnalyst})
		e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 75, Action: store.NotifyAnalyst})
		if p := e.escalate(t, nil); p.Fired != 0 {
			t.Errorf("11:30: %+v", p)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sla_escalations_fired WHERE point_id = ?`, late.ID); n != 0 {
			t.Errorf("a point made after the crossing fired: %d", n)
		}
		e.Clock.Advance(45 * time.Minute) // 12:15
		p := e.escalate(t, nil)
		if p.Fired != 2 {
			t.Errorf("12:15: %+v", p)
		}
		got := e.call(t, c.Ref)
		if got.GroupID != e.F.Networks.ID || got.AnalystID != 0 || got.State != desk.Assigned {
			t.Errorf("reassigned: %+v", got)
		}
		// The escalation's reassignment counts for the first-contact report as any other does.
		if x, err := e.S.FindCallFirstContact(context.Background(), c.Ref); err != nil || x.Reassigned != 1 {
			t.Errorf("the escalation's reassignment: %+v %v", x, err)
		}
		lines, _ := e.escalationLines(t, c)
		want := "service level: 10% of the resolve time used; reassigned to Networks\n" +
			"service level: 75% of the respond time used; nobody emailed: no analyst is assigned and the group has no mailbox"
		if strings.Join(lines, "\n") != want {
			t.Errorf("diary:\n%s", strings.Join(lines, "\n"))
		}
		if len(e.outbox(t, c)) != 0 {
			t.Errorf("emails without a mail writer")
		}
		// The respond clock's history says nothing of reassignment: the clock keeps running.
		lv, err := e.S.ServiceLevelOf(ctx, got)
		if err != nil || lv.Respond.State != "running" {
			t.Errorf("after the reassignment: %+v %v", lv.ServiceLevel, err)
		}
		// Every point that applies has fired or was crossed before it existed: the job looks again
		// only when the call's band changes, at the respond deadline.
		if nc := e.escalateAt(t, c); !nc.Equal(lv.DueAt) || nc.IsZero() {
			t.Errorf("escalate_at after firing: %v, want the deadline %v", nc, lv.DueAt)
		}
	})
}

// The administration of points: bad input names the field, changes are audited with their reason
// and bump the configuration version.
func TestEscalationPointAdmin(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var v0 int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT version FROM sla_config WHERE id = 1`)).Scan(&v0); err != nil {
			t.Fatal(err)
		}
		_, err := e.S.CreateEscalationPoint(ctx, e.F.Admin, store.EscalationPoint{Target: "fix", Percent: 0, Priority: 7, Action: "shout"}, "")
		de := desk.AsError(err)
		if de == nil || de.Code != desk.EINVALID {
			t.Fatalf("bad point: %v", err)
		}
		for _, f := range []string{"target", "percent", "priority", "action", "reason"} {
			if de.Fields[f] == "" {
				t.Errorf("no error for %s: %v", f, de.Fields)
			}
		}
		_, err = e.S.CreateEscalationPoint(ctx, e.F.Admin, store.EscalationPoint{Target: store.ResolveTarget, Percent: 150, Action: store.Reassign, GroupID: 9999}, "why")
		if de := desk.AsError(err); de == nil || !strings.Contains(de.Fields["group_id"], "no support group") {
			t.Errorf("unknown group: %v", err)
		}
		p, err := e.S.CreateEscalationPoint(ctx, e.F.Admin, store.EscalationPoint{Target: store.ResolveTarget, Percent: 150, Action: store.Reassign, GroupID: e.F.Networks.ID}, "late calls to Networks")
		if err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "sla.escalation.create" || a.Reason != "late calls to Networks" ||
			!strings.Contains(a.Detail, "150% of the resolve time used: reassign the call to another group Networks") {
			t.Errorf("audit: %+v", a)
		}
		if _, err := e.S.CreateEscalationPoint(ctx, e.F.Admin, store.EscalationPoint{Target: store.ResolveTarget, Percent: 150, Action: store.Reassign, GroupID: e.F.Networks.ID}, "again"); desk.AsError(err) == nil ||
			desk.AsError(err).Fields["percent"] == "" {
			t.Errorf("a duplicate: %v", err)
		}
		p.Percent, p.Priority = 200, 1
		if _, err := e.S.UpdateEscalationPoint(ctx, e.F.Admin, p, "later"); err != nil {
			t.Fatal(err)
		}
		ps, err := e.S.EscalationPoints(ctx)
		if err != nil || len(ps) != 1 || ps[0].Percent != 200 || ps[0].Priority != 1 || ps[0].GroupID != e.F.Networks.ID {
			t.Errorf("points: %+v %v", ps, err)
		}
		if err := e.S.DeleteEscalationPoint(ctx, e.F.Admin, p.ID, ""); desk.AsError(err) == nil || desk.AsError(err).Fields["reason"] == "" {
			t.Errorf("delete without a reason: %v", err)
		}
		if err := e.S.DeleteEscalationPoint(ctx, e.F.Admin, p.ID, "not needed"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.FindEscalationPoint(ctx, p.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("deleted: %v", err)
		}
		var v1 int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT version FROM sla_config WHERE id = 1`)).Scan(&v1); err != nil || v1 != v0+3 {
			t.Errorf("config version %d -> %d", v0, v1)
		}
	})
}

// Several instances (separate stores on one PostgreSQL database) run the job at once over the
// same due calls: each point fires exactly once per call (issue 17: "escalations on several
// instances fire once").
func TestEscalationsOnSeveralInstances(t *testing.T) {
	if !contains(storetest.Engines(t), "postgres") {
		t.Skip("needs PostgreSQL (" + storetest.EnvPostgres + ")")
	}
	e := newEnv(t, "postgres")
	ctx := context.Background()
	slaDesk(t, e)
	if _, err := e.S.SetGroupLead(ctx, e.F.Admin, e.F.ServiceDesk.ID, e.F.Bob.ID, true); err != nil {
		t.Fatal(err)
	}
	e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyAnalyst})
	e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 75, Action: store.NotifyLeads})
	// Notifications only: a change of the call (a raised priority) would make a second firing
	// fail on the call's version and roll back, hiding a missing guard.
	e.point(t, store.EscalationPoint{Target: store.ResolveTarget, Percent: 10, Action: store.NotifyManagers})
	if _, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Eve.ID, Login: "eve", Roles: []desk.Role{desk.RoleServiceManager}, Active: true}); err != nil {
		t.Fatal(err)
	}
	const calls = 40
	for range calls {
		e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
	}
	m := escalationMail(t)
	const instances = 4
	stores := []*store.Store{e.S}
	for range instances - 1 {
		stores = append(stores, storetest.OpenDSN(t, "postgres", e.DSN, e.Clock))
	}
	// Each instance connected and its configuration loaded (nothing is due yet), so that the
	// runs below start together rather than one after another.
	for _, s := range stores {
		if p, err := s.Escalate(ctx, 1000, m); err != nil || p.Calls != 0 {
			t.Fatalf("warm-up: %+v %v", p, err)
		}
	}
	e.Clock.Advance(3*time.Hour + 30*time.Minute) // 12:30: respond 87%, resolve 11.7%
	var wg sync.WaitGroup
	fired := make([]int, instances*2)
	errs := make([]error, instances*2)
	ready := make(chan struct{})
	for i := range instances * 2 { // two runs per instance, all at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			p, err := stores[i%instances].Escalate(ctx, 1000, m)
			fired[i], errs[i] = p.Fired, err
		}()
	}
	close(ready)
	wg.Wait()
	total := 0
	for i := range fired {
		if errs[i] != nil {
			t.Errorf("instance %d: %v", i%instances, errs[i])
		}
		total += fired[i]
	}
	if total != 3*calls {
		t.Errorf("fired %d in all, want %d", total, 3*calls)
	}
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM sla_escalations_fired`); n != 3*calls {
		t.Errorf("fired rows: %d", n)
	}
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'escalation'`); n != 3*calls {
		t.Errorf("escalation emails: %d, want %d", n, 3*calls)
	}
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.escalate'`); n != 3*calls {
		t.Errorf("escalation audit records: %d", n)
	}
	if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE body LIKE 'service level:%'`); n != 3*calls {
		t.Errorf("diary lines: %d", n)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// A call whose customer's processing is restricted is frozen: its points wait until the
// restriction is lifted, then fire. Without a mail writer (email not set up) a notify point still
// fires, and the diary says nobody was emailed.
func TestEscalationWaitsForRestriction(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyAnalyst})
		c := e.newCall(t, desk.NewCall{CustomerID: e.F.Eve.ID, GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
		if err := e.S.Restrict(ctx, e.F.Admin, e.F.Eve.ID, true, "contests accuracy"); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(150 * time.Minute) // 11:30: 50% crossed at 11:00
		if p := e.escalate(t, nil); p.Calls != 0 || p.Fired != 0 {
			t.Errorf("restricted: %+v", p)
		}
		if err := e.S.Restrict(ctx, e.F.Admin, e.F.Eve.ID, false, "resolved"); err != nil {
			t.Fatal(err)
		}
		// Five more calls due at once, read two at a time: the pass reads every batch.
		for range 5 {
			e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
		}
		e.Clock.Advance(150 * time.Minute) // 14:00: theirs crossed at 13:30
		if p, err := e.S.EscalateInBatches(ctx, 100, 2, nil); err != nil || p.Calls != 6 || p.Fired != 6 {
			t.Errorf("lifted, with five more in batches of two: %+v %v", p, err)
		}
		lines, _ := e.escalationLines(t, c)
		if len(lines) != 1 || lines[0] != "service level: 50% of the respond time used; the assigned analyst: not emailed, email is not set up" {
			t.Errorf("diary: %q", lines)
		}
	})
}

// A point the calendar cannot place (1000% of a 2,000-hour target: past the calendar's two-year
// horizon) is left out; it neither stops the call being logged nor hides the other points.
func TestEscalationPointBeyondHorizon(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		_, rules := storetest.ServiceLevels(t, e.S, e.F)
		p4 := rules[2]
		p4.Resolve = sla.Target{Within: 2000 * time.Hour}
		if _, err := e.S.UpdateRule(ctx, e.F.Admin, p4, "test"); err != nil {
			t.Fatal(err)
		}
		e.point(t, store.EscalationPoint{Target: store.ResolveTarget, Percent: 1000, Action: store.NotifyManagers})
		c := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, Impact: desk.Low, Urgency: desk.Low})
		// Only the band's change is left to check: 75% of the 4h respond time, at 12:00.
		if nc, want := e.escalateAt(t, c), start.Add(3*time.Hour); !nc.Equal(want) {
			t.Errorf("escalate_at with only an unplaceable point: %v, want the band's change %v", nc, want)
		}
		e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyManagers})
		c = e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, Impact: desk.Low, Urgency: desk.Low})
		if nc, want := e.escalateAt(t, c), start.Add(2*time.Hour); !nc.Equal(want) {
			t.Errorf("escalate_at: %v, want %v", nc, want)
		}
	})
}

// The escalation job also moves a call's band (ok, at risk, overdue): escalate_at is the earliest
// of a point's crossing and the band's next change, so a call whose points have fired comes back
// at its band's changes only, once each, and then settles.
func TestEscalationJobMovesTheBandAndSettles(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		slaDesk(t, e)
		london, _ := time.LoadLocation("Europe/London")
		e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyAnalyst})
		c := e.newCall(t, desk.NewCall{GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID})
		band := func() string {
			t.Helper()
			var b string
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT band FROM call_sla WHERE call_id = ?`), c.ID).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		e.Clock.Advance(150 * time.Minute) // 11:30: 50% crossed at 11:00
		if p := e.escalate(t, nil); p.Fired != 1 {
			t.Fatalf("11:30: %+v", p)
		}
		// The only point fired: the call comes back when it is at risk (75%, 12:00).
		if nc := e.escalateAt(t, c); !nc.Equal(time.Date(2026, 3, 2, 12, 0, 0, 0, london)) || band() != "ok" {
			t.Errorf("escalate_at once the only point fired: %v (band %s)", nc, band())
		}
		e.Clock.Advance(45 * time.Minute) // 12:15
		if p := e.escalate(t, nil); p.Calls != 1 || p.Fired != 0 || band() != "at_risk" {
			t.Fatalf("12:15: %+v, band %s", p, band())
		}
		if nc := e.escalateAt(t, c); !nc.Equal(time.Date(2026, 3, 2, 13, 0, 0, 0, london)) {
			t.Errorf("escalate_at at risk: %v, want the deadline", nc)
		}
		if p := e.escalate(t, nil); p.Calls != 0 {
			t.Errorf("a second pass at 12:15: %+v", p)
		}
		e.Clock.Advance(time.Hour) // 13:15: overdue
		if p := e.escalate(t, nil); p.Calls != 1 || p.Fired != 0 || band() != "overdue" {
			t.Errorf("13:15: %+v, band %s", p, band())
		}
		if p := e.escalate(t, nil); p.Calls != 0 {
			t.Errorf("a second pass at 13:15: %+v", p)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sla_escalations_fired`); n != 1 {
			t.Errorf("fired rows: %d", n)
		}
	})
}
