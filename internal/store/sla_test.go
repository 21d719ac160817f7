package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
)

func serviceDeskSpec() sla.Spec {
	return sla.Spec{Name: "Service Desk hours", Zone: "Europe/London", Region: sla.EnglandAndWales,
		Week: sla.MondayToFriday(sla.Hours("08:00", "12:30"), sla.Hours("13:30", "18:00")),
		Closures: []sla.Closure{{Date: sla.D(2026, 12, 29), Name: "Christmas closure"},
			{Date: sla.D(2026, 12, 24), Name: "Christmas Eve afternoon", Spans: []sla.Span{sla.Hours("13:30", "18:00")}}}}
}

// Calendars (issue 17 point 7): stored as given, read back the same, checked by sla.NewCalendar
// with an error per field, every change audited with its reason.
func TestSLACalendarsStoredCheckedAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c, err := e.S.CreateCalendar(ctx, e.F.Admin, store.SLACalendar{Spec: serviceDeskSpec()}, "the desk's published hours")
		if err != nil {
			t.Fatal(err)
		}
		a := e.lastAudit(t)
		if a.Action != "sla.calendar.create" || a.Reason != "the desk's published hours" || !strings.Contains(a.Detail, "Mon 08:00-12:30,13:30-18:00") {
			t.Errorf("audit %+v", a)
		}
		got, err := e.S.FindCalendar(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := serviceDeskSpec()
		if store.EncodeWeek(got.Spec.Week) != store.EncodeWeek(want.Week) || got.Spec.Zone != want.Zone || got.Spec.Region != want.Region ||
			len(got.Spec.Closures) != 2 || got.Spec.Closures[0].Name != "Christmas Eve afternoon" || store.SpansText(got.Spec.Closures[0].Spans) != "13:30-18:00" ||
			got.Spec.Closures[1].Date != sla.D(2026, 12, 29) || got.Spec.Closures[1].Spans != nil {
			t.Errorf("read back %+v", got.Spec)
		}
		cal, err := got.Calendar()
		if err != nil {
			t.Fatal(err)
		}
		// Thursday 24 December 2026 16:00: closed that afternoon, 25, 26 (28 substitute for Boxing Day) and 29 closed: the next
		// working time is 30 December 08:00, so one working hour later is 09:00.
		at, err := cal.Add(time.Date(2026, 12, 24, 16, 0, 0, 0, cal.Location()), time.Hour)
		if err != nil || !at.Equal(time.Date(2026, 12, 30, 9, 0, 0, 0, cal.Location())) {
			t.Errorf("an hour after Christmas Eve 16:00 is %v, %v", at, err)
		}

		for _, bad := range []struct {
			spec   func(*sla.Spec)
			reason string
			field  string
		}{
			{func(s *sla.Spec) {}, " ", "reason"},
			{func(s *sla.Spec) { s.Name = "" }, "r", "name"},
			{func(s *sla.Spec) { s.Name = "service desk HOURS" }, "r", "name"},
			{func(s *sla.Spec) { s.Zone = "Europe/Nowhere" }, "r", "zone"},
			{func(s *sla.Spec) { s.Region = "wales" }, "r", "region"},
			{func(s *sla.Spec) { s.Week[time.Tuesday] = []sla.Span{{Start: 10 * time.Hour, End: 9 * time.Hour}} }, "r", "week.tuesday"},
			{func(s *sla.Spec) { s.Week = [7][]sla.Span{} }, "r", "week"},
			{func(s *sla.Spec) { s.Closures[1].Name = "" }, "r", "closures[1]"},
		} {
			spec := serviceDeskSpec()
			spec.Name = "Other"
			bad.spec(&spec)
			_, err := e.S.CreateCalendar(ctx, e.F.Admin, store.SLACalendar{Spec: spec}, bad.reason)
			if codeOf(err) != desk.EINVALID || desk.AsError(err).Fields[bad.field] == "" {
				t.Errorf("want EINVALID on %s, got %v", bad.field, err)
			}
		}

		c.Spec.Name = "Service Desk"
		c.Spec.Closures = c.Spec.Closures[1:]
		if _, err := e.S.UpdateCalendar(ctx, e.F.Admin, c, "the closure was cancelled"); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "sla.calendar.update" || a.Reason != "the closure was cancelled" || !strings.Contains(a.Detail, "2 closure(s); now Service Desk") {
			t.Errorf("audit %+v", a)
		}
		if got, _ := e.S.FindCalendar(ctx, c.ID); got.Spec.Name != "Service Desk" || len(got.Spec.Closures) != 1 {
			t.Errorf("after the change %+v", got.Spec)
		}
		if _, err := e.S.UpdateCalendar(ctx, e.F.Admin, store.SLACalendar{ID: 9999, Spec: serviceDeskSpec()}, "r"); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("changing a missing calendar: %v", err)
		}
		net, err := e.S.CreateCalendar(ctx, e.F.Admin, store.SLACalendar{Spec: sla.Spec{Name: "Networks 24x7", Zone: "Europe/London", Week: sla.Every24x7()}}, "on call")
		if err != nil {
			t.Fatal(err)
		}
		cs, err := e.S.Calendars(ctx)
		if err != nil || len(cs) != 2 || cs[0].Spec.Name != "Networks 24x7" || len(cs[1].Spec.Closures) != 1 {
			t.Fatalf("calendars %+v, %v", cs, err)
		}
		if err := e.S.DeleteCalendar(ctx, e.F.Admin, net.ID, ""); codeOf(err) != desk.EINVALID {
			t.Errorf("delete without a reason: %v", err)
		}
		if err := e.S.DeleteCalendar(ctx, e.F.Admin, net.ID, "not needed"); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "sla.calendar.delete" || a.Reason != "not needed" {
			t.Errorf("audit %+v", a)
		}
		if _, err := e.S.FindCalendar(ctx, net.ID); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("deleted calendar: %v", err)
		}
	})
}

func p2Rule() store.SLARule {
	return store.SLARule{Rule: sla.Rule{Name: "P2 standard", Priority: 2, RespondOn: sla.FirstPublicAction,
		Respond: sla.Target{Within: time.Hour, PauseIn: []desk.State{desk.OnHold}},
		Resolve: sla.Target{Within: 10 * time.Hour, PauseIn: []desk.State{desk.OnHold, desk.Pending}}}}
}

// Rules (issue 17 point 7): stored and read back, checked by sla.Rule.Validate and against the
// profiles and calendars, audited with their reason; a calendar in use cannot be deleted; which
// calendar groups and profiles use is set in one audited change.
func TestSLARulesAndCalendarUses(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cal, err := e.S.CreateCalendar(ctx, e.F.Admin, store.SLACalendar{Spec: serviceDeskSpec()}, "hours")
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.S.CreateRule(ctx, e.F.Admin, p2Rule(), "the catalogue's P2 target")
		if err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "sla.rule.create" || a.Reason != "the catalogue's P2 target" ||
			!strings.Contains(a.Detail, "P2, any profile, any customer: respond within 1h (on first_public_action, paused in on_hold), resolve within 10h (paused in on_hold,pending)") {
			t.Errorf("audit %+v", a)
		}
		wifi := p2Rule()
		wifi.Name, wifi.ProfileID, wifi.CustomerKind, wifi.CalendarID, wifi.RespondOn = "Wi-Fi staff P2", e.F.Wifi.ID, desk.Staff, cal.ID, sla.Acceptance
		wifi.Respond.PauseIn = nil
		wifi.Resolve.Within = 90 * time.Minute
		w, err := e.S.CreateRule(ctx, e.F.Admin, wifi, "staff Wi-Fi matters more")
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.S.FindRule(ctx, w.ID)
		if err != nil || got.Name != "Wi-Fi staff P2" || got.ProfileID != e.F.Wifi.ID || got.CustomerKind != desk.Staff || got.CalendarID != cal.ID ||
			got.RespondOn != sla.Acceptance || got.Respond.PauseIn != nil || got.Resolve.Within != 90*time.Minute || len(got.Resolve.PauseIn) != 2 {
			t.Errorf("read back %+v, %v", got, err)
		}
		for _, bad := range []struct {
			edit   func(*store.SLARule)
			reason string
			field  string
		}{
			{func(r *store.SLARule) {}, "", "reason"},
			{func(r *store.SLARule) { r.Name = "p2 STANDARD" }, "r", "name"},
			{func(r *store.SLARule) { r.Priority = 5 }, "r", "priority"},
			{func(r *store.SLARule) { r.Respond.Within = 0 }, "r", "respond_within"},
			{func(r *store.SLARule) { r.Resolve.Within = 90 * time.Second }, "r", "resolve_within"},
			{func(r *store.SLARule) { r.RespondOn = "email" }, "r", "respond_on"},
			{func(r *store.SLARule) { r.Resolve.PauseIn = []desk.State{desk.Resolved} }, "r", "resolve_pause_in"},
			{func(r *store.SLARule) { r.CustomerKind = "alien" }, "r", "customer_kind"},
			{func(r *store.SLARule) { r.ProfileID = 99999 }, "r", "profile_id"},
			{func(r *store.SLARule) { r.CalendarID = 99999 }, "r", "calendar_id"},
		} {
			x := p2Rule()
			x.Name = "Other"
			bad.edit(&x)
			_, err := e.S.CreateRule(ctx, e.F.Admin, x, bad.reason)
			if codeOf(err) != desk.EINVALID || desk.AsError(err).Fields[bad.field] == "" {
				t.Errorf("want EINVALID on %s, got %v", bad.field, err)
			}
		}
		r.Resolve.Within = 20 * time.Hour
		if _, err := e.S.UpdateRule(ctx, e.F.Admin, r, "two days now"); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "sla.rule.update" || !strings.Contains(a.Detail, "resolve within 10h") || !strings.Contains(a.Detail, "resolve within 20h") {
			t.Errorf("audit %+v", a)
		}
		rules, err := e.S.Rules(ctx)
		if err != nil || len(rules) != 2 || rules[0].Name != "P2 standard" || rules[0].Resolve.Within != 20*time.Hour {
			t.Fatalf("rules %+v, %v", rules, err)
		}
		// What the store holds is what sla.Choose picks from.
		plain := make([]sla.Rule, len(rules))
		for i, r := range rules {
			plain[i] = r.Rule
		}
		ch, err := sla.Choose(plain, sla.Facts{Priority: 2, ProfileID: e.F.Wifi.ID, CustomerKind: desk.Staff})
		if err != nil || ch.Rule.Name != "Wi-Fi staff P2" {
			t.Errorf("choice %+v, %v", ch, err)
		}

		// Calendar uses.
		if _, err := e.S.SetCalendarUses(ctx, e.F.Admin, store.CalendarUses{Groups: map[int64]int64{e.F.ServiceDesk.ID: cal.ID}}, ""); codeOf(err) != desk.EINVALID {
			t.Errorf("uses without a reason: %v", err)
		}
		if _, err := e.S.SetCalendarUses(ctx, e.F.Admin, store.CalendarUses{Groups: map[int64]int64{e.F.ServiceDesk.ID: 9999}}, "r"); codeOf(err) != desk.EINVALID ||
			desk.AsError(err).Fields["group."+strconv.FormatInt(e.F.ServiceDesk.ID, 10)] == "" {
			t.Errorf("an unknown calendar: %v", err)
		}
		n, err := e.S.SetCalendarUses(ctx, e.F.Admin, store.CalendarUses{Groups: map[int64]int64{e.F.ServiceDesk.ID: cal.ID, e.F.Networks.ID: 0},
			Profiles: map[int64]int64{e.F.Wifi.ID: cal.ID}}, "desk hours")
		if err != nil || n != 2 {
			t.Fatalf("set uses: %d, %v", n, err)
		}
		if a := e.lastAudit(t); a.Action != "sla.calendar.uses" || a.Reason != "desk hours" || !strings.Contains(a.Detail, "group Service Desk: Service Desk hours (was none)") {
			t.Errorf("audit %+v", a)
		}
		u, err := e.S.CalendarUses(ctx)
		if err != nil || u.Groups[e.F.ServiceDesk.ID] != cal.ID || len(u.Groups) != 1 || u.Profiles[e.F.Wifi.ID] != cal.ID {
			t.Errorf("uses %+v, %v", u, err)
		}
		if err := e.S.DeleteCalendar(ctx, e.F.Admin, cal.ID, "r"); codeOf(err) != desk.EINVALID || !strings.Contains(err.Error(), "1 rule(s), 1 group(s) and 1 profile(s)") {
			t.Errorf("deleting a calendar in use: %v", err)
		}
		if err := e.S.DeleteRule(ctx, e.F.Admin, w.ID, "merged"); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "sla.rule.delete" || a.Reason != "merged" {
			t.Errorf("audit %+v", a)
		}
		if _, err := e.S.FindRule(ctx, w.ID); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("deleted rule: %v", err)
		}
	})
}

func TestParseWithin(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "4h": 4 * time.Hour, "1h30m": 90 * time.Minute, "90": 90 * time.Minute,
		"4 h": 4 * time.Hour, "30 min": 30 * time.Minute, "100h": 100 * time.Hour} {
		if got, err := store.ParseWithin(in); err != nil || got != want {
			t.Errorf("ParseWithin(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-5m", "1.5m", "30s", "soon", "1d"} {
		if _, err := store.ParseWithin(bad); codeOf(err) != desk.EINVALID {
			t.Errorf("ParseWithin(%q): %v, want EINVALID", bad, err)
		}
	}
	if store.WithinText(90*time.Minute) != "1h30m" || store.WithinText(4*time.Hour) != "4h" || store.WithinText(30*time.Minute) != "30m" {
		t.Error("WithinText")
	}
}
