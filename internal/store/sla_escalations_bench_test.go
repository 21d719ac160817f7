package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestEscalationPassBench measures the escalation job's pass over 200,000 open calls (issue 17's
// benchmark: under 5 s), on each engine: with none due, it reads nothing but the partial index;
// with 1% due, it re-evaluates those and fires their points. It loads the calls itself, so it
// runs only when CALLDESK_BENCH_ESCALATIONS is set (to the number of open calls, default 200000).
func TestEscalationPassBench(t *testing.T) {
	v := os.Getenv("CALLDESK_BENCH_ESCALATIONS")
	if v == "" {
		t.Skip("CALLDESK_BENCH_ESCALATIONS is not set")
	}
	open, err := strconv.Atoi(v)
	if err != nil || open < 1000 {
		open = 200_000
	}
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		slaDesk(t, e)
		if _, err := e.S.SetGroupLead(ctx, e.F.Admin, e.F.ServiceDesk.ID, e.F.Bob.ID, true); err != nil {
			t.Fatal(err)
		}
		e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyAnalyst})
		e.point(t, store.EscalationPoint{Target: store.RespondTarget, Percent: 75, Action: store.NotifyLeads})
		loaded := time.Now()
		b, err := e.S.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		logged := start.Add(-time.Hour)
		for i := range open {
			c := desk.Call{Kind: desk.Fault, Summary: "bench " + strconv.Itoa(i), CustomerID: e.F.Dan.ID, Source: desk.SourcePhone,
				Impact: desk.Medium, Urgency: desk.Medium, Priority: 3, GroupID: e.F.ServiceDesk.ID, AnalystID: e.F.Ann.ID,
				State: desk.Assigned, LoggedAt: logged, AssignedAt: logged}
			if err := b.AddCall(ctx, &c, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Finish(ctx, e.F.Admin, "bench.load", "escalation bench", nil); err != nil {
			t.Fatal(err)
		}
		// Their service-level rows: running clocks logged Monday 08:00 (respond within 4h: 50% at
		// 10:00), escalate_at tomorrow, except every hundredth call's, due at 09:00.
		history := sla.EncodeHistory([]sla.Event{{At: logged, Kind: sla.Logged, State: desk.Assigned}})
		now := e.Clock.Now()
		e.DB.MustExec(t, `INSERT INTO call_sla (call_id, history, config, respond_state, resolve_state, escalate_at, live, evaluated_at)
			SELECT id, ?, 1, 'running', 'running', CASE WHEN id % 100 = 0 THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END, 1, CAST(? AS BIGINT) FROM calls
			WHERE id NOT IN (SELECT call_id FROM call_sla)`, history, now.UnixMicro(), now.Add(24*time.Hour).UnixMicro(), now.UnixMicro())
		if e.Engine == "postgres" {
			e.DB.MustExec(t, `ANALYZE call_sla`)
		} else {
			e.DB.MustExec(t, `ANALYZE`)
		}
		t.Logf("%s: %d open calls loaded in %v", e.Engine, open, time.Since(loaded).Round(time.Millisecond))
		m := escalationMail(t)

		// Half an hour ago nothing was due: a pass reads only the index.
		e.Clock.Set(now.Add(-30 * time.Minute))
		t0 := time.Now()
		p, err := e.S.Escalate(ctx, 1_000_000, m)
		idle := time.Since(t0)
		if err != nil || p.Calls != 0 {
			t.Fatalf("idle pass: %+v %v", p, err)
		}
		e.Clock.Set(now.Add(61 * time.Minute)) // 10:01: 2h01 of the calls' 4h respond time used: 50% crossed
		t0 = time.Now()
		p, err = e.S.Escalate(ctx, 1_000_000, m)
		busy := time.Since(t0)
		if err != nil || p.Calls != open/100 || p.Fired != open/100 {
			t.Fatalf("busy pass: %+v %v", p, err)
		}
		t.Logf("%s: escalation pass over %d open calls: none due %v; %d due (%d fired) %v (%.2f ms a call)", e.Engine, open,
			idle.Round(time.Microsecond), p.Calls, p.Fired, busy.Round(time.Millisecond), float64(busy.Microseconds())/1000/float64(p.Calls))
		if idle > 5*time.Second || busy > 5*time.Second {
			t.Errorf("a pass took over 5 s")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'escalation'`); n != open/100 {
			t.Errorf("emails: %d", n)
		}
	})
}

// BenchmarkEscalationPass times the escalation job on the million-call copy with 200,000 calls
// open (slaBenchStore; issue 17: a pass under 5 s), with three points (respond 75% to the leads,
// resolve 75% to the service-level managers, resolve 100% raising the priority): after every open
// call is re-evaluated with them, the clock moves on to when 2,000 calls (1% of the open ones, or
// all that will ever be due if fewer) have crossed one, and a pass fires their points; a second
// pass at the same instant finds nothing due. Only due rows are read. No email is written (the
// diary says so): rendering is not what is measured.
func BenchmarkEscalationPass(b *testing.B) {
	_, raw := slaBenchStore(b)
	engine, dsn := benchDB(b)
	clock := storetest.NewClock(time.Now())
	s := storetest.OpenDSN(b, engine, dsn, clock)
	ctx := context.Background()
	raw.MustExec(b, `DELETE FROM sla_escalations_fired`)
	raw.MustExec(b, `DELETE FROM sla_escalation_points`)
	for _, p := range []store.EscalationPoint{
		{Target: store.RespondTarget, Percent: 75, Action: store.NotifyLeads},
		{Target: store.ResolveTarget, Percent: 75, Action: store.NotifyManagers},
		{Target: store.ResolveTarget, Percent: 100, Action: store.RaisePriority},
	} {
		if _, err := s.CreateEscalationPoint(ctx, desk.Actor{Name: "bench"}, p, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	n := 0
	for {
		r, err := s.RepairSLA(ctx, 2000)
		if err != nil {
			b.Fatal(err)
		}
		if r.Done() {
			break
		}
		n += r.Reevaluated
	}
	open := raw.Count(b, `SELECT COUNT(*) FROM call_sla WHERE live = 1`)
	waiting := raw.Count(b, `SELECT COUNT(*) FROM call_sla WHERE escalate_at IS NOT NULL`)
	k := min(2000, waiting)
	if k == 0 {
		b.Fatalf("no open call will cross a point")
	}
	var at int64
	if err := raw.QueryRow(raw.Rebind(`SELECT escalate_at FROM call_sla WHERE escalate_at IS NOT NULL ORDER BY escalate_at LIMIT 1 OFFSET ?`), k-1).Scan(&at); err != nil {
		b.Fatal(err)
	}
	clock.Set(time.UnixMicro(at))
	due := raw.Count(b, `SELECT COUNT(*) FROM call_sla WHERE escalate_at IS NOT NULL AND escalate_at <= ?`, at)
	b.Logf("%s: %d open calls (%d re-evaluated with the points in %s), %d with a point ahead; %d due at %s",
		engine, open, n, time.Since(t0).Round(time.Millisecond), waiting, due, clock.Now().Format(time.RFC3339))
	for b.Loop() {
		t0 = time.Now()
		busy, err := s.Escalate(ctx, 1<<30, nil)
		if err != nil {
			b.Fatal(err)
		}
		busyTook := time.Since(t0)
		t0 = time.Now()
		idle, err := s.Escalate(ctx, 1<<30, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(busyTook.Seconds(), "s-pass")
		b.ReportMetric(float64(busy.Calls), "due-calls")
		b.ReportMetric(float64(busy.Fired), "fired")
		b.ReportMetric(time.Since(t0).Seconds(), "s-idle-pass")
		b.ReportMetric(float64(idle.Calls), "idle-calls")
		b.ReportMetric(float64(open), "open-calls")
	}
}
