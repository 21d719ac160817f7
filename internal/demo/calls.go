package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"calldesk/internal/desk"
)

// item is one generated call with its diary.
type item struct {
	call  desk.Call
	diary []desk.Entry
}

// callGen generates the calls, in the order they were logged.
type callGen struct {
	r       *rand.Rand
	u       *university
	now     time.Time
	start   time.Time // midnight at the start of the years the calls span
	span    int       // days the calls span, today included
	total   int
	done    int
	seen    map[desk.State]int
	lastRef map[int64]string // customer -> reference of their latest call, for duplicates
	v       vars
	evs     []event
}

// autoClose is how long a resolved call waits for the customer before calldesk closes it (the
// diary line of the automatic close says 5 days).
const autoClose = 5 * 24 * time.Hour

func newCallGen(r *rand.Rand, u *university, now time.Time, total, years int) *callGen {
	span := spanDays(years)
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(span - 1))
	return &callGen{r: r, u: u, now: now, start: start, span: span, total: total, seen: map[desk.State]int{},
		lastRef: map[int64]string{}}
}

// spanDays is how far back the calls go: 365 days a year (730 for the default two years).
func spanDays(years int) int { return 365 * years }

// dayWeight is how busy day d is: weekdays, the start of term and January are busy; weekends,
// summer and Christmas quiet; the desk gets a little busier year on year.
func (g *callGen) dayWeight(d int) float64 {
	day := g.start.AddDate(0, 0, d)
	w := 1.0
	switch day.Weekday() {
	case time.Saturday:
		w = 0.12
	case time.Sunday:
		w = 0.08
	}
	w *= [...]float64{1.15, 1.05, 1.05, 0.9, 1.0, 0.85, 0.75, 0.7, 1.45, 1.35, 1.1, 0.8}[day.Month()-1]
	if day.Month() == time.September && day.Day() >= 15 {
		w *= 1.3 // freshers
	}
	if (day.Month() == time.December && day.Day() >= 24) || (day.Month() == time.January && day.Day() == 1) {
		w *= 0.15
	}
	w *= 1 + 0.1*float64(d)/float64(g.span)
	if d == g.span-1 {
		// Today: only the part of the day that has passed.
		w *= float64(g.now.Sub(day)) / float64(24*time.Hour)
	}
	return w
}

// run generates every call and passes them to emit in batches, oldest first.
func (g *callGen) run(emit func([]item) bool) {
	weights := make([]float64, g.span)
	sum := 0.0
	for d := range weights {
		weights[d] = g.dayWeight(d)
		sum += weights[d]
	}
	cum, given := 0.0, 0
	batch := make([]item, 0, 512)
	var times []time.Time
	for d := range g.span {
		cum += weights[d]
		n := int(math.Round(cum*float64(g.total)/sum)) - given
		if d == g.span-1 {
			n = g.total - given
		}
		given += n
		day := g.start.AddDate(0, 0, d)
		times = times[:0]
		for range n {
			times = append(times, g.logTime(day))
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		for _, t := range times {
			batch = append(batch, g.call(t))
			if len(batch) == cap(batch) {
				if !emit(batch) {
					return
				}
				batch = make([]item, 0, 512)
			}
		}
	}
	if len(batch) > 0 {
		emit(batch)
	}
}

// logTime is when on day a call comes in: mostly working hours, peaking mid-morning; some in the
// evening and at night through the portal and email. Never after now.
func (g *callGen) logTime(day time.Time) time.Time {
	r := g.r
	for range 20 {
		var h float64
		switch wd := day.Weekday(); {
		case wd == time.Saturday || wd == time.Sunday:
			h = 8 + r.Float64()*15
		case r.Float64() < 0.85:
			h = 8 + r.Float64()*10
			if r.Float64() < 0.4 {
				h = 9 + r.Float64()*3 // the morning rush
			}
		default:
			h = r.Float64() * 24
		}
		t := day.Add(time.Duration(h * float64(time.Hour))).Truncate(time.Second)
		if t.Before(g.now) {
			return t
		}
	}
	return day.Add(time.Duration(r.Float64() * float64(g.now.Sub(day)))).Truncate(time.Second)
}

// working moves t into working hours (08:00-18:00, Monday to Friday) when it falls outside them.
func (g *callGen) working(t time.Time) time.Time {
	morning := func(d time.Time) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, time.UTC).Add(time.Duration(g.r.IntN(5400)) * time.Second)
	}
	switch {
	case t.Hour() < 8:
		t = morning(t)
	case t.Hour() >= 18:
		t = morning(t.AddDate(0, 0, 1))
	}
	switch t.Weekday() {
	case time.Saturday:
		t = morning(t.AddDate(0, 0, 2))
	case time.Sunday:
		t = morning(t.AddDate(0, 0, 1))
	}
	return t
}

// about returns a duration around median, spread log-normally.
func (g *callGen) about(median time.Duration) time.Duration {
	return time.Duration(float64(median) * math.Exp(0.9*g.r.NormFloat64()))
}

// state picks the state of a call logged age ago: recent calls are mostly open, old ones closed.
func (g *callGen) state(age time.Duration) desk.State {
	r := g.r
	days := age.Hours() / 24
	// Every state must occur: the last calls make up for any not seen yet.
	if left := g.total - g.done; left <= len(desk.AllStates()) {
		var missing []desk.State
		for _, s := range desk.AllStates() {
			if g.seen[s] == 0 {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 && left <= len(missing) {
			return missing[0]
		}
	}
	var open float64
	var mix [6]float64 // unassigned, assigned, accepted, pending, on hold, off hold
	switch {
	case days < 0.25:
		open, mix = 0.92, [6]float64{45, 30, 17, 5, 3, 0}
	case days < 1:
		open, mix = 0.75, [6]float64{15, 30, 25, 15, 10, 5}
	case days < 3:
		open, mix = 0.5, [6]float64{5, 20, 25, 25, 15, 10}
	case days < 7:
		open, mix = 0.3, [6]float64{5, 20, 25, 25, 15, 10}
	case days < 14:
		open, mix = 0.15, [6]float64{2, 13, 20, 30, 22, 13}
	case days < 30:
		open, mix = 0.06, [6]float64{2, 13, 20, 30, 22, 13}
	case days < 90:
		open, mix = 0.015, [6]float64{1, 10, 15, 35, 30, 9}
	default:
		open, mix = 0.002, [6]float64{0, 10, 10, 45, 30, 5}
	}
	if r.Float64() < open {
		x := r.Float64() * 100
		for i, w := range mix {
			if x < w {
				return desk.AllStates()[i]
			}
			x -= w
		}
		return desk.Pending
	}
	switch {
	case r.Float64() < 0.04:
		return desk.Cancelled
	case days < 5 && r.Float64() < 0.55, days >= 5 && r.Float64() < 0.01:
		return desk.Resolved
	}
	return desk.Closed
}

// evKind is a step in a call's life.
type evKind uint8

const (
	evAssign evKind = iota
	evAccept
	evNote
	evAsk    // a public update asking the customer something
	evUpdate // a public update telling the customer how it goes
	evReply  // the customer's answer, through the portal
	evPend
	evHold
	evOffHold
	evResolve
	evReopen
	evClose
	evCancel
)

// event is one step of a call's life: the diary line it writes and the milestone it sets.
type event struct {
	kind    evKind
	at      time.Time
	by      *person // nil for calldesk itself
	grp     *group
	to      *person // analyst assigned, if any
	text    string
	logging bool // an assignment made as the call was logged: part of its creation
}

// call generates the call logged at t, in a state that fits its age, with a diary to match.
func (g *callGen) call(t time.Time) item {
	r, u := g.r, g.u
	g.done++
	cust := u.customer(r, t)
	lf := u.leaf(r)
	spec := lf.spec
	g.v.reset(r, cust)
	target := g.state(g.now.Sub(t))
	g.seen[target]++

	c := desk.Call{Kind: spec.kind, CustomerID: cust.ID, Customer: desk.SnapshotOf(cust.Person), ProfileID: lf.ID,
		LoggedAt: t, State: desk.Unassigned, Version: 1, SpecialCategory: specialLeaves[spec.name]}
	c.Impact, c.Urgency = desk.LevelsOf(spec.prio)
	if r.Float64() < 0.3 {
		levels := []desk.Level{desk.High, desk.Medium, desk.Low}
		c.Impact, c.Urgency = pick(r, levels), pick(r, levels)
	}
	c.Priority = desk.PriorityOf(c.Impact, c.Urgency)
	switch x := r.Float64(); {
	case x < 0.45:
		c.Source = desk.SourcePortal
	case x < 0.70:
		c.Source = desk.SourceEmail
	case x < 0.92:
		c.Source = desk.SourcePhone
	case x < 0.98:
		c.Source = desk.SourceFaceToFace
	default:
		c.Source = desk.SourceAPI
	}
	if r.Float64() < 0.05 {
		c.AltPhone = fmt.Sprintf("07700 900%03d", r.IntN(1000))
	}
	if r.Float64() < 0.02 {
		c.AltEmail = letters(cust.FirstName) + "." + letters(cust.LastName) + "@mail.example"
	}
	c.Summary = g.v.fill(pick(r, spec.summaries))
	detail := g.v.fill(pick(r, spec.details))
	switch c.Source {
	case desk.SourceEmail:
		c.Description = detail + "\n\nKind regards,\n" + cust.Name() + "\n" + g.v.value("title") + ", " + cust.Department
	case desk.SourcePhone:
		c.Description = "Caller says: \"" + detail + "\""
	case desk.SourceFaceToFace:
		c.Description = "At the " + g.v.value("building") + " help point: \"" + detail + "\""
	default:
		c.Description = detail
	}

	sd := u.groups[gServiceDesk]
	var logger *person
	switch c.Source {
	case desk.SourcePhone, desk.SourceFaceToFace:
		logger = pick(r, sd.members)
		c.LoggedBy = logger.ID
	case desk.SourcePortal:
		c.LoggedBy = cust.ID
	}
	g.plan(&c, lf, target, logger, cust)
	diary := g.place(&c, target)
	// Load fills an empty database, so the calls are numbered 1, 2, 3... in the order made.
	g.lastRef[cust.ID] = desk.Reference(c.Kind, int64(g.done))
	return item{call: c, diary: diary}
}

// plan lays out the steps of the call's life up to target, with natural gaps between them (times
// relative to the logging time, placed for real by place).
func (g *callGen) plan(c *desk.Call, lf *profileNode, target desk.State, logger, cust *person) {
	r := g.r
	sd := g.u.groups[gServiceDesk]
	home := lf.group
	g.evs = g.evs[:0]
	cur := c.LoggedAt
	step := func(kind evKind, gap time.Duration, work bool, by *person, text string) *event {
		cur = cur.Add(gap)
		if work {
			cur = g.working(cur)
		}
		g.evs = append(g.evs, event{kind: kind, at: cur, by: by, text: text})
		return &g.evs[len(g.evs)-1]
	}
	fix := func(minutes bool) time.Duration {
		if minutes {
			return g.about(10 * time.Minute)
		}
		return g.about([...]time.Duration{0, 3 * time.Hour, 8 * time.Hour, 30 * time.Hour, 70 * time.Hour}[c.Priority])
	}
	cancel := func(by *person) {
		reason := pick(r, cancelReasons)
		if ref, ok := g.lastRef[c.CustomerID]; ok && r.Float64() < 0.4 {
			reason = "duplicate of " + ref
		}
		step(evCancel, g.about(20*time.Hour), by != cust, by, reason)
	}
	phone := logger != nil
	if target == desk.Unassigned {
		if r.Float64() < 0.2 && g.now.Sub(c.LoggedAt) > 6*time.Hour {
			step(evReply, g.about(5*time.Hour), false, cust, chaser)
		}
		return
	}
	if target == desk.Cancelled && r.Float64() < 0.3 {
		cancel(pick(r, []*person{cust, pick(r, sd.members)}))
		return
	}
	// First-time fix: the Service Desk solves it while the customer is on the phone or at the desk.
	ftf := phone && (target == desk.Resolved || target == desk.Closed) && r.Float64() < 0.35
	var owner *person // who works the call
	if phone {
		e := step(evAssign, 0, false, logger, "")
		e.logging = true
		if ftf || home == sd || r.Float64() < 0.5 {
			e.grp, e.to, owner = sd, logger, logger
		} else {
			e.grp = home
		}
	} else {
		triager := pick(r, sd.members)
		e := step(evAssign, g.about(25*time.Minute), true, triager, "")
		e.grp = home
		if r.Float64() < 0.15 {
			e.grp = sd
		}
		if r.Float64() < 0.4 {
			e.to = pick(r, e.grp.members)
			owner = e.to
		}
	}
	grp := g.evs[len(g.evs)-1].grp
	if ftf {
		step(evResolve, fix(true), false, logger, g.v.fill(pick(r, lf.spec.fixes)))
		g.close(c, step, cust)
		return
	}
	if grp == sd && home != sd && r.Float64() < 0.6 {
		by := owner
		if by == nil {
			by = pick(r, sd.members)
		}
		step(evNote, g.about(40*time.Minute), true, by, "Needs second line; passing to "+home.Name+".")
		e := step(evAssign, g.about(5*time.Minute), true, by, "")
		e.grp, grp, owner = home, home, nil
		if r.Float64() < 0.4 {
			e.to = pick(r, home.members)
			owner = e.to
		}
	}
	if target == desk.Assigned {
		if r.Float64() < 0.3 {
			step(evUpdate, g.about(2*time.Hour), true, pick(r, grp.members), g.v.fill(pick(r, updateTexts)))
		}
		return
	}
	if target == desk.Cancelled && r.Float64() < 0.5 {
		cancel(pick(r, []*person{cust, pick(r, grp.members)}))
		return
	}
	if owner == nil {
		owner = pick(r, grp.members)
	}
	accepted := target != desk.Resolved && target != desk.Closed || r.Float64() < 0.7
	if accepted {
		prompt := g.about(90 * time.Minute)
		if c.Priority <= 2 {
			prompt = g.about(15 * time.Minute)
		}
		step(evAccept, prompt, true, owner, "accepted")
	}
	work := 0
	switch x := r.Float64(); {
	case x < 0.33:
		work = 1
	case x < 0.45:
		work = 2
	}
	for range work {
		switch x := r.Float64(); {
		case x < 0.45:
			step(evNote, g.about(2*time.Hour), true, owner, g.v.fill(pick(r, append(noteTexts, lf.spec.notes...))))
		case x < 0.75:
			a := pick(r, asks)
			step(evAsk, g.about(time.Hour), true, owner, g.v.fill(a.ask))
			step(evReply, g.about(4*time.Hour), false, cust, g.v.fill(pick(r, a.replies)))
		default:
			step(evUpdate, g.about(3*time.Hour), true, owner, g.v.fill(pick(r, updateTexts)))
		}
	}
	if target == desk.Accepted {
		return
	}
	if target == desk.Cancelled {
		cancel(pick(r, []*person{cust, owner}))
		return
	}
	if target == desk.Pending || (accepted && r.Float64() < 0.1) {
		// Waiting for the customer's answer, mostly; else for someone else.
		a := pick(r, asks)
		asked := r.Float64() < 0.7
		reason := "awaiting reply from the customer"
		if asked {
			step(evAsk, g.about(time.Hour), true, owner, g.v.fill(a.ask))
		} else {
			reason = pick(r, pendReasons)
		}
		step(evPend, g.about(2*time.Minute), true, owner, "pending: "+reason)
		if target == desk.Pending {
			return
		}
		if asked {
			step(evReply, g.about(20*time.Hour), false, cust, g.v.fill(pick(r, a.replies)))
		}
		step(evAccept, g.about(2*time.Hour), true, owner, "accepted")
	}
	if target == desk.OnHold || target == desk.OffHold || r.Float64() < 0.08 {
		// The hold's text names its end, known only once the times are placed.
		step(evHold, g.about(20*time.Hour), true, owner, pick(r, holdReasons))
		if target == desk.OnHold {
			return
		}
		step(evOffHold, g.about(3*24*time.Hour), false, nil, "off hold: the hold time passed; flagged urgent")
		if target == desk.OffHold {
			return
		}
	}
	fixes := lf.spec.fixes
	first := r.IntN(len(fixes))
	step(evResolve, fix(false), true, owner, g.v.fill(fixes[first]))
	if target == desk.Closed && r.Float64() < 0.03 {
		step(evReopen, g.about(30*time.Hour), false, cust, "reopened: "+pick(r, reopenReasons))
		step(evNote, g.about(2*time.Hour), true, owner, g.v.fill(pick(r, lf.spec.notes)))
		step(evResolve, fix(false), true, owner, g.v.fill(fixes[(first+1)%len(fixes)]))
	}
	if target == desk.Closed {
		g.close(c, step, cust)
	}
}

// close ends a resolved call: the customer confirms the fix, or calldesk closes it autoClose
// after the resolution when the call is old enough for that.
func (g *callGen) close(c *desk.Call, step func(evKind, time.Duration, bool, *person, string) *event, cust *person) {
	if g.now.Sub(c.LoggedAt) > autoClose+12*time.Hour && g.r.Float64() < 0.6 {
		step(evClose, 0, false, nil, "closed automatically 5 days after resolution") // placed by place
		return
	}
	step(evClose, g.about(20*time.Hour), false, cust, "the customer confirmed the fix")
}

// place fits the planned steps between the logging time and now, as the target state needs, then
// applies them to c and returns the diary.
func (g *callGen) place(c *desk.Call, target desk.State) []desk.Entry {
	r, evs, t0 := g.r, g.evs, c.LoggedAt
	if len(evs) == 0 {
		c.UpdatedAt = t0
		return nil
	}
	anchor := len(evs) - 1
	auto := evs[anchor].kind == evClose && evs[anchor].by == nil
	if auto {
		anchor--
	}
	room := g.now.Sub(t0)
	hi := g.now.Add(-min(time.Minute, room/2))
	lo := t0
	switch {
	case auto:
		hi = g.now.Add(-autoClose - 20*time.Minute)
	case target == desk.Resolved:
		lo = g.now.Add(-autoClose + 12*time.Hour)
	case target == desk.OnHold:
		lo = g.now.Add(-20 * 24 * time.Hour)
	case target == desk.OffHold:
		lo = g.now.Add(-3 * 24 * time.Hour)
	}
	if lo.Before(t0) {
		lo = t0
	}
	if hi.Before(lo) {
		hi = lo
	}
	if end := evs[anchor].at; end.After(hi) || end.Before(lo) {
		want := lo.Add(time.Duration(r.Float64() * float64(hi.Sub(lo))))
		if end.After(hi) && hi.Sub(t0) > 0 {
			// Recent calls: compress their life into the time they have had.
			want = t0.Add(time.Duration((0.3 + 0.7*r.Float64()) * float64(hi.Sub(t0))))
			if want.Before(lo) {
				want = lo
			}
		}
		if span := end.Sub(t0); span > 0 {
			f := float64(want.Sub(t0)) / float64(span)
			for i := 0; i <= anchor; i++ {
				evs[i].at = t0.Add(time.Duration(float64(evs[i].at.Sub(t0)) * f))
			}
		} else {
			for i := 0; i <= anchor; i++ {
				evs[i].at = t0
			}
		}
	}
	if auto {
		evs[anchor+1].at = evs[anchor].at.Add(autoClose + time.Duration(r.IntN(900))*time.Second)
	}

	diary := make([]desk.Entry, 0, len(evs))
	for i := range evs {
		e := &evs[i]
		e.at = e.at.Truncate(time.Microsecond)
		if e.at.After(g.now) {
			e.at = g.now
		}
		if i > 0 && e.at.Before(evs[i-1].at) {
			e.at = evs[i-1].at
		}
		entry := desk.Entry{Kind: desk.EntryStatus, Text: e.text, CreatedAt: e.at}
		if e.by != nil {
			entry.AuthorID = e.by.ID
		}
		transition := true
		switch e.kind {
		case evAssign:
			entry.Kind = desk.EntryAssignment
			entry.Text = "assigned to " + e.grp.Name
			c.GroupID, c.AnalystID, c.State = e.grp.ID, 0, desk.Assigned
			if e.to != nil {
				entry.Text += " / " + e.to.Name()
				c.AnalystID = e.to.ID
			}
			if c.AssignedAt.IsZero() {
				c.AssignedAt = e.at
			}
			transition = !e.logging
		case evAccept:
			c.State, c.Urgent = desk.Accepted, false
			if c.AnalystID == 0 {
				c.AnalystID = e.by.ID
			}
			if c.AcceptedAt.IsZero() {
				c.AcceptedAt = e.at
			}
		case evNote:
			entry.Kind, transition = desk.EntryNote, false
		case evAsk, evUpdate, evReply:
			entry.Kind, entry.Public, transition = desk.EntryUpdate, true, false
		case evPend:
			c.State = desk.Pending
		case evHold:
			var until time.Time
			if i+1 < len(evs) && evs[i+1].kind == evOffHold {
				// It came off hold: the hold ended shortly before the timer noticed.
				next := evs[i+1].at.Truncate(time.Microsecond)
				until = next.Add(-time.Duration(r.IntN(300)) * time.Second).Truncate(time.Minute)
				if !until.After(e.at) {
					until = e.at.Add(next.Sub(e.at) / 2)
				}
			} else {
				// Still on hold: until a morning up to a fortnight away.
				d := g.now.AddDate(0, 0, 1+r.IntN(14))
				until = time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, time.UTC)
			}
			c.State, c.HeldAt, c.HoldUntil, c.HoldReason = desk.OnHold, e.at, until, e.text
			entry.Text = "on hold until " + desk.Instant(until) + ": " + e.text
		case evOffHold:
			c.State, c.Urgent, c.OffHoldAt = desk.OffHold, true, e.at
		case evResolve:
			c.State, c.Urgent, c.Resolution, c.ResolvedAt = desk.Resolved, false, e.text, e.at
			c.HoldUntil, c.HoldReason = time.Time{}, ""
			entry.Text = "resolved: " + e.text
		case evReopen:
			c.ReopenedAt, c.ResolvedAt, c.Resolution, c.State = e.at, time.Time{}, "", desk.Assigned
			if c.AnalystID != 0 && !c.AcceptedAt.IsZero() {
				c.State = desk.Accepted
			}
		case evClose:
			c.State, c.ClosedAt = desk.Closed, e.at
		case evCancel:
			c.State, c.Urgent, c.CancelNote, c.CancelledAt = desk.Cancelled, false, e.text, e.at
			entry.Text = "cancelled: " + e.text
		}
		if transition {
			c.Version++
		}
		entry.CallVersion = c.Version
		diary = append(diary, entry)
		c.UpdatedAt = e.at
	}
	return diary
}
