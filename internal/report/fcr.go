package report

import (
	"context"
	"fmt"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// DefaultFirstContactWindow is how soon after logging a call must be resolved to count as
// resolved at the first contact, when the Reporter is given no window.
const DefaultFirstContactWindow = 10 * time.Minute

// FirstContactAbout defines the report's two figures, for its help text (the page, the API and
// the README say the same).
func FirstContactAbout(window time.Duration) string {
	return "Both figures are shares of the calls resolved in the range (by their latest resolution): " +
		"the denominator is every call resolved in the range that matches the filters. " +
		"A first-line fix is a resolved call that was resolved by an analyst who is a member of a first-line group " +
		"(the Service Desk; an administrator marks the groups), is in a first-line group, and was never moved from one " +
		"support group to another during its life (calldesk counts every change of a call's group as it happens; " +
		"a move between two first-line groups counts as a move too). " +
		"A first-contact resolution is a resolved call that was resolved by the same analyst who logged it, within " +
		Hours(window) + " of logging it, was never moved between groups and never reopened, and had no public update " +
		"or email in its diary between logging and resolution from anyone but that analyst (a customer's reply by email or " +
		"on SupportMe ends the first contact). A call the customer logged themselves is never a first-contact resolution."
}

// fcrTally counts the resolved calls of a set and those that were first-line fixes and
// first-contact resolutions.
type fcrTally struct{ resolved, flf, fcr int }

func (t *fcrTally) add(c store.FirstContactCount) {
	t.resolved += c.Resolved
	t.flf += c.FirstLineFix
	t.fcr += c.FirstContact
}

// FirstContactRule is the rule r counts first-contact resolutions by (its window), for the
// drill-down to the calls behind the figure.
func (r Reporter) FirstContactRule() store.FirstContactRule {
	if r.FirstContactWindow <= 0 {
		return store.FirstContactRule{Window: DefaultFirstContactWindow}
	}
	return store.FirstContactRule{Window: r.FirstContactWindow}
}

// firstContact is the first-contact resolution and first-line fix report: per priority, group and
// source, of the calls resolved in the range, how many were each, and their shares.
func (r Reporter) firstContact(ctx context.Context, p Params, v Viewer, from, to time.Time, res *Result) error {
	rule := r.FirstContactRule()
	rows, err := r.Store.ReportFirstContact(ctx, p.Filter, rule, from, to)
	if err != nil {
		return err
	}
	prevFrom, period := previous(from, to)
	prev, err := r.Store.ReportFirstContactTotals(ctx, p.Filter, rule, prevFrom, from)
	if err != nil {
		return err
	}
	var now, before fcrTally
	byPriority := map[desk.Priority]*fcrTally{}
	bySource := map[desk.CallSource]*fcrTally{}
	var groups []store.GroupEvents
	groupIndex := map[int64]int{}
	for _, c := range rows {
		now.add(c)
		if byPriority[c.Priority] == nil {
			byPriority[c.Priority] = &fcrTally{}
		}
		byPriority[c.Priority].add(c)
		if bySource[c.Source] == nil {
			bySource[c.Source] = &fcrTally{}
		}
		bySource[c.Source].add(c)
		i, ok := groupIndex[c.GroupID]
		if !ok {
			name := c.Group
			if c.FirstLine {
				name += " (first line)"
			}
			i = len(groups)
			groupIndex[c.GroupID] = i
			groups = append(groups, store.GroupEvents{GroupID: c.GroupID, Group: name, Counts: make([]int, 3)})
		}
		groups[i].Counts[0] += c.Resolved
		groups[i].Counts[1] += c.FirstLineFix
		groups[i].Counts[2] += c.FirstContact
	}
	before.add(prev)
	cols := []string{"Resolved", "First-line fixes", "First-line fix rate", "First-contact resolutions", "First-contact resolution rate"}
	cells := func(t *fcrTally, f store.ReportFilter) []Cell {
		cs := []Cell{num(t.resolved), num(t.flf), pct(t.flf, t.resolved), num(t.fcr), pct(t.fcr, t.resolved)}
		if v.Named {
			if t.resolved > 0 {
				cs[0].Drill = drill("resolved", from, to, f)
			}
			if t.flf > 0 {
				cs[1].Drill = drill(store.EventFirstLineFix, from, to, f)
			}
			if t.fcr > 0 {
				cs[3].Drill = drill(store.EventFirstContact, from, to, f)
			}
		}
		return cs
	}
	byPri := Table{Caption: "First-line fix and first-contact resolution by priority, calls resolved " + res.Range,
		Columns: append([]string{"Priority"}, cols...)}
	var labels []string
	var flfRate, fcrRate []float64
	for _, pr := range []desk.Priority{1, 2, 3, 4} {
		t := byPriority[pr]
		if t == nil {
			t = &fcrTally{}
		}
		f := p.Filter
		f.Priority = pr
		byPri.Rows = append(byPri.Rows, Row{Label: pr.String(), Cells: cells(t, f)})
		labels = append(labels, pr.String())
		flfRate = append(flfRate, float64(pct(t.flf, t.resolved).N))
		fcrRate = append(fcrRate, float64(pct(t.fcr, t.resolved).N))
	}
	byPri.Rows = append(byPri.Rows, Row{Label: "All priorities", Cells: cells(&now, p.Filter)})
	labels = append(labels, "All")
	flfRate = append(flfRate, float64(pct(now.flf, now.resolved).N))
	fcrRate = append(fcrRate, float64(pct(now.fcr, now.resolved).N))

	bySrc := Table{Caption: "First-line fix and first-contact resolution by source, calls resolved " + res.Range,
		Columns: append([]string{"Source"}, cols...)}
	for _, s := range sources() {
		t := bySource[s]
		if t == nil {
			t = &fcrTally{}
		}
		f := p.Filter
		f.Source = s
		bySrc.Rows = append(bySrc.Rows, Row{Label: sourceWords(s), Cells: cells(t, f)})
	}
	byGroup := groupTable("First-line fix and first-contact resolution by the call's group, calls resolved "+res.Range, groups,
		[]string{"Resolved", "First-line fixes", "First-contact resolutions"}, v,
		func(g store.GroupEvents) []Cell {
			return []Cell{pct(g.Counts[1], g.Counts[0]), pct(g.Counts[2], g.Counts[0])}
		})
	// The columns in the order of the other tables: each count beside its rate.
	byGroup.Columns = append([]string{"Group"}, cols...)
	for i, row := range byGroup.Rows {
		if len(row.Cells) < len(cols) { // a suppressed row: its rates are suppressed too
			row.Cells = []Cell{suppressedCell(), suppressedCell(), suppressedCell(), suppressedCell(), suppressedCell()}
		} else {
			c := row.Cells
			row.Cells = []Cell{c[0], c[1], c[3], c[2], c[4]}
		}
		byGroup.Rows[i] = row
	}
	if v.Named {
		// A named viewer drills from a group's figures to its calls ("No group" has no filter).
		byLabel := map[string]store.GroupEvents{}
		for _, g := range groups {
			if g.GroupID != 0 {
				byLabel[g.Group] = g
			}
		}
		for _, row := range byGroup.Rows {
			g, ok := byLabel[row.Label]
			if !ok {
				continue
			}
			f := p.Filter
			f.GroupID = g.GroupID
			for i, ev := range []string{"resolved", store.EventFirstLineFix, store.EventFirstContact} {
				if g.Counts[i] > 0 {
					row.Cells[[]int{0, 1, 3}[i]].Drill = drill(ev, from, to, f)
				}
			}
		}
	}
	res.Tables = []Table{byPri, byGroup, bySrc}
	res.About = FirstContactAbout(rule.Window)
	res.Summary = rateSentence("First-line fix", now.flf, now.resolved, before.flf, before.resolved, period) + "; " +
		lowerFirst(rateSentence("First-contact resolution", now.fcr, now.resolved, before.fcr, before.resolved, period)) +
		fmt.Sprintf(", of %s resolved.", plural(now.resolved, "call", "calls"))
	res.Chart = Chart{Title: "First-line fix and first-contact resolution rates (%) by priority", Labels: labels,
		Series: []Series{{Name: "First-line fix %", Values: flfRate}, {Name: "First-contact resolution %", Values: fcrRate}}}
	return nil
}

// rateSentence is "First-line fix: 62%, up 4 points on the previous month" (or "no calls
// resolved"), comparing part/whole now with the period before.
func rateSentence(what string, part, whole, partBefore, wholeBefore int, period string) string {
	if whole == 0 {
		return what + ": no calls resolved"
	}
	n := part * 100 / whole
	s := fmt.Sprintf("%s: %d%%", what, n)
	if wholeBefore == 0 {
		return s + ", no calls resolved in " + period
	}
	b := partBefore * 100 / wholeBefore
	switch d := n - b; {
	case d > 0:
		return s + fmt.Sprintf(", up %s on %s", points(d), period)
	case d < 0:
		return s + fmt.Sprintf(", down %s on %s", points(-d), period)
	}
	return s + ", the same as " + period
}
