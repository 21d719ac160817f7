package sla

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

func TestRuleValidate(t *testing.T) {
	ok := Rule{Name: "P2", Priority: 2, RespondOn: FirstPublicAction, Respond: Target{Within: time.Hour}, Resolve: Target{Within: 10 * time.Hour, PauseIn: []desk.State{desk.OnHold, desk.Pending}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Rule{Priority: 7, CustomerKind: "alien", RespondOn: "whenever", Resolve: Target{Within: time.Hour, PauseIn: []desk.State{desk.Closed}}}
	e := desk.AsError(bad.Validate())
	if e == nil || e.Code != desk.EINVALID {
		t.Fatalf("got %v", e)
	}
	for _, f := range []string{"name", "priority", "customer_kind", "respond_on", "respond_within", "resolve_pause_in"} {
		if e.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, e)
		}
	}
}

// Profiles: Networks (1) > Wi-Fi (2) > Eduroam (3).
func TestChooseMostSpecific(t *testing.T) {
	tgt := Target{Within: time.Hour}
	r := func(id int64, name string, p desk.Priority, profile int64, kind desk.PersonKind) Rule {
		return Rule{ID: id, Name: name, Priority: p, ProfileID: profile, CustomerKind: kind, RespondOn: FirstPublicAction, Respond: tgt, Resolve: tgt}
	}
	rules := []Rule{
		r(1, "P2", 2, 0, ""),
		r(2, "P2 students", 2, 0, desk.Student),
		r(3, "Networks P2", 2, 1, ""),
		r(4, "Networks staff P2", 2, 1, desk.Staff),
		r(5, "Wi-Fi P2", 2, 2, ""),
		r(6, "Wi-Fi P2 again", 2, 2, ""),
		r(7, "Printing P2", 2, 9, ""),
		r(8, "P3", 3, 0, ""),
	}
	cases := []struct {
		facts Facts
		rule  string
		why   string
	}{
		{Facts{Priority: 2, ProfileID: 2, Ancestors: []int64{1}, ProfilePath: "Networks > Wi-Fi", CustomerKind: desk.Staff},
			"Wi-Fi P2", "P2, profile Networks > Wi-Fi, staff: rule 'Wi-Fi P2' (profile matches; the most specific of 5 matching rules)"},
		{Facts{Priority: 2, ProfileID: 1, ProfilePath: "Networks", CustomerKind: desk.Staff},
			"Networks staff P2", "P2, profile Networks, staff: rule 'Networks staff P2' (profile and customer kind match; the most specific of 3 matching rules)"},
		{Facts{Priority: 2, ProfileID: 3, Ancestors: []int64{2, 1}, ProfilePath: "Networks > Wi-Fi > Eduroam", CustomerKind: desk.Student},
			"Wi-Fi P2", "P2, profile Networks > Wi-Fi > Eduroam, student: rule 'Wi-Fi P2' (profile matches, 1 level(s) up; the most specific of 5 matching rules)"},
		{Facts{Priority: 2, ProfileID: 20, Ancestors: []int64{21}, ProfilePath: "Software > Email", CustomerKind: desk.Student},
			"P2 students", "P2, profile Software > Email, student: rule 'P2 students' (customer kind matches; the most specific of 2 matching rules)"},
		{Facts{Priority: 3, CustomerKind: desk.Visitor}, "P3", "P3, visitor: rule 'P3' (priority only)"},
	}
	for _, c := range cases {
		ch, err := Choose(rules, c.facts)
		if err != nil || ch.Rule.Name != c.rule || ch.Why != c.why {
			t.Errorf("%+v: got %q %q %v\nwant %q %q", c.facts, ch.Rule.Name, ch.Why, err, c.rule, c.why)
		}
	}
	// The brief's own example: a profile-and-kind rule at the call's own profile.
	rules = append(rules, r(9, "Networks staff P2 Wi-Fi", 2, 2, desk.Staff))
	ch, _ := Choose(rules, Facts{Priority: 2, ProfileID: 2, Ancestors: []int64{1}, ProfilePath: "Networks > Wi-Fi", CustomerKind: desk.Staff})
	if !strings.HasPrefix(ch.Why, "P2, profile Networks > Wi-Fi, staff: rule 'Networks staff P2 Wi-Fi' (profile and customer kind match") {
		t.Errorf("got %q", ch.Why)
	}
	if _, err := Choose(rules, Facts{Priority: 1}); desk.ErrorCode(err) != desk.ENOTFOUND || !strings.Contains(err.Error(), "P1") {
		t.Errorf("no rule: %v", err)
	}
}

// The test desk: 08:00-18:00 Monday to Friday, England and Wales. Monday 2 November 2026 onwards.
func deskRules() []Rule {
	pause := []desk.State{desk.OnHold, desk.Pending}
	return []Rule{
		{ID: 1, Name: "P2", Priority: 2, RespondOn: FirstPublicAction, Respond: Target{Within: time.Hour, PauseIn: pause}, Resolve: Target{Within: 10 * time.Hour, PauseIn: pause}},
		{ID: 2, Name: "P1", Priority: 1, RespondOn: Acceptance, Respond: Target{Within: 30 * time.Minute}, Resolve: Target{Within: 4 * time.Hour, PauseIn: []desk.State{desk.OnHold}}},
	}
}

func TestEvaluate(t *testing.T) {
	cal := mustCal(t, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	lon := cal.Location()
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, lon) }
	ev := func(d, h, m int, k EventKind, s desk.State) Event { return Event{At: at(d, h, m), Kind: k, State: s} }
	p2 := Facts{Priority: 2}
	type want struct {
		elapsed, by  time.Duration
		deadline     time.Time
		running      bool
		paused       bool
		met, breach  bool
		ended        bool
		pauses       int
		breachedAt   time.Time
		percentAbout float64
	}
	cases := []struct {
		name    string
		facts   Facts
		history []Event
		now     time.Time
		respond want
		resolve want
	}{
		{"fresh, running", p2, []Event{ev(2, 9, 0, Logged, "")}, at(2, 9, 30),
			want{elapsed: 30 * time.Minute, deadline: at(2, 10, 0), running: true, percentAbout: 50},
			want{elapsed: 30 * time.Minute, deadline: at(3, 9, 0), running: true, percentAbout: 5}},
		{"responded in time, on hold overnight, resumed", p2, []Event{
			ev(2, 9, 0, Logged, ""), ev(2, 9, 20, PublicResponse, ""), ev(2, 9, 30, Accepted, ""),
			ev(2, 10, 0, StateChanged, desk.OnHold), ev(3, 10, 0, StateChanged, desk.OffHold)}, at(3, 12, 0),
			want{elapsed: 20 * time.Minute, by: 40 * time.Minute, deadline: at(2, 10, 0), met: true, percentAbout: 33.3},
			// 1h Monday + 2h Tuesday; resumed Tuesday 10:00 with 9h left: 8h to Tuesday 18:00 and
			// 1h on Wednesday.
			want{elapsed: 3 * time.Hour, deadline: at(4, 9, 0), running: true, pauses: 1, percentAbout: 30}},
		{"pending now: paused, deadline projected from now", p2, []Event{
			ev(2, 9, 0, Logged, ""), ev(2, 9, 20, PublicResponse, ""), ev(2, 11, 0, StateChanged, desk.Pending)}, at(3, 17, 0),
			want{elapsed: 20 * time.Minute, by: 40 * time.Minute, deadline: at(2, 10, 0), met: true, percentAbout: 33.3},
			want{elapsed: 2 * time.Hour, deadline: at(4, 15, 0), paused: true, pauses: 1, percentAbout: 20}},
		{"no response: respond breached", p2, []Event{ev(2, 9, 0, Logged, "")}, at(2, 11, 30),
			want{elapsed: 150 * time.Minute, by: 90 * time.Minute, deadline: at(2, 10, 0), running: true, breach: true, breachedAt: at(2, 10, 0), percentAbout: 250},
			want{elapsed: 150 * time.Minute, deadline: at(3, 9, 0), running: true, percentAbout: 25}},
		{"resolved late", p2, []Event{ev(2, 9, 0, Logged, ""), ev(2, 9, 10, PublicResponse, ""), ev(3, 12, 0, Resolved, "")}, at(5, 12, 0),
			want{elapsed: 10 * time.Minute, by: 50 * time.Minute, deadline: at(2, 10, 0), met: true, percentAbout: 16.7},
			want{elapsed: 13 * time.Hour, by: 3 * time.Hour, deadline: at(3, 9, 0), breach: true, breachedAt: at(3, 9, 0), percentAbout: 130}},
		// Resolved after 5h, reopened two days later: the fix clock continues from 5h, not zero.
		{"reopened continues", p2, []Event{ev(2, 9, 0, Logged, ""), ev(2, 9, 10, PublicResponse, ""), ev(2, 14, 0, Resolved, ""),
			ev(4, 9, 0, Reopened, ""), ev(4, 9, 30, Accepted, "")}, at(4, 11, 0),
			want{elapsed: 10 * time.Minute, by: 50 * time.Minute, deadline: at(2, 10, 0), met: true, percentAbout: 16.7},
			want{elapsed: 7 * time.Hour, deadline: at(4, 14, 0), running: true, percentAbout: 70}},
		{"resolved in time and closed", p2, []Event{ev(2, 9, 0, Logged, ""), ev(2, 9, 10, PublicResponse, ""), ev(2, 14, 0, Resolved, ""),
			ev(5, 9, 0, StateChanged, desk.Closed)}, at(6, 11, 0),
			want{elapsed: 10 * time.Minute, by: 50 * time.Minute, deadline: at(2, 10, 0), met: true, percentAbout: 16.7},
			want{elapsed: 5 * time.Hour, by: 5 * time.Hour, deadline: at(3, 9, 0), met: true, percentAbout: 50}},
		// Cancelled before anyone answered: both clocks end, neither met nor breached.
		{"cancelled before a response", p2, []Event{ev(2, 9, 0, Logged, ""), ev(2, 9, 40, StateChanged, desk.Cancelled)}, at(3, 9, 0),
			want{elapsed: 40 * time.Minute, ended: true, percentAbout: 66.7},
			want{elapsed: 40 * time.Minute, ended: true, percentAbout: 6.7}},
		// The call is P1 now (it was logged P2): the P1 rule applies to the whole elapsed time. P1's
		// respond clock stops at acceptance, not at a public update; only on hold pauses its fix.
		{"priority raised: P1 over the whole history", Facts{Priority: 1}, []Event{ev(2, 9, 0, Logged, ""), ev(2, 9, 10, PublicResponse, ""),
			ev(2, 9, 45, PriorityChanged, ""), ev(2, 10, 0, Accepted, ""), ev(2, 10, 30, StateChanged, desk.Pending)}, at(2, 12, 0),
			want{elapsed: time.Hour, by: 30 * time.Minute, deadline: at(2, 9, 30), breach: true, breachedAt: at(2, 9, 30), percentAbout: 200},
			want{elapsed: 3 * time.Hour, deadline: at(2, 13, 0), running: true, percentAbout: 75}},
		// Logged on Christmas Eve 2026 at 15:00: 3h that day, then Friday 25 and Monday 28 are bank
		// holidays: 7h more on Tuesday 29 December.
		{"logged before Christmas", p2, []Event{{At: time.Date(2026, 12, 24, 15, 0, 0, 0, lon), Kind: Logged}}, time.Date(2026, 12, 24, 15, 0, 0, 0, lon),
			want{deadline: time.Date(2026, 12, 24, 16, 0, 0, 0, lon), running: true},
			want{deadline: time.Date(2026, 12, 29, 15, 0, 0, 0, lon), running: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := Evaluate(cal, deskRules(), c.facts, c.history, c.now)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []struct {
				name string
				got  Clock
				want want
			}{{"respond", e.Respond, c.respond}, {"resolve", e.Resolve, c.resolve}} {
				g, w := x.got, x.want
				if g.Elapsed != w.elapsed || !g.Deadline.Equal(w.deadline) || g.Running != w.running || g.Paused != w.paused ||
					g.Met != w.met || g.Breached != w.breach || g.By != w.by || len(g.Pauses) != w.pauses || !g.BreachedAt.Equal(w.breachedAt) ||
					int(g.PercentUsed+0.5) != int(w.percentAbout+0.5) || g.Remaining != g.Within-g.Elapsed || g.Ended != w.ended {
					t.Errorf("%s clock:\n got %s\nwant %+v", x.name, describe(g, lon), w)
				}
			}
		})
	}
}

func describe(c Clock, loc *time.Location) string {
	return fmt.Sprintf("elapsed %v by %v deadline %v running %v paused %v stopped %v met %v breached %v at %v pauses %v percent %.1f",
		c.Elapsed, c.By, c.Deadline.In(loc), c.Running, c.Paused, c.Stopped, c.Met, c.Breached, c.BreachedAt.In(loc), c.Pauses, c.PercentUsed)
}

// A clock's pauses are listed with their states; a state the target does not pause in counts.
func TestEvaluatePausesPerTarget(t *testing.T) {
	cal := mustCal(t, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	lon := cal.Location()
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, lon) }
	h := []Event{{At: at(2, 9), Kind: Logged}, {At: at(2, 10), Kind: Accepted}, {At: at(2, 11), Kind: StateChanged, State: desk.Pending},
		{At: at(2, 13), Kind: StateChanged, State: desk.Accepted}, {At: at(2, 14), Kind: StateChanged, State: desk.OnHold},
		{At: at(2, 16), Kind: StateChanged, State: desk.OffHold}}
	e, err := Evaluate(cal, deskRules(), Facts{Priority: 1}, h, at(2, 17))
	if err != nil {
		t.Fatal(err)
	}
	// P1 pauses its fix clock only on hold: pending counts.
	want := []Pause{{From: at(2, 14), To: at(2, 16), State: desk.OnHold}}
	if !reflect.DeepEqual(e.Resolve.Pauses, want) || e.Resolve.Elapsed != 6*time.Hour {
		t.Errorf("P1: %s", describe(e.Resolve, lon))
	}
	e, _ = Evaluate(cal, deskRules(), Facts{Priority: 2}, h, at(2, 17))
	want = []Pause{{From: at(2, 11), To: at(2, 13), State: desk.Pending}, {From: at(2, 14), To: at(2, 16), State: desk.OnHold}}
	if !reflect.DeepEqual(e.Resolve.Pauses, want) || e.Resolve.Elapsed != 4*time.Hour {
		t.Errorf("P2: %s", describe(e.Resolve, lon))
	}
	if _, err := Evaluate(cal, deskRules(), Facts{Priority: 2}, nil, at(2, 17)); desk.ErrorCode(err) != desk.EINVALID {
		t.Errorf("empty history: %v", err)
	}
}

func TestCrossings(t *testing.T) {
	cal := mustCal(t, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	lon := cal.Location()
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, lon) }
	// Fix target 10h, logged Monday 09:00, pending Monday 12:00 to Tuesday 09:00, now Tuesday 13:00:
	// 3h + 4h = 7h used (70%). 50% was crossed Monday... no: 5h is crossed Tuesday 11:00; 75% (7h30)
	// will be at Tuesday 13:30 and 100% at Tuesday 16:00.
	h := []Event{{At: at(2, 9, 0), Kind: Logged}, {At: at(2, 12, 0), Kind: StateChanged, State: desk.Pending},
		{At: at(3, 9, 0), Kind: StateChanged, State: desk.Accepted}}
	e, err := Evaluate(cal, deskRules(), Facts{Priority: 2}, h, at(3, 13, 0))
	if err != nil {
		t.Fatal(err)
	}
	xs, err := Crossings(cal, e.Resolve, []int{25, 50, 75, 100}, at(3, 13, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := []Crossing{{25, true, at(2, 11, 30)}, {50, true, at(3, 11, 0)}, {75, false, at(3, 13, 30)}, {100, false, at(3, 16, 0)}}
	if !reflect.DeepEqual(xs, want) {
		t.Errorf("got %v\nwant %v", xs, want)
	}
	if next, ok := Next(xs); !ok || !next.Equal(at(3, 13, 30)) {
		t.Errorf("next = %v %v", next, ok)
	}
	// Paused now: nothing more will be crossed until it resumes.
	e, _ = Evaluate(cal, deskRules(), Facts{Priority: 2}, h, at(2, 15, 0))
	xs, _ = Crossings(cal, e.Resolve, []int{25, 50}, at(2, 15, 0))
	if want := []Crossing{{25, true, at(2, 11, 30)}, {50, false, time.Time{}}}; !reflect.DeepEqual(xs, want) {
		t.Errorf("paused: got %v", xs)
	}
	if _, ok := Next(xs); ok {
		t.Error("a paused clock has a next crossing")
	}
	if _, err := Crossings(cal, e.Resolve, []int{0}, at(2, 15, 0)); desk.ErrorCode(err) != desk.EINVALID {
		t.Errorf("0%%: %v", err)
	}
}

// BenchmarkEvaluate200kCalls evaluates 200,000 open calls (each op is the whole loop), the
// escalation job's pass: a history of logged, response, acceptance, a pending spell and back.
func BenchmarkEvaluate200kCalls(b *testing.B) {
	cal := mustCal(b, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	rules := deskRules()
	base := time.Date(2026, 10, 1, 9, 0, 0, 0, cal.Location())
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, cal.Location())
	const n = 200000
	hist := make([][]Event, n)
	for i := range hist {
		t0 := base.Add(time.Duration(i%(60*24*60)) * time.Minute)
		hist[i] = []Event{{At: t0, Kind: Logged}, {At: t0.Add(20 * time.Minute), Kind: PublicResponse},
			{At: t0.Add(30 * time.Minute), Kind: Accepted}, {At: t0.Add(26 * time.Hour), Kind: StateChanged, State: desk.Pending},
			{At: t0.Add(50 * time.Hour), Kind: StateChanged, State: desk.Accepted}}
	}
	for b.Loop() {
		for i := range hist {
			e, err := Evaluate(cal, rules, Facts{Priority: 2}, hist[i], now)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Crossings(cal, e.Resolve, []int{50, 75, 100}, now); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// History in any order gives the same evaluation as in time order, and the caller's slice is left
// as it was.
func TestEvaluateHistoryOrder(t *testing.T) {
	cal := mustCal(t, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	at := func(h int) time.Time { return time.Date(2026, 11, 2, h, 0, 0, 0, cal.Location()) }
	sorted := []Event{{At: at(9), Kind: Logged}, {At: at(10), Kind: StateChanged, State: desk.OnHold}, {At: at(12), Kind: StateChanged, State: desk.OffHold}}
	shuffled := []Event{sorted[2], sorted[0], sorted[1]}
	a, err := Evaluate(cal, deskRules(), Facts{Priority: 2}, sorted, at(13))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Evaluate(cal, deskRules(), Facts{Priority: 2}, shuffled, at(13))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) || a.Resolve.Elapsed != 2*time.Hour {
		t.Errorf("sorted %s\nshuffled %s", describe(a.Resolve, cal.Location()), describe(b.Resolve, cal.Location()))
	}
	if shuffled[0].At != at(12) {
		t.Error("Evaluate reordered the caller's history")
	}
}
