package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// pct is part as a percentage of whole, "-" when whole is 0.
func pct(part, whole int) Cell {
	if whole == 0 {
		return Cell{Text: "-", Format: Words}
	}
	n := part * 100 / whole
	return Cell{N: n, Text: fmt.Sprintf("%d%%", n), Format: Percent}
}

func suppressedCell() Cell { return Cell{Text: "suppressed", Suppressed: true, Format: Words} }

// slot is one row of a table per day, week or month: the bucket's start, the part of the range
// it covers ([from, to)), and its names.
type slot struct {
	start, from, to time.Time
	name, short     string
}

// slots are the buckets of [from, to) per every, in loc.
func slots(from, to time.Time, every Every, loc *time.Location) []slot {
	var out []slot
	for b := bucket(from, every, loc); b.Before(to); b = next(b, every) {
		name := b.Format("Mon 2 Jan 2006")
		if every == Monthly {
			name = b.Format("January 2006")
		}
		out = append(out, slot{start: b, from: maxTime(b, from), to: minTime(next(b, every), to), name: name, short: shortLabel(b, every)})
	}
	return out
}

// slotLabel heads a table's column of slots.
func slotLabel(every Every) string {
	return map[Every]string{Daily: "Day", Weekly: "Week beginning", Monthly: "Month"}[every]
}

// events are the volume counts summed over a period.
type events struct{ logged, resolved, resolvedReopened, cancelled, reopened int }

func (e *events) add(c store.VolumeCount) {
	e.logged += c.Logged
	e.resolved += c.Resolved
	e.resolvedReopened += c.ResolvedReopened
	e.cancelled += c.Cancelled
	e.reopened += c.Reopened
}

// eventTallies are the volume counts of [from, to) per slot and per source, their total, and the
// total of the period before (for the summary).
type eventTallies struct {
	bySlot        map[time.Time]*events
	bySource      map[desk.CallSource]*events
	now, before   events
	period        string
	slots         []slot
	loc           *time.Location
	every         Every
	filter        store.ReportFilter
	named         bool
	from, to      time.Time
	rangeWords    string
	suppressedAny int
}

func (r Reporter) tallies(ctx context.Context, p Params, v Viewer, from, to time.Time, rangeWords string, only ...string) (*eventTallies, error) {
	loc := r.Zone.Location()
	prevFrom, period := previous(from, to)
	counts, err := r.Store.ReportVolumeOf(ctx, p.Filter, loc, from, to, only...)
	if err != nil {
		return nil, err
	}
	// The period before is compared by its totals alone: one row, dated at its start.
	prev, err := r.Store.ReportVolumeTotals(ctx, p.Filter, prevFrom, from, only...)
	if err != nil {
		return nil, err
	}
	prev.Day = prevFrom
	counts = append(counts, prev)
	t := &eventTallies{bySlot: map[time.Time]*events{}, bySource: map[desk.CallSource]*events{}, period: period,
		slots: slots(from, to, p.Every, loc), loc: loc, every: p.Every, filter: p.Filter, named: v.Named, from: from, to: to, rangeWords: rangeWords}
	for _, c := range counts {
		if c.Day.Before(from) {
			t.before.add(c)
			continue
		}
		t.now.add(c)
		b := bucket(c.Day, p.Every, loc)
		if t.bySlot[b] == nil {
			t.bySlot[b] = &events{}
		}
		t.bySlot[b].add(c)
		if t.bySource[c.Source] == nil {
			t.bySource[c.Source] = &events{}
		}
		t.bySource[c.Source].add(c)
	}
	return t, nil
}

// count is n as a cell, with the drill-down to the calls behind it for a named viewer.
func (t *eventTallies) count(n int, event string, from, to time.Time, f store.ReportFilter) Cell {
	c := num(n)
	if t.named && n > 0 && event != "" {
		c.Drill = drill(event, from, to, f)
	}
	return c
}

// sources lists the sources in the tables' order.
func sources() []desk.CallSource {
	return []desk.CallSource{desk.SourcePortal, desk.SourceEmail, desk.SourcePhone, desk.SourceFaceToFace, desk.SourceAPI}
}

// groupTable is a table of counts per support group, groups with fewer than MinGroup calls in
// their largest figure suppressed for a viewer who may not see names (S11). cols name the
// counts, in the order of each GroupEvents' Counts; extra adds computed cells after them.
func groupTable(caption string, rows []store.GroupEvents, cols []string, v Viewer, extra func(g store.GroupEvents) []Cell) Table {
	t := Table{Caption: caption, Columns: append([]string{"Group"}, cols...)}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Group < rows[j].Group })
	suppressed := 0
	for _, g := range rows {
		name := g.Group
		if g.GroupID == 0 {
			name = "No group"
		}
		var cs []Cell
		if !v.Named && slices.Max(g.Counts) < MinGroup {
			suppressed++
			for range len(t.Columns) - 1 {
				cs = append(cs, suppressedCell())
			}
		} else {
			for _, n := range g.Counts {
				cs = append(cs, num(n))
			}
			if extra != nil {
				cs = append(cs, extra(g)...)
			}
		}
		t.Rows = append(t.Rows, Row{Label: name, Cells: cs})
	}
	if suppressed > 0 {
		t.Note = fmt.Sprintf("Figures for %d group(s) with fewer than %d calls are suppressed, so that nobody is identified by a small count.", suppressed, MinGroup)
	}
	return t
}

// lowerFirst lowers the first letter of s, for a clause after a semicolon.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// reopens is the reopen rate: of the calls resolved in each period (by their latest resolution),
// the share that had been reopened before it; and the reopenings themselves.
func (r Reporter) reopens(ctx context.Context, p Params, v Viewer, from, to time.Time, res *Result) error {
	t, err := r.tallies(ctx, p, v, from, to, res.Range, "resolved", "reopened")
	if err != nil {
		return err
	}
	byTime := Table{Caption: "Reopened calls per " + string(p.Every) + ", " + res.Range,
		Columns: []string{slotLabel(p.Every), "Resolved", "Resolved after a reopening", "Reopen rate", "Reopened"}}
	row := func(e *events, from, to time.Time, f store.ReportFilter) []Cell {
		return []Cell{t.count(e.resolved, "resolved", from, to, f), num(e.resolvedReopened), pct(e.resolvedReopened, e.resolved),
			t.count(e.reopened, "reopened", from, to, f)}
	}
	var resolved, reopened []float64
	labels, bySrc := t.fill(&byTime, "Reopened calls by source, "+res.Range, p.Filter, from, to, row, func(e *events) {
		resolved = append(resolved, float64(e.resolved))
		reopened = append(reopened, float64(e.reopened))
	})
	groups, err := r.Store.ReportEventsByGroup(ctx, p.Filter, []string{"resolved", "reopened"}, from, to)
	if err != nil {
		return err
	}
	byGroup := groupTable("Reopened calls by group, "+res.Range, groups, []string{"Resolved", "Reopened"}, v, nil)
	res.Tables = []Table{byTime, bySrc, byGroup}
	rate := func(e events) string {
		if e.resolved == 0 {
			return "no calls resolved"
		}
		return fmt.Sprintf("%d%%", e.resolvedReopened*100/e.resolved)
	}
	res.Summary = fmt.Sprintf("Reopen rate: %s (%s in %s); %s.", rate(t.now), rate(t.before), t.period,
		lowerFirst(Compare("Calls reopened", t.now.reopened, t.before.reopened, t.period)))
	res.Chart = Chart{Title: "Calls resolved and reopened per " + string(p.Every), Labels: labels,
		Series: []Series{{Name: "Resolved", Values: resolved}, {Name: "Reopened", Values: reopened}}}
	return nil
}

// fill adds to byTime a row per slot and the total, and makes the table by source with byTime's
// columns: row gives a row's cells for the events of a slot or source (with the range and filter
// a drill-down needs), and each is called with every slot's events, in order, for the chart. It
// returns the slots' short labels and the table by source.
func (t *eventTallies) fill(byTime *Table, bySourceCaption string, f store.ReportFilter, from, to time.Time,
	row func(e *events, from, to time.Time, f store.ReportFilter) []Cell, each func(*events)) ([]string, Table) {
	var labels []string
	for _, s := range t.slots {
		e := t.bySlot[s.start]
		if e == nil {
			e = &events{}
		}
		byTime.Rows = append(byTime.Rows, Row{Label: s.name, Cells: row(e, s.from, s.to, f)})
		labels = append(labels, s.short)
		each(e)
	}
	byTime.Rows = append(byTime.Rows, Row{Label: "Total", Cells: row(&t.now, from, to, f)})
	bySrc := Table{Caption: bySourceCaption, Columns: append([]string{"Source"}, byTime.Columns[1:]...)}
	for _, s := range sources() {
		e := t.bySource[s]
		if e == nil {
			e = &events{}
		}
		fs := f
		fs.Source = s
		bySrc.Rows = append(bySrc.Rows, Row{Label: sourceWords(s), Cells: row(e, from, to, fs)})
	}
	return labels, bySrc
}

// cancellations counts the calls cancelled per period, source and group, beside the calls logged.
func (r Reporter) cancellations(ctx context.Context, p Params, v Viewer, from, to time.Time, res *Result) error {
	t, err := r.tallies(ctx, p, v, from, to, res.Range, "logged", "cancelled")
	if err != nil {
		return err
	}
	byTime := Table{Caption: "Cancelled calls per " + string(p.Every) + ", " + res.Range,
		Columns: []string{slotLabel(p.Every), "Logged", "Cancelled", "Cancelled per 100 logged"}}
	row := func(e *events, from, to time.Time, f store.ReportFilter) []Cell {
		return []Cell{t.count(e.logged, "logged", from, to, f), t.count(e.cancelled, "cancelled", from, to, f), pct(e.cancelled, e.logged)}
	}
	var cancelled []float64
	labels, bySrc := t.fill(&byTime, "Cancelled calls by source, "+res.Range, p.Filter, from, to, row, func(e *events) {
		cancelled = append(cancelled, float64(e.cancelled))
	})
	groups, err := r.Store.ReportEventsByGroup(ctx, p.Filter, []string{"logged", "cancelled"}, from, to)
	if err != nil {
		return err
	}
	byGroup := groupTable("Cancelled calls by group, "+res.Range, groups, []string{"Logged", "Cancelled"}, v,
		func(g store.GroupEvents) []Cell { return []Cell{pct(g.Counts[1], g.Counts[0])} })
	byGroup.Columns = append(byGroup.Columns, "Cancelled per 100 logged")
	res.Tables = []Table{byTime, bySrc, byGroup}
	share := ""
	if t.now.logged > 0 {
		share = fmt.Sprintf(", %d for every 100 calls logged", t.now.cancelled*100/t.now.logged)
	}
	res.Summary = Compare("Calls cancelled", t.now.cancelled, t.before.cancelled, t.period) + share + "."
	res.Chart = Chart{Title: "Calls cancelled per " + string(p.Every), Labels: labels,
		Series: []Series{{Name: "Cancelled", Values: cancelled}}}
	return nil
}

// kindWords names a kind of customer for people.
func kindWords(k desk.PersonKind) string {
	switch k {
	case desk.Staff:
		return "Staff"
	case desk.Student:
		return "Students"
	case desk.Partner:
		return "Partners"
	case desk.Visitor:
		return "Visitors"
	}
	return string(k)
}

// customers counts the calls logged per kind of customer and per department; departments with
// fewer than MinGroup calls are suppressed for a viewer who may not see names (S11), as groups are.
func (r Reporter) customers(ctx context.Context, p Params, v Viewer, from, to time.Time, res *Result) error {
	rows, err := r.Store.ReportCustomers(ctx, p.Filter, from, to)
	if err != nil {
		return err
	}
	prevFrom, period := previous(from, to)
	prev, err := r.Store.ReportCustomers(ctx, p.Filter, prevFrom, from)
	if err != nil {
		return err
	}
	byKind := map[desk.PersonKind]int{}
	byDept := map[string]int{}
	total, before := 0, 0
	for _, c := range rows {
		byKind[c.Kind] += c.Logged
		byDept[c.Department] += c.Logged
		total += c.Logged
	}
	for _, c := range prev {
		before += c.Logged
	}
	kinds := Table{Caption: "Calls logged by kind of customer, " + res.Range, Columns: []string{"Kind of customer", "Logged", "Share"}}
	var labels []string
	var vals []float64
	for _, k := range []desk.PersonKind{desk.Staff, desk.Student, desk.Partner, desk.Visitor} {
		kinds.Rows = append(kinds.Rows, Row{Label: kindWords(k), Cells: []Cell{num(byKind[k]), pct(byKind[k], total)}})
		labels = append(labels, kindWords(k))
		vals = append(vals, float64(byKind[k]))
	}
	kinds.Rows = append(kinds.Rows, Row{Label: "Total", Cells: []Cell{num(total), pct(total, total)}})
	depts := Table{Caption: "Calls logged by the customer's department, " + res.Range, Columns: []string{"Department", "Logged", "Share"}}
	names := make([]string, 0, len(byDept))
	for d := range byDept {
		names = append(names, d)
	}
	sort.Strings(names)
	suppressed, top, topN := 0, "", 0
	for _, d := range names {
		n := byDept[d]
		label := d
		if d == "" {
			label = "No department recorded"
		}
		if !v.Named && n < MinGroup {
			suppressed++
			depts.Rows = append(depts.Rows, Row{Label: label, Cells: []Cell{suppressedCell(), suppressedCell()}})
			continue
		}
		if n > topN && d != "" {
			top, topN = d, n
		}
		depts.Rows = append(depts.Rows, Row{Label: label, Cells: []Cell{num(n), pct(n, total)}})
	}
	depts.Rows = append(depts.Rows, Row{Label: "Total", Cells: []Cell{num(total), pct(total, total)}})
	if suppressed > 0 {
		depts.Note = fmt.Sprintf("Figures for %d department(s) with fewer than %d calls are suppressed, so that nobody is identified by a small count; they are in the totals.", suppressed, MinGroup)
	}
	res.Tables = []Table{kinds, depts}
	res.Summary = Compare("Calls logged", total, before, period)
	if top != "" {
		res.Summary += fmt.Sprintf("; the most from %s (%s)", top, Thousands(topN))
	}
	res.Summary += "."
	res.Chart = Chart{Title: "Calls logged by kind of customer", Labels: labels, Series: []Series{{Name: "Calls logged", Values: vals}}}
	return nil
}

// Percentile is the p-th percentile (0 < p <= 100) of sorted by the nearest-rank method: the
// smallest value with at least p% of the values at or below it. 0 when there are none.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

// Hours writes a duration for people: "45 min", "26 h 5 min", "3 days 2 h".
func Hours(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m < 48*60:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	return fmt.Sprintf("%d days %d h", m/(24*60), m%(24*60)/60)
}

func dur(d time.Duration) Cell {
	return Cell{N: int(d / time.Second), Text: Hours(d), Format: Duration}
}

// holds is the time calls spent on hold, in wall-clock time: for the holds that ran their time
// and came off hold in the range, the median and 90th percentile per priority. The call row keeps
// each call's latest hold; a hold ended early (the call reassigned, resolved or cancelled while on
// hold) has no end time on the row and is counted, not timed.
func (r Reporter) holds(ctx context.Context, p Params, from, to time.Time, res *Result) error {
	hs, err := r.Store.ReportHolds(ctx, p.Filter, from, to)
	if err != nil {
		return err
	}
	prevFrom, period := previous(from, to)
	prev, err := r.Store.ReportHolds(ctx, p.Filter, prevFrom, from)
	if err != nil {
		return err
	}
	timed := func(hs []store.Hold, from, to time.Time) (map[desk.Priority][]time.Duration, []time.Duration, int, int) {
		by := map[desk.Priority][]time.Duration{}
		var all []time.Duration
		early, on := 0, 0
		for _, h := range hs {
			switch {
			case !h.OffHoldAt.IsZero() && !h.OffHoldAt.Before(from) && h.OffHoldAt.Before(to):
				d := h.OffHoldAt.Sub(h.HeldAt)
				by[h.Priority] = append(by[h.Priority], d)
				all = append(all, d)
			case h.OnHold:
				on++
			case h.OffHoldAt.IsZero() && !h.HeldAt.Before(from) && h.HeldAt.Before(to):
				early++
			}
		}
		for _, ds := range by {
			slices.Sort(ds)
		}
		slices.Sort(all)
		return by, all, early, on
	}
	by, all, early, on := timed(hs, from, to)
	_, allBefore, _, _ := timed(prev, prevFrom, from)
	t := Table{Caption: "Time on hold per priority, holds ended " + res.Range,
		Columns: []string{"Priority", "Holds that ran their time", "Median", "90th percentile", "Longest"}}
	row := func(ds []time.Duration) []Cell {
		if len(ds) == 0 {
			none := Cell{Text: "-", Format: Words}
			return []Cell{num(0), none, none, none}
		}
		return []Cell{num(len(ds)), dur(Percentile(ds, 50)), dur(Percentile(ds, 90)), dur(ds[len(ds)-1])}
	}
	var labels []string
	var med, p90 []float64
	for _, pr := range []desk.Priority{1, 2, 3, 4} {
		ds := by[pr]
		t.Rows = append(t.Rows, Row{Label: pr.String(), Cells: row(ds)})
		labels = append(labels, pr.String())
		med = append(med, Percentile(ds, 50).Hours())
		p90 = append(p90, Percentile(ds, 90).Hours())
	}
	t.Rows = append(t.Rows, Row{Label: "All priorities", Cells: row(all)})
	t.Note = fmt.Sprintf("Wall-clock time from going on hold to coming off hold, for each call's latest hold. "+
		"%s ended early (the call reassigned, resolved or cancelled while on hold), which the call does not time; "+
		"%s on hold now.", plural(early, "hold", "holds")+" begun in the range", plural(on, "call is", "calls are"))
	res.Tables = []Table{t}
	if len(all) == 0 {
		res.Summary = "No hold ran its time and came off hold in this range"
	} else {
		res.Summary = fmt.Sprintf("Median time on hold: %s, 90th percentile %s, over %s", Hours(Percentile(all, 50)),
			Hours(Percentile(all, 90)), plural(len(all), "hold", "holds"))
	}
	if len(allBefore) == 0 {
		res.Summary += "; none in " + period + "."
	} else {
		res.Summary += fmt.Sprintf("; %s in %s.", Hours(Percentile(allBefore, 50)), period)
	}
	res.Chart = Chart{Title: "Median and 90th percentile hours on hold per priority", Labels: labels,
		Series: []Series{{Name: "Median (hours)", Values: med}, {Name: "90th percentile (hours)", Values: p90}}}
	return nil
}

// plural is "1 hold" or "3 holds".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// backlogTrend is the calls open at the end of each day, week or month of the range (at now for a
// period not yet over), worked back from the calls open now and the calls logged and ended since:
// a reopened call counts as open from its logging to its latest resolution.
func (r Reporter) backlogTrend(ctx context.Context, p Params, from, to time.Time, res *Result) error {
	loc := r.Zone.Location()
	now := r.now()
	flow, err := r.Store.ReportOpenFlow(ctx, p.Filter, loc, from, now)
	if err != nil {
		return err
	}
	// openAt is the calls open at t (from <= t <= now): those open now, less those logged since t,
	// plus those ended since t. flow.Days are day starts; t is a day start or now.
	openAt := func(t time.Time) int {
		n := flow.OpenNow
		for _, d := range flow.Days {
			if !d.Day.Before(t) {
				n += d.Ended - d.Logged
			}
		}
		return n
	}
	sumIn := func(a, b time.Time) (logged, ended int) {
		for _, d := range flow.Days {
			if !d.Day.Before(a) && d.Day.Before(b) {
				logged += d.Logged
				ended += d.Ended
			}
		}
		return
	}
	t := Table{Caption: "Open calls at the end of each " + string(p.Every) + ", " + res.Range,
		Columns: []string{slotLabel(p.Every), "Open at the end", "Logged", "Ended"}}
	var labels []string
	var vals []float64
	start := 0
	if from.Before(now) {
		start = openAt(from)
	}
	end := start
	for _, s := range slots(from, to, p.Every, loc) {
		if !s.from.Before(now) {
			break
		}
		at, label := s.to, s.name
		if at.After(now) {
			at, label = now, s.name+" (so far)"
		}
		n := openAt(at)
		lg, en := sumIn(s.from, at)
		t.Rows = append(t.Rows, Row{Label: label, Cells: []Cell{num(n), num(lg), num(en)}})
		labels = append(labels, s.short)
		vals = append(vals, float64(n))
		end = n
	}
	if len(t.Rows) == 0 {
		t.Note = "The range has not begun: there is nothing to show yet."
	}
	res.Tables = []Table{t}
	endWords := "at the end of the range"
	if to.After(now) {
		endWords = "now"
	}
	res.Summary = fmt.Sprintf("Open calls: %s %s, %s %s at its start.", Thousands(end), endWords, trendWords(end, start), Thousands(start))
	res.Chart = Chart{Title: "Open calls at the end of each " + string(p.Every), Labels: labels, Line: true,
		Series: []Series{{Name: "Open calls", Values: vals}}}
	return nil
}

// trendWords is "up from", "down from" or "the same as".
func trendWords(now, before int) string {
	switch {
	case now > before:
		return "up from"
	case now < before:
		return "down from"
	}
	return "the same as"
}
