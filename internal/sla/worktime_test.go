package sla

import (
	"math/rand"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
)

func mustCal(t testing.TB, spec Spec) *Calendar {
	t.Helper()
	if spec.Zone == "" {
		spec.Zone = "Europe/London"
	}
	c, err := NewCalendar(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func london(t testing.TB) *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCalendarValidation(t *testing.T) {
	cases := []struct {
		name  string
		spec  Spec
		field string
	}{
		{"no working time", Spec{Zone: "Europe/London"}, "week"},
		{"no zone", Spec{Week: Every24x7()}, "zone"},
		{"unknown zone", Spec{Zone: "Mars/Olympus", Week: Every24x7()}, "zone"},
		{"backwards span", Spec{Zone: "UTC", Week: MondayToFriday(Span{18 * time.Hour, 8 * time.Hour})}, "week.monday"},
		{"overlap", Spec{Zone: "UTC", Week: MondayToFriday(Hours("08:00", "12:30"), Hours("12:00", "18:00"))}, "week.monday"},
		{"past midnight", Spec{Zone: "UTC", Week: MondayToFriday(Span{20 * time.Hour, 25 * time.Hour})}, "week.monday"},
		{"region", Spec{Zone: "UTC", Week: Every24x7(), Region: "wales"}, "region"},
		{"closure without name", Spec{Zone: "UTC", Week: Every24x7(), Closures: []Closure{{Date: D(2026, 12, 29)}}}, "closures[0]"},
		{"exception region", Spec{Zone: "UTC", Week: Every24x7(), Region: Scotland, Exceptions: []Exception{{Date: D(2030, 1, 2), Name: "x", Regions: []Region{"wales"}}}}, "exceptions[0]"},
		{"exception not a day", Spec{Zone: "UTC", Week: Every24x7(), Region: Scotland, Exceptions: []Exception{{Date: D(2030, 2, 29), Name: "x"}}}, "exceptions[0]"},
		{"closure not a day", Spec{Zone: "UTC", Week: Every24x7(), Closures: []Closure{{Date: D(2026, 2, 30), Name: "x"}}}, "closures[0]"},
	}
	for _, c := range cases {
		_, err := NewCalendar(c.spec)
		e := desk.AsError(err)
		if e == nil || e.Code != desk.EINVALID || e.Fields[c.field] == "" {
			t.Errorf("%s: got %v, want EINVALID on field %s", c.name, err, c.field)
		}
	}
	if _, err := ParseSpan("8-18"); desk.ErrorCode(err) != desk.EINVALID {
		t.Errorf("ParseSpan(8-18): %v", err)
	}
	if s, err := ParseSpan("08:00-24:00"); err != nil || s != (Span{8 * time.Hour, 24 * time.Hour}) {
		t.Errorf("ParseSpan: %v %v", s, err)
	}
}

// A calendar whose only working day is always closed has working time on paper but none in fact:
// Add gives up at the horizon with a clear error instead of looping.
func TestAddNoWorkingTimeWithinHorizon(t *testing.T) {
	var w [7][]Span
	w[time.Sunday] = []Span{Hours("08:00", "09:00")}
	var closures []Closure
	for d := D(2026, 1, 4); d.Year < 2029; d = d.AddDays(7) {
		closures = append(closures, Closure{Date: d, Name: "closed"})
	}
	cal := mustCal(t, Spec{Name: "never", Week: w, Closures: closures})
	_, err := cal.Add(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour)
	if desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "no 1h of working time") {
		t.Fatalf("got %v", err)
	}
	if _, err := cal.Add(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), -time.Hour); desk.ErrorCode(err) != desk.EINVALID {
		t.Fatalf("negative: %v", err)
	}
}

func TestAddAndElapsedTable(t *testing.T) {
	lon := london(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, lon) }
	officeEW := mustCal(t, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	lunch := mustCal(t, Spec{Name: "lunch", Week: MondayToFriday(Hours("08:00", "12:30"), Hours("13:30", "18:00")), Region: EnglandAndWales})
	var all7 [7][]Span
	for i := range all7 {
		all7[i] = []Span{Hours("08:00", "18:00")}
	}
	daily := mustCal(t, Spec{Name: "every day", Week: all7})
	night := mustCal(t, Spec{Name: "night", Week: func() (w [7][]Span) {
		for i := range w {
			w[i] = []Span{Hours("00:00", "03:00")}
		}
		return
	}()})
	x247 := mustCal(t, Spec{Name: "24x7", Week: Every24x7(), Region: EnglandAndWales})
	x247plain := mustCal(t, Spec{Name: "24x7 no holidays", Week: Every24x7()})
	cases := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within a day", officeEW, at(2026, 11, 2, 9, 0), 2 * time.Hour, at(2026, 11, 2, 11, 0)},
		{"ends exactly at close", officeEW, at(2026, 11, 2, 16, 0), 2 * time.Hour, at(2026, 11, 2, 18, 0)},
		{"overnight", officeEW, at(2026, 11, 2, 17, 0), 2 * time.Hour, at(2026, 11, 3, 9, 0)},
		{"before opening", officeEW, at(2026, 11, 2, 6, 0), time.Hour, at(2026, 11, 2, 9, 0)},
		{"friday to monday", officeEW, at(2026, 11, 6, 17, 30), time.Hour, at(2026, 11, 9, 8, 30)},
		{"lunch skipped", lunch, at(2026, 11, 2, 12, 0), time.Hour, at(2026, 11, 2, 14, 0)},
		{"ten working days", officeEW, at(2026, 11, 2, 9, 0), 100 * time.Hour, at(2026, 11, 16, 9, 0)},
		{"ten weeks", officeEW, at(2026, 9, 7, 8, 0), 500 * time.Hour, at(2026, 11, 13, 18, 0)},
		// Easter 2027 (Good Friday 26 March, Easter Monday 29 March) with the clocks going forward on
		// Sunday 28 March: Thursday 17:00 GMT + 2h is Tuesday 09:00 BST.
		{"across Easter and the March change", officeEW, at(2027, 3, 25, 17, 0), 2 * time.Hour, at(2027, 3, 30, 9, 0)},
		// Christmas 2026: Friday 25, Saturday 26 (Boxing Day's substitute is Monday 28).
		{"across Christmas 2026", officeEW, at(2026, 12, 24, 17, 0), 2 * time.Hour, at(2026, 12, 29, 9, 0)},
		{"across New Year 2027", officeEW, at(2026, 12, 31, 17, 0), 2 * time.Hour, at(2027, 1, 4, 9, 0)},
		// Christmas 2027 on a Saturday, Boxing Day on a Sunday: Monday 27 and Tuesday 28 are off.
		{"across Christmas 2027", officeEW, at(2027, 12, 24, 17, 0), 2 * time.Hour, at(2027, 12, 29, 9, 0)},
		// 08:00-18:00 on the change days is 10 hours of working time.
		{"March change day, 08-18", daily, at(2027, 3, 27, 17, 0), 2 * time.Hour, at(2027, 3, 28, 9, 0)},
		{"March change day, whole day", daily, at(2027, 3, 28, 8, 0), 10 * time.Hour, at(2027, 3, 28, 18, 0)},
		{"October change day, whole day", daily, at(2027, 10, 31, 8, 0), 10 * time.Hour, at(2027, 10, 31, 18, 0)},
		// 24x7: real elapsed time; the hour that does not exist is not worked, the hour that
		// happens twice is worked twice.
		{"24x7 March", x247plain, at(2027, 3, 28, 0, 30), time.Hour, at(2027, 3, 28, 2, 30)},
		{"24x7 October", x247plain, at(2027, 10, 31, 0, 30), 2 * time.Hour, time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC)}, // 00:30 BST + 2 real hours is the second 01:30,
		{"24x7 bank holiday skipped", x247, at(2027, 3, 25, 23, 0), 2 * time.Hour, at(2027, 3, 27, 1, 0)},
		// 00:00-03:00 spans the changed hour: 2 real hours in March, 4 in October.
		{"night span March", night, at(2027, 3, 28, 0, 0), 2 * time.Hour, at(2027, 3, 28, 3, 0)},
		{"night span October", night, at(2027, 10, 31, 0, 0), 4 * time.Hour, at(2027, 10, 31, 3, 0)},
	}
	for _, c := range cases {
		got, err := c.cal.Add(c.start, c.d)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%s: Add = %v %v, want %v", c.name, got.In(lon), err, c.want)
			continue
		}
		back, err := c.cal.Elapsed(c.start, got)
		if err != nil || back != c.d {
			t.Errorf("%s: Elapsed back = %v %v, want %v", c.name, back, err, c.d)
		}
	}
	// Whole days in working time.
	days := []struct {
		name string
		cal  *Calendar
		day  Date
		want time.Duration
	}{
		{"24x7 March change day", x247plain, D(2027, 3, 28), 23 * time.Hour},
		{"24x7 October change day", x247plain, D(2027, 10, 31), 25 * time.Hour},
		{"24x7 ordinary day", x247plain, D(2027, 6, 1), 24 * time.Hour},
		{"08-18 March change day", daily, D(2027, 3, 28), 10 * time.Hour},
		{"08-18 October change day", daily, D(2027, 10, 31), 10 * time.Hour},
		{"Good Friday", officeEW, D(2027, 3, 26), 0},
		{"lunch day", lunch, D(2027, 6, 1), 9 * time.Hour},
	}
	for _, c := range days {
		from := time.Date(c.day.Year, c.day.Month, c.day.Day, 0, 0, 0, 0, lon)
		to := time.Date(c.day.Year, c.day.Month, c.day.Day+1, 0, 0, 0, 0, lon)
		if got, err := c.cal.Elapsed(from, to); err != nil || got != c.want {
			t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
		}
	}
	if d, err := officeEW.Elapsed(at(2026, 11, 2, 11, 0), at(2026, 11, 2, 9, 0)); err != nil || d != -2*time.Hour {
		t.Errorf("backwards Elapsed = %v %v", d, err)
	}
	if _, err := officeEW.Elapsed(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), at(2026, 1, 1, 0, 0)); desk.ErrorCode(err) != desk.EINVALID {
		t.Errorf("out of range: %v", err)
	}
}

// Zones with clock changes at 01:00 UTC, local 02:00, midnight (Santiago, Beirut, Havana), half
// hours (St John's, Lord Howe's half-hour change), and none.
var zones = []string{"Europe/London", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata", "America/St_Johns",
	"America/Santiago", "Asia/Beirut", "America/Havana", "Australia/Lord_Howe"}

// randomCalendar builds a random valid calendar: random zone, 1-3 spans on random weekdays on a
// 15-minute grid, maybe a region, a few closures.
func randomCalendar(t testing.TB, rng *rand.Rand) *Calendar {
	var w [7][]Span
	for empty := true; empty; {
		for d := range w {
			if rng.Intn(3) == 0 {
				continue
			}
			q := 0
			for k := rng.Intn(3) + 1; k > 0 && q < 95; k-- {
				a := q + rng.Intn(96-q)
				b := a + 1 + rng.Intn(96-a)
				w[d] = append(w[d], Span{time.Duration(a) * 15 * time.Minute, time.Duration(b) * 15 * time.Minute})
				q = b + 1
			}
			empty = empty && len(w[d]) == 0
		}
	}
	regions := []Region{NoRegion, EnglandAndWales, Scotland, NorthernIreland}
	spec := Spec{Name: "random", Zone: zones[rng.Intn(len(zones))], Week: w, Region: regions[rng.Intn(4)]}
	for k := rng.Intn(6); k > 0; k-- {
		cl := Closure{Date: D(2026, 1, 1).AddDays(rng.Intn(730)), Name: "closure"}
		if rng.Intn(2) == 0 {
			a := rng.Intn(95)
			cl.Spans = []Span{{time.Duration(a) * 15 * time.Minute, time.Duration(a+1+rng.Intn(96-a)) * 15 * time.Minute}}
		}
		spec.Closures = append(spec.Closures, cl)
	}
	c, err := NewCalendar(spec)
	if err != nil {
		t.Fatalf("%+v: %v", spec, err)
	}
	return c
}

// Property: for random calendars, Add then Elapsed gives the duration back, and Elapsed is
// additive over any split of an interval (short pieces never skip weeks, long ones do, so the
// week skipping is checked against day stepping).
func TestPropertyAddElapsed(t *testing.T) {
	rng := rand.New(rand.NewSource(17))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 500; i++ {
		cal := randomCalendar(t, rng)
		for j := 0; j < 10; j++ {
			start := base.Add(time.Duration(rng.Int63n(int64(2 * 365 * 24 * time.Hour))))
			// At most 300h and at most a year's work, well inside the horizon.
			d := time.Duration(rng.Int63n(int64(min(300*time.Hour, 50*cal.weekWork)))) / time.Second * time.Second
			end, err := cal.Add(start, d)
			if err != nil {
				t.Fatalf("calendar %d (week %v, %v a week): Add(%v, %v): %v", i, cal.week, cal.weekWork, start, d, err)
			}
			back, err := cal.Elapsed(start, end)
			if err != nil || back != d {
				t.Fatalf("calendar %d (%s %v): Add(%v, %v) = %v; Elapsed back = %v %v", i, cal.Location(), cal.week, start, d, end, back, err)
			}
			if ref := steppedElapsed(cal, start, end); ref != d {
				t.Fatalf("calendar %d (%s): day stepping measures %v where Elapsed measured %v", i, cal.Location(), ref, d)
			}
			// Split [start, end+slack] at random points.
			stop := end.Add(time.Duration(rng.Int63n(int64(20 * 24 * time.Hour))))
			whole, _ := cal.Elapsed(start, stop)
			var sum time.Duration
			prev := start
			for prev.Before(stop) {
				next := prev.Add(time.Duration(rng.Int63n(int64(9*24*time.Hour)) + 1))
				if next.After(stop) {
					next = stop
				}
				part, err := cal.Elapsed(prev, next)
				if err != nil {
					t.Fatal(err)
				}
				sum += part
				prev = next
			}
			if sum != whole {
				t.Fatalf("calendar %d (%s): Elapsed(%v, %v) = %v but the pieces sum to %v", i, cal.Location(), start, stop, whole, sum)
			}
		}
	}
}

// steppedElapsed measures working time a day at a time, never skipping weeks: the reference the
// week skipping is checked against.
func steppedElapsed(c *Calendar, from, to time.Time) time.Duration {
	var sum time.Duration
	w := c.daysFrom(c.dayOf(from))
	for n := c.dayOf(from); n <= c.dayOf(to); n++ {
		for _, iv := range w.intervals(n) {
			a, b := iv.from, iv.to
			if a.Before(from) {
				a = from
			}
			if b.After(to) {
				b = to
			}
			if a.Before(b) {
				sum += b.Sub(a)
			}
		}
	}
	return sum
}

func TestDayNumbers(t *testing.T) {
	for n := int64(-800000); n < 800000; n += 37 {
		want := time.Unix(n*86400, 0).UTC()
		d := dateOf(n)
		if d != (Date{want.Year(), want.Month(), want.Day()}) || d.num() != n || d.Weekday() != want.Weekday() {
			t.Fatalf("day %d: got %v (num %d, %v), want %v", n, d, d.num(), d.Weekday(), want)
		}
	}
}

func BenchmarkAdd10WorkingDays(b *testing.B) {
	cal := mustCal(b, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	start := time.Date(2027, 3, 18, 10, 0, 0, 0, cal.Location())
	for b.Loop() {
		if _, err := cal.Add(start, 100*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkElapsed10WorkingDays(b *testing.B) {
	cal := mustCal(b, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	start := time.Date(2027, 3, 18, 10, 0, 0, 0, cal.Location())
	end, _ := cal.Add(start, 100*time.Hour)
	for b.Loop() {
		if _, err := cal.Elapsed(start, end); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddOneYear(b *testing.B) {
	cal := mustCal(b, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	start := time.Date(2027, 1, 4, 10, 0, 0, 0, cal.Location())
	for b.Loop() {
		if _, err := cal.Add(start, 2500*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewCalendar(b *testing.B) {
	for b.Loop() {
		mustCal(b, Spec{Name: "desk", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales})
	}
}

// Zones whose clocks change at midnight: Beirut goes from 00:00 to 01:00 on Sunday 29 March 2026
// and Havana on Sunday 8 March 2026, so those days start at 01:00 and last 23 hours.
func TestMidnightClockChanges(t *testing.T) {
	beirut := mustCal(t, Spec{Name: "24x7 Beirut", Zone: "Asia/Beirut", Week: Every24x7()})
	bl := beirut.Location()
	// 13 days, one of them 23 hours long; the week from the change day must not be skipped as 168h.
	if got, err := beirut.Elapsed(time.Date(2026, 3, 28, 0, 0, 0, 0, bl), time.Date(2026, 4, 10, 0, 0, 0, 0, bl)); err != nil || got != 13*24*time.Hour-time.Hour {
		t.Errorf("Beirut 28 March - 10 April: %v %v, want 311h", got, err)
	}
	var w [7][]Span
	w[time.Sunday] = []Span{Hours("00:30", "03:00")}
	havana := mustCal(t, Spec{Name: "Havana Sunday nights", Zone: "America/Havana", Week: w})
	hl := havana.Location()
	// 00:30 does not exist on 8 March: the span runs from the day's start, 01:00, to 03:00.
	from, cut, to := time.Date(2026, 3, 7, 12, 0, 0, 0, hl), time.Date(2026, 3, 7, 23, 45, 0, 0, hl), time.Date(2026, 3, 9, 12, 0, 0, 0, hl)
	whole, err := havana.Elapsed(from, to)
	a, _ := havana.Elapsed(from, cut)
	b, _ := havana.Elapsed(cut, to)
	if err != nil || whole != 2*time.Hour || a+b != whole {
		t.Errorf("Havana 8 March: whole %v (%v), pieces %v + %v; want 2h both ways", whole, err, a, b)
	}
	if got, err := havana.Add(from, time.Hour); err != nil || !got.Equal(time.Date(2026, 3, 8, 2, 0, 0, 0, hl)) {
		t.Errorf("Havana Add: %v %v, want 02:00 CDT on 8 March", got.In(hl), err)
	}
}
