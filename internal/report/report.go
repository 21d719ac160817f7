// Package report computes calldesk's statistical reports (issue 18) from the store's grouped
// counts, and renders each as an accessible SVG chart, a table of the same figures and a summary
// sentence that compares with the previous period.
//
// Personal data only for service-level managers (S11): a Viewer that may see names
// (access.SeeNamedReports) gets analysts' names and the figures to drill from; every other viewer
// gets aggregates only, analysts as "Analyst A", "Analyst B"... and the groups with fewer than
// MinGroup calls suppressed, so nobody is identified by a small count. The package decides what
// a viewer sees; the console only shows it.
package report

import (
	"context"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Kind names a report.
type Kind string

// The reports that need no service levels (issue 18, item 1).
const (
	Volume        Kind = "volume"
	Backlog       Kind = "backlog"
	BacklogTrend  Kind = "backlog-trend"
	Workload      Kind = "workload"
	Reopens       Kind = "reopens"
	Cancellations Kind = "cancellations"
	Customers     Kind = "customers"
	Holds         Kind = "holds"
	// The service-level reports (sla.go).
	ServiceLevels Kind = "service-levels"
	Times         Kind = "times"
	// First-contact resolution and first-line fix (fcr.go).
	FirstContact Kind = "first-contact"
)

// Kinds lists the reports in the order the picker offers them.
func Kinds() []Kind {
	return []Kind{Volume, Backlog, BacklogTrend, ServiceLevels, Times, Workload, Reopens, Cancellations, Customers, Holds, FirstContact}
}

// Known reports whether k names a report.
func (k Kind) Known() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// Title is the report's name for people.
func (k Kind) Title() string {
	switch k {
	case Volume:
		return "Call volume"
	case Backlog:
		return "Backlog of open calls"
	case Workload:
		return "Analyst workload"
	case BacklogTrend:
		return "Backlog trend"
	case Reopens:
		return "Reopened calls"
	case Cancellations:
		return "Cancelled calls"
	case Customers:
		return "Calls by kind of customer and department"
	case Holds:
		return "Time on hold"
	case ServiceLevels:
		return "Service levels: targets met"
	case Times:
		return "Time to respond and to resolve"
	case FirstContact:
		return "First-contact resolution and first-line fix"
	}
	return string(k)
}

// Every is how a volume report groups its days.
type Every string

// Groupings of a volume report.
const (
	Daily   Every = "day"
	Weekly  Every = "week"
	Monthly Every = "month"
)

// MinGroup is the smallest group shown to a viewer who may not see names: a group with fewer
// open calls than this is suppressed, so nobody is identified by a small count (S11).
const MinGroup = 5

// MaxDays bounds a report's range.
const MaxDays = 3 * 366

// Params are what a report is asked for. From and To are days in the desk's zone, both included
// (only their dates count).
type Params struct {
	Kind     Kind
	From, To time.Time
	Every    Every
	Filter   store.ReportFilter
}

// Viewer is who reads the report: Named when they may see people's names and drill down (S11).
type Viewer struct{ Named bool }

// Cell is one figure of a table.
type Cell struct {
	N          int
	Text       string // the figure as shown ("1,234", "12%", "suppressed")
	Suppressed bool
	// Drill, for a named viewer, is the query string of the calls behind the figure
	// (/reports/calls?...); empty when the figure has no drill-down or the viewer may not.
	Drill template.URL
	// Format is what N is: a count (the zero value), a percentage, a duration in seconds, or
	// nothing (Text says it all: "-", "suppressed").
	Format Format
}

// Format says what a cell's N is, for the exports and the API.
type Format string

// Cells' formats.
const (
	Count    Format = ""
	Percent  Format = "percent"
	Duration Format = "duration" // N seconds
	Words    Format = "text"     // no figure: Text only
)

// Row is a table's row: its heading and its figures.
type Row struct {
	Label string
	Cells []Cell
}

// Table is a report's figures as the accessible table beneath the chart, and as the CSV export.
type Table struct {
	Caption string
	Columns []string // the row heading's column first
	Rows    []Row
	Note    string // what was suppressed and why, when anything was
}

// Result is a computed report.
type Result struct {
	Kind    Kind
	Title   string
	Range   string // "1 Mar 2027 to 31 Mar 2027"
	Summary string // the sentence comparing with the previous period
	About   string // what the report's figures mean, where a figure needs its definition
	Chart   Chart
	Tables  []Table
	// Analysts are the people the report names (a named viewer's workload report): its view is
	// audited as a read of their data.
	Analysts []int64
}

// Reporter runs reports on a store in the desk's zone.
type Reporter struct {
	Store *store.Store
	Zone  desk.Zone
	Now   func() time.Time
	// FirstContactWindow is how soon after logging a call resolved by the analyst who logged it
	// counts as resolved at the first contact; DefaultFirstContactWindow when 0.
	FirstContactWindow time.Duration
}

func (r Reporter) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// Validate checks p, naming the field at fault (from, to, every, kind).
func (p Params) Validate() error {
	errs := map[string]string{}
	if !p.Kind.Known() {
		errs["kind"] = "Choose a report from the list."
	}
	switch p.Every {
	case "", Daily, Weekly, Monthly:
	default:
		errs["every"] = "Choose day, week or month."
	}
	if p.From.IsZero() {
		errs["from"] = "Enter the first day of the report, like 2027-03-01."
	}
	if p.To.IsZero() {
		errs["to"] = "Enter the last day of the report, like 2027-03-31."
	}
	if len(errs) == 0 {
		switch days := int(p.To.Sub(p.From).Hours()/24) + 1; {
		case days < 1:
			errs["to"] = "The last day must be the same as or after the first day."
		case days > MaxDays:
			errs["to"] = fmt.Sprintf("A report covers at most %d days; choose a shorter range.", MaxDays)
		}
	}
	if !p.Filter.Source.Valid() && p.Filter.Source != "" {
		errs["source"] = "Choose a source from the list."
	}
	if p.Filter.Priority != 0 && !p.Filter.Priority.Valid() {
		errs["priority"] = "Choose a priority from P1 to P4."
	}
	if p.Filter.CustomerKind != "" && !p.Filter.CustomerKind.Valid() {
		errs["kind_of_customer"] = "Choose staff, student, partner or visitor."
	}
	if len(errs) > 0 {
		return desk.Invalid("the report cannot be run as asked", errs)
	}
	return nil
}

// day is the start of t's date in loc.
func day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// span is p's range as instants: [from, to).
func (r Reporter) span(p Params) (time.Time, time.Time) {
	loc := r.Zone.Location()
	from := day(p.From, loc)
	y, m, d := p.To.In(loc).Date()
	return from, time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// Run computes report p for viewer v.
func (r Reporter) Run(ctx context.Context, p Params, v Viewer) (Result, error) {
	if p.Every == "" {
		p.Every = Daily
	}
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	from, to := r.span(p)
	res := Result{Kind: p.Kind, Title: p.Kind.Title(), Range: r.Zone.Day(from) + " to " + r.Zone.Day(to.Add(-time.Nanosecond))}
	var err error
	switch p.Kind {
	case Volume:
		err = r.volume(ctx, p, v, from, to, &res)
	case Backlog:
		err = r.backlog(ctx, p, v, &res)
	case Workload:
		err = r.workload(ctx, p, v, from, to, &res)
	case BacklogTrend:
		err = r.backlogTrend(ctx, p, from, to, &res)
	case Reopens:
		err = r.reopens(ctx, p, v, from, to, &res)
	case Cancellations:
		err = r.cancellations(ctx, p, v, from, to, &res)
	case Customers:
		err = r.customers(ctx, p, v, from, to, &res)
	case Holds:
		err = r.holds(ctx, p, from, to, &res)
	case ServiceLevels:
		err = r.levels(ctx, p, v, from, to, &res)
	case Times:
		err = r.times(ctx, p, from, to, &res)
	case FirstContact:
		err = r.firstContact(ctx, p, v, from, to, &res)
	}
	return res, err
}

// previous is the period of the same length just before [from, to), and its name: "the previous
// month" when the range is one calendar month, "the previous week" for seven days, else "the
// previous N days".
func previous(from, to time.Time) (time.Time, string) {
	if from.Day() == 1 && to.Day() == 1 && from.AddDate(0, 1, 0).Equal(to) {
		return from.AddDate(0, -1, 0), "the previous month"
	}
	days := int(to.Sub(from).Round(time.Hour).Hours()+12) / 24
	if days == 7 {
		return from.AddDate(0, 0, -7), "the previous week"
	}
	if days == 1 {
		return from.AddDate(0, 0, -1), "the previous day"
	}
	return from.AddDate(0, 0, -days), "the previous " + strconv.Itoa(days) + " days"
}

// Compare is the summary sentence: "Calls logged: 1,234, up 5% on the previous month".
func Compare(what string, now, before int, period string) string {
	s := what + ": " + Thousands(now)
	switch {
	case before == 0 && now == 0:
		return s + ", none in " + period + " either"
	case before == 0:
		return s + ", none in " + period
	case now == before:
		return s + ", the same as " + period
	}
	pct := (now - before) * 100 / before
	if pct < 0 {
		pct = -pct
	}
	dir := "up"
	if now < before {
		dir = "down"
	}
	if pct == 0 {
		return fmt.Sprintf("%s, %s less than 1%% on %s", s, dir, period)
	}
	return fmt.Sprintf("%s, %s %d%% on %s", s, dir, pct, period)
}

// Thousands writes n with commas: 1234567 is "1,234,567".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func num(n int) Cell { return Cell{N: n, Text: Thousands(n)} }

// bucket is the start of the day, week (Monday) or month holding t in loc.
func bucket(t time.Time, every Every, loc *time.Location) time.Time {
	d := day(t, loc)
	switch every {
	case Weekly:
		back := (int(d.Weekday()) + 6) % 7
		return d.AddDate(0, 0, -back)
	case Monthly:
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, loc)
	}
	return d
}

func next(b time.Time, every Every) time.Time {
	switch every {
	case Weekly:
		return b.AddDate(0, 0, 7)
	case Monthly:
		return b.AddDate(0, 1, 0)
	}
	return b.AddDate(0, 0, 1)
}

// drill is the query string of the calls behind a figure.
func drill(event string, from, to time.Time, f store.ReportFilter) template.URL {
	q := []string{"event=" + event, "from=" + strconv.FormatInt(from.Unix(), 10), "to=" + strconv.FormatInt(to.Unix(), 10)}
	if f.GroupID != 0 {
		q = append(q, "group="+strconv.FormatInt(f.GroupID, 10))
	}
	if f.ProfileID != 0 {
		q = append(q, "profile="+strconv.FormatInt(f.ProfileID, 10))
	}
	if f.Priority != 0 {
		q = append(q, "priority="+strconv.Itoa(int(f.Priority)))
	}
	if f.Source != "" {
		q = append(q, "source="+string(f.Source))
	}
	if f.CustomerKind != "" {
		q = append(q, "customer="+string(f.CustomerKind))
	}
	return template.URL(strings.Join(q, "&")) // #nosec: numbers and validated words only
}

// sourceWords names a source for people.
func sourceWords(s desk.CallSource) string {
	switch s {
	case desk.SourcePortal:
		return "SupportMe (portal)"
	case desk.SourceEmail:
		return "Email"
	case desk.SourcePhone:
		return "Phone"
	case desk.SourceFaceToFace:
		return "Face to face"
	case desk.SourceAPI:
		return "API"
	}
	return string(s)
}

func (r Reporter) volume(ctx context.Context, p Params, v Viewer, from, to time.Time, res *Result) error {
	loc := r.Zone.Location()
	prevFrom, period := previous(from, to)
	counts, err := r.Store.ReportVolume(ctx, p.Filter, loc, from, to)
	if err != nil {
		return err
	}
	// The period before is compared by its totals alone: one row, dated at its start.
	prev, err := r.Store.ReportVolumeTotals(ctx, p.Filter, prevFrom, from)
	if err != nil {
		return err
	}
	prev.Day = prevFrom
	counts = append(counts, prev)
	type tally struct{ logged, self, resolved, closed, cancelled, reopened int }
	byBucket := map[time.Time]*tally{}
	bySource := map[desk.CallSource]*tally{}
	var now, before tally
	for _, c := range counts {
		add := func(t *tally) {
			t.logged += c.Logged
			t.self += c.SelfService
			t.resolved += c.Resolved
			t.closed += c.Closed
			t.cancelled += c.Cancelled
			t.reopened += c.Reopened
		}
		if c.Day.Before(from) {
			add(&before)
			continue
		}
		add(&now)
		b := bucket(c.Day, p.Every, loc)
		if byBucket[b] == nil {
			byBucket[b] = &tally{}
		}
		add(byBucket[b])
		if bySource[c.Source] == nil {
			bySource[c.Source] = &tally{}
		}
		add(bySource[c.Source])
	}
	share := func(part, whole int) Cell {
		return pct(part, whole)
	}
	cells := func(t *tally, bf, bt time.Time, f store.ReportFilter) []Cell {
		cs := []Cell{num(t.logged), num(t.resolved), num(t.closed), num(t.cancelled), num(t.reopened), share(t.self, t.logged)}
		if v.Named {
			for i, ev := range []string{"logged", "resolved", "closed", "cancelled", "reopened"} {
				if cs[i].N > 0 {
					cs[i].Drill = drill(ev, bf, bt, f)
				}
			}
		}
		return cs
	}
	cols := []string{"", "Logged", "Resolved", "Closed", "Cancelled", "Reopened", "Self-service share"}
	label := map[Every]string{Daily: "Day", Weekly: "Week beginning", Monthly: "Month"}[p.Every]
	byTime := Table{Caption: "Calls per " + string(p.Every) + ", " + res.Range, Columns: append([]string{label}, cols[1:]...)}
	var series [3][]float64
	var labels []string
	for b := bucket(from, p.Every, loc); b.Before(to); b = next(b, p.Every) {
		t := byBucket[b]
		if t == nil {
			t = &tally{}
		}
		bf, bt := maxTime(b, from), minTime(next(b, p.Every), to)
		name := b.Format("Mon 2 Jan 2006")
		if p.Every == Monthly {
			name = b.Format("January 2006")
		}
		byTime.Rows = append(byTime.Rows, Row{Label: name, Cells: cells(t, bf, bt, p.Filter)})
		labels = append(labels, shortLabel(b, p.Every))
		series[0] = append(series[0], float64(t.logged))
		series[1] = append(series[1], float64(t.resolved))
		series[2] = append(series[2], float64(t.closed))
	}
	byTime.Rows = append(byTime.Rows, Row{Label: "Total", Cells: cells(&now, from, to, p.Filter)})
	bySrc := Table{Caption: "Calls by source, " + res.Range, Columns: append([]string{"Source"}, cols[1:]...)}
	for _, s := range []desk.CallSource{desk.SourcePortal, desk.SourceEmail, desk.SourcePhone, desk.SourceFaceToFace, desk.SourceAPI} {
		t := bySource[s]
		if t == nil {
			t = &tally{}
		}
		f := p.Filter
		f.Source = s
		bySrc.Rows = append(bySrc.Rows, Row{Label: sourceWords(s), Cells: cells(t, from, to, f)})
	}
	res.Tables = []Table{byTime, bySrc}
	res.Summary = Compare("Calls logged", now.logged, before.logged, period) + "; " +
		strings.ToLower(Compare("Resolved", now.resolved, before.resolved, period)[:1]) +
		Compare("Resolved", now.resolved, before.resolved, period)[1:] + "."
	res.Chart = Chart{Title: "Calls logged, resolved and closed per " + string(p.Every), Labels: labels,
		Series: []Series{{Name: "Logged", Values: series[0]}, {Name: "Resolved", Values: series[1]}, {Name: "Closed", Values: series[2]}}}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func shortLabel(b time.Time, every Every) string {
	if every == Monthly {
		return b.Format("Jan 06")
	}
	return b.Format("2 Jan")
}

// Bands are the backlog's age bands: open for less than a day, 1-3 days, 3-7 days, 7-30 days,
// and longer.
var bandLimits = []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}

// BandNames names the backlog's age bands.
func BandNames() []string {
	return []string{"Under 1 day", "1 to 3 days", "3 to 7 days", "7 to 30 days", "Over 30 days"}
}

func (r Reporter) backlog(ctx context.Context, p Params, v Viewer, res *Result) error {
	now := r.now()
	counts, err := r.Store.ReportBacklog(ctx, p.Filter, now, bandLimits)
	if err != nil {
		return err
	}
	names := BandNames()
	type grp struct {
		name  string
		bands []int
		total int
	}
	var groups []*grp
	byID := map[int64]*grp{}
	bandTotal := make([]int, len(names))
	total := 0
	for _, c := range counts {
		g := byID[c.GroupID]
		if g == nil {
			name := c.Group
			if c.GroupID == 0 {
				name = "No group yet"
			}
			g = &grp{name: name, bands: make([]int, len(names))}
			byID[c.GroupID] = g
			groups = append(groups, g)
		}
		g.bands[c.Band] += c.Open
		g.total += c.Open
		bandTotal[c.Band] += c.Open
		total += c.Open
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].name < groups[j].name })
	byGroup := Table{Caption: "Open calls by group and age, at " + r.Zone.When(now), Columns: append(append([]string{"Group"}, names...), "Total")}
	suppressed := 0
	for _, g := range groups {
		var cs []Cell
		if !v.Named && g.total < MinGroup {
			suppressed++
			for range len(names) + 1 {
				cs = append(cs, suppressedCell())
			}
		} else {
			for _, n := range g.bands {
				cs = append(cs, num(n))
			}
			cs = append(cs, num(g.total))
		}
		byGroup.Rows = append(byGroup.Rows, Row{Label: g.name, Cells: cs})
	}
	var tc []Cell
	for _, n := range bandTotal {
		tc = append(tc, num(n))
	}
	byGroup.Rows = append(byGroup.Rows, Row{Label: "Total", Cells: append(tc, num(total))})
	if suppressed > 0 {
		byGroup.Note = fmt.Sprintf("Figures for %d group(s) with fewer than %d open calls are suppressed, so that nobody is identified by a small count; they are in the totals.", suppressed, MinGroup)
	}
	res.Tables = []Table{byGroup}
	// The backlog is what is open now, whatever the range asked.
	res.Range = "as at " + r.Zone.When(now)
	old := bandTotal[3] + bandTotal[4]
	res.Summary = fmt.Sprintf("Open calls: %s, of which %s open for 7 days or more.", Thousands(total), Thousands(old))
	vals := make([]float64, len(bandTotal))
	for i, n := range bandTotal {
		vals[i] = float64(n)
	}
	res.Chart = Chart{Title: "Open calls by age", Labels: names, Series: []Series{{Name: "Open calls", Values: vals}}}
	return nil
}

func (r Reporter) workload(ctx context.Context, p Params, v Viewer, from, to time.Time, res *Result) error {
	rows, err := r.Store.ReportWorkload(ctx, p.Filter, from, to)
	if err != nil {
		return err
	}
	prevFrom, period := previous(from, to)
	prev, err := r.Store.ReportWorkload(ctx, p.Filter, prevFrom, from)
	if err != nil {
		return err
	}
	if !v.Named {
		// Aggregates only: no names, and an order that does not follow them (busiest first).
		sort.SliceStable(rows, func(i, j int) bool {
			a, b := rows[i], rows[j]
			if a.Resolved+a.Assigned != b.Resolved+b.Assigned {
				return a.Resolved+a.Assigned > b.Resolved+b.Assigned
			}
			return a.InHand > b.InHand
		})
	}
	t := Table{Caption: "Calls per analyst, " + res.Range, Columns: []string{"Analyst", "Assigned", "Resolved", "In hand now"}}
	var resolved, before int
	var labels []string
	var series [3][]float64
	for i, w := range rows {
		name := w.Name
		if !v.Named {
			name = "Analyst " + letters(i)
		} else {
			res.Analysts = append(res.Analysts, w.AnalystID)
		}
		t.Rows = append(t.Rows, Row{Label: name, Cells: []Cell{num(w.Assigned), num(w.Resolved), num(w.InHand)}})
		labels = append(labels, name)
		series[0] = append(series[0], float64(w.Assigned))
		series[1] = append(series[1], float64(w.Resolved))
		series[2] = append(series[2], float64(w.InHand))
		resolved += w.Resolved
	}
	for _, w := range prev {
		before += w.Resolved
	}
	res.Tables = []Table{t}
	res.Summary = Compare("Calls resolved by analysts", resolved, before, period) + fmt.Sprintf(", across %d analysts.", len(rows))
	res.Chart = Chart{Title: "Calls assigned, resolved and in hand per analyst", Labels: labels,
		Series: []Series{{Name: "Assigned", Values: series[0]}, {Name: "Resolved", Values: series[1]}, {Name: "In hand", Values: series[2]}}}
	return nil
}

// letters is the i-th pseudonymous letter: A..Z, then AA, AB...
func letters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
