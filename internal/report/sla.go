package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// The service-level reports (issue 18 item 1): how many responses and resolutions met their
// targets, and how long they took in working time. Both read the figures call_sla kept when each
// clock stopped (issue 17 point 6), so no calendar is evaluated again and the figures survive
// erasure and retention.

// tally counts one clock's settled targets.
type tally struct{ met, missed int }

// add counts n clocks that met (or missed) their target.
func (t *tally) add(met bool, n int) {
	if met {
		t.met += n
	} else {
		t.missed += n
	}
}

func (t tally) total() int { return t.met + t.missed }

// share is the percentage met (0 when nothing settled).
func (t tally) share() int {
	if t.total() == 0 {
		return 0
	}
	return t.met * 100 / t.total()
}

// levelTallies are a set of calls' response and resolution tallies, per priority, per group and
// in all.
type levelTallies struct {
	respond, resolve     tally
	byPriority           map[desk.Priority]*[2]tally
	byGroup              map[int64]*[2]tally
	groupName            map[int64]string
	respondDur, resolveD []time.Duration // working time to each settled event, sorted
	// durations are respondDur and resolveD per priority, sorted.
	durations map[desk.Priority][2][]time.Duration
}

func tallyLevels(ls []store.LevelFigures) levelTallies {
	t := levelTallies{byPriority: map[desk.Priority]*[2]tally{}, byGroup: map[int64]*[2]tally{}, groupName: map[int64]string{},
		durations: map[desk.Priority][2][]time.Duration{}}
	for _, l := range ls {
		p, g := t.byPriority[l.Priority], t.byGroup[l.GroupID]
		if p == nil {
			p = &[2]tally{}
			t.byPriority[l.Priority] = p
		}
		if g == nil {
			g = &[2]tally{}
			t.byGroup[l.GroupID] = g
			t.groupName[l.GroupID] = l.Group
		}
		i := 0
		if l.Clock == "resolve" {
			i = 1
		}
		p[i].add(l.Met, l.Count)
		g[i].add(l.Met, l.Count)
		d := t.durations[l.Priority]
		if i == 0 {
			t.respond.add(l.Met, l.Count)
			t.respondDur, d[0] = append(t.respondDur, l.Elapsed...), append(d[0], l.Elapsed...)
		} else {
			t.resolve.add(l.Met, l.Count)
			t.resolveD, d[1] = append(t.resolveD, l.Elapsed...), append(d[1], l.Elapsed...)
		}
		t.durations[l.Priority] = d
	}
	return t
}

// sortTimes sorts every list of working times, for the percentiles: only the times report
// needs them, and a year's are hundreds of thousands.
func (t levelTallies) sortTimes() {
	slices.Sort(t.respondDur)
	slices.Sort(t.resolveD)
	for _, d := range t.durations {
		slices.Sort(d[0])
		slices.Sort(d[1])
	}
}

// levelPeriods reads the service levels settled in [from, to) and in the period before it, tallied
// (with their working times, unsorted, when times is set), with the earlier period's name.
func (r Reporter) levelPeriods(ctx context.Context, p Params, from, to time.Time, times bool) (now, before levelTallies, period string, err error) {
	read, prevClocks := r.Store.ReportLevelCounts, []string(nil)
	if times {
		// The times report compares only the median to resolve with the period before.
		read, prevClocks = r.Store.ReportLevelFigures, []string{"resolve"}
	}
	ls, err := read(ctx, p.Filter, from, to)
	if err != nil {
		return now, before, "", err
	}
	prevFrom, period := previous(from, to)
	prev, err := read(ctx, p.Filter, prevFrom, from, prevClocks...)
	if err != nil {
		return now, before, "", err
	}
	return tallyLevels(ls), tallyLevels(prev), period, nil
}

// levels is the service-level compliance report: responses and resolutions within target per
// priority and per group, compared with the previous period, with the calls at risk and
// breached now.
func (r Reporter) levels(ctx context.Context, p Params, v Viewer, from, to time.Time, res *Result) error {
	now, before, period, err := r.levelPeriods(ctx, p, from, to, false)
	if err != nil {
		return err
	}
	cols := func(what string) []string {
		return []string{"Priority", what + " due in the range", "Within target", "Missed", "% within target"}
	}
	row := func(t tally) []Cell {
		return []Cell{num(t.total()), num(t.met), num(t.missed), pct(t.met, t.total())}
	}
	respond := Table{Caption: "Responses within target per priority, " + res.Range, Columns: cols("Responses")}
	resolve := Table{Caption: "Resolutions within target per priority, " + res.Range, Columns: cols("Resolutions")}
	var labels []string
	var rs, ss []float64
	for _, pr := range []desk.Priority{1, 2, 3, 4} {
		t := now.byPriority[pr]
		if t == nil {
			t = &[2]tally{}
		}
		respond.Rows = append(respond.Rows, Row{Label: pr.String(), Cells: row(t[0])})
		resolve.Rows = append(resolve.Rows, Row{Label: pr.String(), Cells: row(t[1])})
		labels = append(labels, pr.String())
		rs, ss = append(rs, float64(t[0].share())), append(ss, float64(t[1].share()))
	}
	respond.Rows = append(respond.Rows, Row{Label: "All priorities", Cells: row(now.respond)})
	resolve.Rows = append(resolve.Rows, Row{Label: "All priorities", Cells: row(now.resolve)})

	byGroup := Table{Caption: "Service levels per group, " + res.Range,
		Columns: []string{"Group", "Responses due", "% responded within target", "Resolutions due", "% resolved within target"}}
	ids := make([]int64, 0, len(now.byGroup))
	for id := range now.byGroup {
		ids = append(ids, id)
	}
	name := func(id int64) string {
		if id == 0 {
			return "No group"
		}
		return now.groupName[id]
	}
	sort.Slice(ids, func(i, j int) bool { return name(ids[i]) < name(ids[j]) })
	suppressed := 0
	for _, id := range ids {
		t := now.byGroup[id]
		cells := []Cell{num(t[0].total()), pct(t[0].met, t[0].total()), num(t[1].total()), pct(t[1].met, t[1].total())}
		if !v.Named && t[0].total()+t[1].total() < MinGroup {
			suppressed++
			cells = []Cell{suppressedCell(), suppressedCell(), suppressedCell(), suppressedCell()}
		}
		byGroup.Rows = append(byGroup.Rows, Row{Label: name(id), Cells: cells})
	}
	if suppressed > 0 {
		byGroup.Note = fmt.Sprintf("Figures for %d group(s) with fewer than %d targets due are suppressed, so that nobody is identified by a small count; they are in the totals above.", suppressed, MinGroup)
	}
	counts, err := r.Store.CountSLA(ctx)
	if err != nil {
		return err
	}
	res.Tables = []Table{respond, resolve, byGroup}
	res.Summary = levelSummary(now, before, period) + " " + atRiskNow(counts)
	res.Chart = Chart{Title: "Share of targets met per priority (%)", Labels: labels,
		Series: []Series{{Name: "Responded within target (%)", Values: rs}, {Name: "Resolved within target (%)", Values: ss}}}
	return nil
}

// levelSummary is the sentence a manager reads first: "Resolved within target: 91%, down 3
// points on the previous month; responded within target: 97%."
func levelSummary(now, before levelTallies, period string) string {
	if now.resolve.total() == 0 && now.respond.total() == 0 {
		return "No response or resolution target fell due in this range."
	}
	part := func(what string, t, b tally) string {
		if t.total() == 0 {
			return what + ": no target fell due"
		}
		s := fmt.Sprintf("%s: %d%% of %s", what, t.share(), Thousands(t.total()))
		switch d := t.share() - b.share(); {
		case b.total() == 0:
			s += ", none in " + period
		case d == 0:
			s += ", the same as " + period
		case d > 0:
			s += fmt.Sprintf(", up %s on %s", points(d), period)
		default:
			s += fmt.Sprintf(", down %s on %s", points(-d), period)
		}
		return s
	}
	return part("Resolved within target", now.resolve, before.resolve) + "; " +
		part("responded within target", now.respond, before.respond) + "."
}

func points(n int) string {
	if n == 1 {
		return "1 point"
	}
	return fmt.Sprintf("%d points", n)
}

// atRiskNow says how many open calls are at risk and breached at this moment.
func atRiskNow(c store.SLACounts) string {
	count := func(n int, more bool) string {
		if more {
			return "more than " + Thousands(n)
		}
		return Thousands(n)
	}
	return fmt.Sprintf("Now: %s open calls at risk of missing a target, %s breached.", count(c.AtRisk, c.AtRiskMore), count(c.Breached, c.BreachedMore))
}

// times is the working time calls took to get their first response and to be resolved, per
// priority: median and 90th percentile of the clocks that stopped in the range, pauses (on
// hold, waiting for the customer) excluded, as the targets count them.
func (r Reporter) times(ctx context.Context, p Params, from, to time.Time, res *Result) error {
	all, before, period, err := r.levelPeriods(ctx, p, from, to, true)
	if err != nil {
		return err
	}
	all.sortTimes()
	slices.Sort(before.resolveD) // the summary's median of the period before
	t := Table{Caption: "Working time to respond and to resolve per priority, " + res.Range,
		Columns: []string{"Priority", "Responses", "Median to respond", "90th percentile to respond",
			"Resolutions", "Median to resolve", "90th percentile to resolve"}}
	cells := func(ds []time.Duration) []Cell {
		if len(ds) == 0 {
			none := Cell{Text: "-", Format: Words}
			return []Cell{num(0), none, none}
		}
		return []Cell{num(len(ds)), dur(Percentile(ds, 50)), dur(Percentile(ds, 90))}
	}
	var labels []string
	var resp, reso []float64
	for _, pr := range []desk.Priority{1, 2, 3, 4} {
		d := all.durations[pr]
		t.Rows = append(t.Rows, Row{Label: pr.String(), Cells: append(cells(d[0]), cells(d[1])...)})
		labels = append(labels, pr.String())
		resp, reso = append(resp, Percentile(d[0], 50).Hours()), append(reso, Percentile(d[1], 50).Hours())
	}
	t.Rows = append(t.Rows, Row{Label: "All priorities", Cells: append(cells(all.respondDur), cells(all.resolveD)...)})
	t.Note = "Working time by each call's calendar, from logging (or reopening) to the first response the customer saw " +
		"and to resolution, with the time on hold or waiting for the customer left out where the target pauses; " +
		"calls with no target are not timed."
	res.Tables = []Table{t}
	if len(all.resolveD) == 0 {
		res.Summary = "No call with a resolution target was resolved in this range"
	} else {
		res.Summary = fmt.Sprintf("Median working time to resolve: %s, 90th percentile %s, over %s", Hours(Percentile(all.resolveD, 50)),
			Hours(Percentile(all.resolveD, 90)), plural(len(all.resolveD), "call", "calls"))
	}
	if len(before.resolveD) == 0 {
		res.Summary += "; none in " + period + "."
	} else {
		res.Summary += fmt.Sprintf("; %s in %s.", Hours(Percentile(before.resolveD, 50)), period)
	}
	res.Chart = Chart{Title: "Median working hours to respond and to resolve per priority", Labels: labels,
		Series: []Series{{Name: "Median to respond (hours)", Values: resp}, {Name: "Median to resolve (hours)", Values: reso}}}
	return nil
}
