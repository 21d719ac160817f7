package sla

import (
	"reflect"
	"testing"
	"time"
)

// gov.uk's published bank holidays for England and Wales, 2019-2027, written out by hand.
var englandAndWales = map[int][]string{
	2019: {"2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26", "2019-12-25", "2019-12-26"},
	2020: {"2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"},
	2021: {"2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28"},
	2022: {"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"},
	2023: {"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"},
	2024: {"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26"},
	2025: {"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26"},
	2026: {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"},
	2027: {"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"},
}

func dates(hs []Holiday) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Date.String())
	}
	return out
}

func TestBankHolidaysEnglandAndWales(t *testing.T) {
	for y := 2019; y <= 2027; y++ {
		if got := dates(BankHolidays(EnglandAndWales, y)); !reflect.DeepEqual(got, englandAndWales[y]) {
			t.Errorf("%d: got %v\nwant %v", y, got, englandAndWales[y])
		}
	}
}

func TestBankHolidaysScotlandAndNorthernIreland(t *testing.T) {
	cases := []struct {
		r    Region
		year int
		want []string
	}{
		// 1-2 Jan on Sat-Sun (Mon 3, Tue 4), St Andrew's Day on a Wednesday, first Monday of August.
		{Scotland, 2022, []string{"2022-01-03", "2022-01-04", "2022-04-15", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-01", "2022-09-19", "2022-11-30", "2022-12-26", "2022-12-27"}},
		// 1 Jan on Sunday, 2 Jan Monday: the substitute for New Year is Tuesday 3.
		{Scotland, 2023, []string{"2023-01-02", "2023-01-03", "2023-04-07", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-07", "2023-11-30", "2023-12-25", "2023-12-26"}},
		// St Andrew's Day on a Sunday: Monday 1 December.
		{Scotland, 2025, []string{"2025-01-01", "2025-01-02", "2025-04-18", "2025-05-05", "2025-05-26", "2025-08-04", "2025-12-01", "2025-12-25", "2025-12-26"}},
		// St Andrew's Day on a Saturday: Monday 2 December.
		{Scotland, 2024, []string{"2024-01-01", "2024-01-02", "2024-03-29", "2024-05-06", "2024-05-27", "2024-08-05", "2024-12-02", "2024-12-25", "2024-12-26"}},
		// St Patrick's Day on a Sunday (Monday 18), the Boyne on a Friday.
		{NorthernIreland, 2024, []string{"2024-01-01", "2024-03-18", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-07-12", "2024-08-26", "2024-12-25", "2024-12-26"}},
		// The Boyne on a Saturday: Monday 14 July.
		{NorthernIreland, 2025, []string{"2025-01-01", "2025-03-17", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-07-14", "2025-08-25", "2025-12-25", "2025-12-26"}},
		{NorthernIreland, 2026, []string{"2026-01-01", "2026-03-17", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-07-13", "2026-08-31", "2026-12-25", "2026-12-28"}},
	}
	for _, c := range cases {
		if got := dates(BankHolidays(c.r, c.year)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %d: got %v\nwant %v", c.r, c.year, got, c.want)
		}
	}
}

func TestEaster(t *testing.T) {
	want := map[int]Date{1961: D(1961, 4, 2), 2000: D(2000, 4, 23), 2008: D(2008, 3, 23), 2011: D(2011, 4, 24),
		2019: D(2019, 4, 21), 2024: D(2024, 3, 31), 2027: D(2027, 3, 28), 2038: D(2038, 4, 25), 2285: D(2285, 3, 22)}
	for y, d := range want {
		if got := Easter(y); got != d {
			t.Errorf("Easter %d = %s, want %s", y, got, d)
		}
	}
}

// An administrator's exception moves a rule holiday (as 2020's VE day did) and adds one.
func TestAdministratorExceptionsAndClosures(t *testing.T) {
	cal, err := NewCalendar(Spec{Name: "desk", Zone: "Europe/London", Week: MondayToFriday(Hours("08:00", "18:00")), Region: EnglandAndWales,
		Exceptions: []Exception{{Date: D(2031, 5, 9), Name: "Early May moved", Instead: D(2031, 5, 5)}},
		Closures: []Closure{{Date: D(2026, 12, 29), Name: "University closure"},
			{Date: D(2026, 12, 30), Name: "Staff party", Spans: []Span{Hours("12:00", "24:00")}},
			{Date: D(2026, 12, 31), Name: "Closed (empty span list)", Spans: []Span{}}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := cal.ClosedOn(D(2031, 5, 5)); len(n) != 0 {
		t.Errorf("5 May 2031 still closed: %v", n)
	}
	if n := cal.ClosedOn(D(2031, 5, 9)); len(n) != 1 || n[0] != "Early May moved" {
		t.Errorf("9 May 2031: %v", n)
	}
	if s := cal.WorkingSpans(D(2026, 12, 29)); len(s) != 0 {
		t.Errorf("closure day works %v", s)
	}
	if s := cal.WorkingSpans(D(2026, 12, 31)); len(s) != 0 {
		t.Errorf("a closure with an empty span list works %v", s)
	}
	if s := cal.WorkingSpans(D(2026, 12, 30)); !reflect.DeepEqual(s, []Span{Hours("08:00", "12:00")}) {
		t.Errorf("part-day closure: %v", s)
	}
	// Christmas Eve 2026 (Thursday) 17:00 + 3h: 1h Thursday, Friday 25 and Monday 28 bank holidays,
	// Tuesday 29 closed, Wednesday 30 morning only: 08:00 + 2h = 10:00.
	lon := cal.Location()
	got, err := cal.Add(time.Date(2026, 12, 24, 17, 0, 0, 0, lon), 3*time.Hour)
	if want := time.Date(2026, 12, 30, 10, 0, 0, 0, lon); err != nil || !got.Equal(want) {
		t.Errorf("got %v %v, want %v", got, err, want)
	}
}

// An exception limited to one region changes only that region's holidays.
func TestExceptionForOneRegion(t *testing.T) {
	ex := []Exception{{Date: D(2030, 8, 9), Name: "Scottish summer moved", Instead: D(2030, 8, 5), Regions: []Region{Scotland}}}
	scot := dates(bankHolidays(Scotland, 2030, ex))
	if !reflect.DeepEqual(scot, []string{"2030-01-01", "2030-01-02", "2030-04-19", "2030-05-06", "2030-05-27", "2030-08-09", "2030-12-02", "2030-12-25", "2030-12-26"}) {
		t.Errorf("Scotland 2030: %v", scot)
	}
	ew := dates(bankHolidays(EnglandAndWales, 2030, ex))
	if !reflect.DeepEqual(ew, []string{"2030-01-01", "2030-04-19", "2030-04-22", "2030-05-06", "2030-05-27", "2030-08-26", "2030-12-25", "2030-12-26"}) {
		t.Errorf("England and Wales 2030: %v", ew)
	}
}
