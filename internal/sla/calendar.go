package sla

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// Date is a civil date (no zone): a bank holiday, a closure.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// D builds a Date.
func D(year int, month time.Month, day int) Date { return Date{year, month, day} }

// String is the ISO form, 2027-03-26.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return time.Weekday((d.num()%7 + 11) % 7) }

// AddDays is the date n days after d (n may be negative).
func (d Date) AddDays(n int) Date { return dateOf(d.num() + int64(n)) }

// Valid reports whether d names a real day.
func (d Date) Valid() bool {
	return d.Month >= 1 && d.Month <= 12 && d.Day >= 1 && dateOf(d.num()) == d
}

// num is the day number of d: days since 1970-01-01 (a Thursday), by Howard Hinnant's
// days_from_civil (pure arithmetic: the calendar maths runs it for every day it steps).
func (d Date) num() int64 {
	y, m := int64(d.Year), int64(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(d.Day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// dateOf is the Date of day number n (civil_from_days, the inverse of num).
func dateOf(n int64) Date {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := (mp+2)%12 + 1
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return Date{int(y), time.Month(m), int(d)}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Span is a stretch of a day from Start to End, both offsets from midnight in wall-clock time:
// 08:00-12:30 is Span{8 * time.Hour, 12*time.Hour + 30*time.Minute}. End may be 24h (midnight at
// the end of the day).
type Span struct {
	Start, End time.Duration
}

// Hours builds a Span from "HH:MM" wall times, such as Hours("08:00", "18:00"); End may be "24:00".
// It panics on a malformed time, so use it for literals; [ParseSpan] for input.
func Hours(start, end string) Span {
	s, err := ParseSpan(start + "-" + end)
	if err != nil {
		panic(err)
	}
	return s
}

// ParseSpan reads "HH:MM-HH:MM" (end may be 24:00).
func ParseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Span{}, desk.Errorf(desk.EINVALID, "working hours %q are not of the form 08:00-18:00", s)
	}
	start, err := parseClock(a)
	if err != nil {
		return Span{}, err
	}
	end, err := parseClock(b)
	if err != nil {
		return Span{}, err
	}
	return Span{start, end}, nil
}

func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) != 5 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, desk.Errorf(desk.EINVALID, "%q is not a time of day from 00:00 to 24:00", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// String is the span as HH:MM-HH:MM.
func (s Span) String() string {
	f := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return f(s.Start) + "-" + f(s.End)
}

// Closure is a named date the desk does not work: a university closure day, an extra bank
// holiday. With no Spans it closes the whole day; with Spans it closes only those parts of it (an
// afternoon closure for a staff event).
type Closure struct {
	Date  Date
	Name  string
	Spans []Span
}

// Spec is what an administrator configures; [NewCalendar] checks it and builds a [Calendar].
type Spec struct {
	Name string
	// Zone is an IANA zone name, such as "Europe/London".
	Zone string
	// Week gives the working spans of each weekday, indexed by time.Weekday (Sunday is 0). A day
	// with no spans is not worked.
	Week [7][]Span
	// Region adds the UK bank holidays of that region (see [BankHolidays]); NoRegion adds none.
	Region Region
	// Exceptions moves or adds bank holidays beyond the rules; the known ones
	// ([KnownExceptions]) always apply for a Region, these come on top (a future jubilee).
	Exceptions []Exception
	// Closures are named one-off dates (whole or part days) the desk does not work.
	Closures []Closure
}

// Calendar is a checked, immutable working-time calendar; safe for concurrent use.
type Calendar struct {
	name     string
	loc      *time.Location
	week     [7][]Span
	weekWork time.Duration // nominal working time of a whole week, in wall-clock terms
	// closed maps a day number to what is closed that day: nil spans mean the whole day.
	closed map[int64]closedDay
	// closedDays are the keys of closed, sorted: where the next closure is, for skipping weeks.
	closedDays []int64
}

type closedDay struct {
	names []string
	spans []Span // nil: the whole day
}

// Years a calendar covers: bank holidays are computed for these, and Add/Elapsed refuse instants
// outside them.
const (
	FirstYear = 1970
	LastYear  = 2199
)

// Horizon is how far ahead (in calendar days) Add looks for working time before giving up: a
// target that cannot be met within two years of working time is a configuration error.
const Horizon = 2 * 366

// Every24x7 is a week of 00:00-24:00 every day.
func Every24x7() [7][]Span {
	var w [7][]Span
	for i := range w {
		w[i] = []Span{{0, 24 * time.Hour}}
	}
	return w
}

// MondayToFriday is a week with the same spans on each weekday and nothing at the weekend.
func MondayToFriday(spans ...Span) [7][]Span {
	var w [7][]Span
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = append([]Span(nil), spans...)
	}
	return w
}

// NewCalendar checks spec and builds its Calendar. Errors are EINVALID with a message per field:
// an unknown zone, spans out of order or overlapping, a malformed closure, and a week with no
// working time at all (which would make every deadline unreachable).
func NewCalendar(spec Spec) (*Calendar, error) {
	fields := map[string]string{}
	loc, err := time.LoadLocation(spec.Zone)
	if spec.Zone == "" {
		fields["zone"] = "is missing: give an IANA zone such as Europe/London"
	} else if err != nil {
		fields["zone"] = fmt.Sprintf("%q is not a known time zone", spec.Zone)
	}
	c := &Calendar{name: spec.Name, loc: loc, closed: make(map[int64]closedDay, (LastYear-FirstYear+1)*12+len(spec.Closures))}
	for wd, spans := range spec.Week {
		if msg := checkSpans(spans); msg != "" {
			fields["week."+strings.ToLower(time.Weekday(wd).String())] = msg
			continue
		}
		c.week[wd] = sortedSpans(spans)
		for _, s := range spans {
			c.weekWork += s.End - s.Start
		}
	}
	if c.weekWork == 0 && len(fields) == 0 {
		fields["week"] = "has no working time on any day: give at least one span such as 08:00-18:00"
	}
	if !spec.Region.Valid() {
		fields["region"] = fmt.Sprintf("%q is not a region; regions are %s", spec.Region, strings.Join(regionNames(), ", "))
	}
	for i, x := range spec.Exceptions {
		if !x.Date.Valid() || (x.Instead != Date{} && !x.Instead.Valid()) || strings.TrimSpace(x.Name) == "" {
			fields[fmt.Sprintf("exceptions[%d]", i)] = "needs a real date and a name (and, for a move, the real date it replaces)"
		}
		for _, r := range x.Regions {
			if r == NoRegion || !r.Valid() {
				fields[fmt.Sprintf("exceptions[%d]", i)] = fmt.Sprintf("region %q is not a region; regions are %s", r, strings.Join(regionNames()[:3], ", "))
			}
		}
	}
	for i, cl := range spec.Closures {
		key := fmt.Sprintf("closures[%d]", i)
		switch {
		case !cl.Date.Valid():
			fields[key] = fmt.Sprintf("date %s is not a real day", cl.Date)
		case cl.Date.Year < FirstYear || cl.Date.Year > LastYear:
			fields[key] = fmt.Sprintf("date %s is outside the years %d-%d", cl.Date, FirstYear, LastYear)
		case strings.TrimSpace(cl.Name) == "":
			fields[key] = "needs a name (what the closure is, as the desk will see it)"
		default:
			if msg := checkSpans(cl.Spans); msg != "" {
				fields[key] = msg
			}
		}
	}
	if err := desk.Invalid(fmt.Sprintf("calendar %q is not valid", spec.Name), fields); err != nil {
		return nil, err
	}
	if spec.Region != NoRegion {
		ex := append(KnownExceptions(), spec.Exceptions...)
		for y := FirstYear; y <= LastYear; y++ {
			for _, h := range bankHolidays(spec.Region, y, ex) {
				c.close(h.Date, h.Name, nil)
			}
		}
	}
	for _, cl := range spec.Closures {
		c.close(cl.Date, cl.Name, sortedSpans(cl.Spans))
	}
	for n := range c.closed {
		c.closedDays = append(c.closedDays, n)
	}
	sort.Slice(c.closedDays, func(i, j int) bool { return c.closedDays[i] < c.closedDays[j] })
	return c, nil
}

func (c *Calendar) close(d Date, name string, spans []Span) {
	n := d.num()
	cd, seen := c.closed[n]
	cd.names = append(cd.names, name)
	switch {
	case !seen:
		cd.spans = spans
	case cd.spans == nil || spans == nil:
		cd.spans = nil // a whole-day closure wins
	default:
		cd.spans = sortedSpans(append(append([]Span(nil), cd.spans...), spans...))
	}
	c.closed[n] = cd
}

// checkSpans returns what is wrong with a day's spans, or "".
func checkSpans(spans []Span) string {
	s := sortedSpans(spans)
	for i, x := range s {
		if x.Start < 0 || x.End > 24*time.Hour || x.Start >= x.End {
			return fmt.Sprintf("span %s is not a stretch of the day: it must start before it ends, within 00:00-24:00", x)
		}
		if i > 0 && x.Start < s[i-1].End {
			return fmt.Sprintf("spans %s and %s overlap", s[i-1], x)
		}
	}
	return ""
}

// sortedSpans is a sorted copy of spans; nil when there are none (for a closure: the whole day).
func sortedSpans(spans []Span) []Span {
	if len(spans) == 0 {
		return nil
	}
	s := append([]Span{}, spans...)
	sort.Slice(s, func(i, j int) bool { return s[i].Start < s[j].Start })
	return s
}

// Name is the calendar's name.
func (c *Calendar) Name() string { return c.name }

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// ClosedOn returns the names of the holidays and closures on d (empty when none).
func (c *Calendar) ClosedOn(d Date) []string {
	return append([]string(nil), c.closed[d.num()].names...)
}

// WorkingSpans returns the spans worked on date d: the weekday's spans less the day's closures.
func (c *Calendar) WorkingSpans(d Date) []Span {
	return c.daySpans(d.num(), nil)
}

// daySpans appends to buf the working spans of day n.
func (c *Calendar) daySpans(n int64, buf []Span) []Span {
	buf = buf[:0]
	week := c.week[weekdayOf(n)]
	cd, closed := c.closed[n]
	if !closed {
		return append(buf, week...)
	}
	if cd.spans == nil {
		return buf
	}
	for _, w := range week {
		parts := []Span{w}
		for _, x := range cd.spans {
			var next []Span
			for _, p := range parts {
				if x.End <= p.Start || x.Start >= p.End {
					next = append(next, p)
					continue
				}
				if x.Start > p.Start {
					next = append(next, Span{p.Start, x.Start})
				}
				if x.End < p.End {
					next = append(next, Span{x.End, p.End})
				}
			}
			parts = next
		}
		buf = append(buf, parts...)
	}
	return buf
}
