package demo

import (
	"context"
	"fmt"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
)

// The demo's service levels (issue 17 point 7): a "Service Desk" calendar of 08:00-18:00 Monday
// to Friday with the England and Wales bank holidays, a "Networks" calendar of 24x7, and the
// issue's default rules. A "day" in a target is a working day of the Service Desk's calendar,
// 10 working hours (08:00-18:00): P2's "1 day" is 10h, P3's "3 days" 30h, P4's "1 day / 10 days"
// 10h / 100h. The rules name no calendar, so they count on the calendar of the call's group:
// Networks works 24x7 (its 10h are ten hours of the clock), every other group the Service Desk's
// hours. Once they exist, every call's service level is evaluated from its history (the store
// rebuilds it from the call's timestamps and first public update): the recent open calls are
// spread so that some are within their targets, some at risk and some breached.

// workingDay is the working time of a "day" in the demo's targets: 08:00-18:00.
const workingDay = 10 * time.Hour

// DemoRules are the default targets: respond / resolve per priority, in working time,
// paused while the call is on hold or pending.
func DemoRules() []store.SLARule {
	pause := []desk.State{desk.OnHold, desk.Pending}
	rule := func(p desk.Priority, respond, resolve time.Duration) store.SLARule {
		return store.SLARule{Rule: sla.Rule{Name: p.String() + " standard", Priority: p, RespondOn: sla.FirstPublicAction,
			Respond: sla.Target{Within: respond, PauseIn: pause}, Resolve: sla.Target{Within: resolve, PauseIn: pause}}}
	}
	return []store.SLARule{
		rule(1, 30*time.Minute, 4*time.Hour),
		rule(2, time.Hour, workingDay),
		rule(3, 4*time.Hour, 3*workingDay),
		rule(4, workingDay, 10*workingDay),
	}
}

// loadServiceLevels adds the demo's calendars and rules and gives every group its calendar.
func loadServiceLevels(ctx context.Context, s *store.Store) error {
	actor := desk.System("demo data")
	const why = "demo defaults"
	sd, err := s.CreateCalendar(ctx, actor, store.SLACalendar{Spec: sla.Spec{Name: "Service Desk", Zone: "Europe/London",
		Region: sla.EnglandAndWales, Week: sla.MondayToFriday(sla.Hours("08:00", "18:00"))}}, why)
	if err != nil {
		return fmt.Errorf("demo calendar: %w", err)
	}
	net, err := s.CreateCalendar(ctx, actor, store.SLACalendar{Spec: sla.Spec{Name: "Networks", Zone: "Europe/London", Week: sla.Every24x7()}}, why)
	if err != nil {
		return fmt.Errorf("demo calendar: %w", err)
	}
	for _, r := range DemoRules() {
		if _, err := s.CreateRule(ctx, actor, r, why); err != nil {
			return fmt.Errorf("demo rule %s: %w", r.Name, err)
		}
	}
	groups, err := s.Groups(ctx)
	if err != nil {
		return err
	}
	uses := store.CalendarUses{Groups: map[int64]int64{}}
	for _, g := range groups {
		uses.Groups[g.ID] = sd.ID
		if g.Name == groupSpecs[gNetworks].name {
			uses.Groups[g.ID] = net.ID
		}
	}
	if _, err := s.SetCalendarUses(ctx, actor, uses, why); err != nil {
		return fmt.Errorf("demo calendars of the groups: %w", err)
	}
	return nil
}

// evaluateServiceLevels gives every call loaded its service level, a batch a transaction, and
// counts the open calls at risk and breached.
func evaluateServiceLevels(ctx context.Context, s *store.Store, opt Options, res *Result) error {
	done := 0
	for {
		r, err := s.RepairSLA(ctx, 5000)
		if err != nil {
			return fmt.Errorf("demo service levels: %w", err)
		}
		if r.Done() {
			break
		}
		done += r.Backfilled + r.Reevaluated
		if opt.Progress != nil {
			opt.Progress(2*opt.Calls+min(done, opt.Calls), 3*opt.Calls)
		}
	}
	for _, x := range []struct {
		which string
		n     *int
	}{{"at_risk", &res.AtRisk}, {"breached", &res.Breached}} {
		p, err := s.FindCallsPage(ctx, store.CallFilter{SLA: x.which, Limit: 1, Brief: true})
		if err != nil {
			return fmt.Errorf("demo service levels: %w", err)
		}
		*x.n = p.Total
	}
	return nil
}
