package sla

import (
	"slices"
	"time"
)

// Region is a UK bank holiday region.
type Region string

// Regions whose bank holidays are computed by rule.
const (
	NoRegion        Region = ""
	EnglandAndWales Region = "england-and-wales"
	Scotland        Region = "scotland"
	NorthernIreland Region = "northern-ireland"
)

// Valid reports whether r is a known region (or NoRegion).
func (r Region) Valid() bool {
	switch r {
	case NoRegion, EnglandAndWales, Scotland, NorthernIreland:
		return true
	}
	return false
}

func regionNames() []string {
	return []string{string(EnglandAndWales), string(Scotland), string(NorthernIreland), `"" (none)`}
}

// Holiday is a bank holiday: its date (the substitute day when the holiday falls at a weekend)
// and its name.
type Holiday struct {
	Date Date
	Name string
}

// Exception is a one-off change to the bank holidays that the rules cannot know: an extra day
// (Instead is zero) or a holiday moved from the date Instead to Date.
type Exception struct {
	Date    Date
	Name    string
	Instead Date
	// Regions it applies to; empty means all of them.
	Regions []Region
}

// KnownExceptions is the table of one-off UK bank holiday changes since 1999 (a fresh copy each
// call): the administrator adds future ones to a calendar's Spec.Exceptions in the same form.
func KnownExceptions() []Exception {
	return []Exception{
		{Date: D(1999, 12, 31), Name: "Millennium celebrations"},
		{Date: D(2002, 6, 3), Name: "Spring bank holiday", Instead: D(2002, 5, 27)},
		{Date: D(2002, 6, 4), Name: "Queen's Golden Jubilee"},
		{Date: D(2011, 4, 29), Name: "Royal wedding"},
		{Date: D(2012, 6, 4), Name: "Spring bank holiday", Instead: D(2012, 5, 28)},
		{Date: D(2012, 6, 5), Name: "Queen's Diamond Jubilee"},
		{Date: D(2020, 5, 8), Name: "Early May bank holiday (VE day)", Instead: D(2020, 5, 4)},
		{Date: D(2022, 6, 2), Name: "Spring bank holiday", Instead: D(2022, 5, 30)},
		{Date: D(2022, 6, 3), Name: "Platinum Jubilee bank holiday"},
		{Date: D(2022, 9, 19), Name: "Bank Holiday for the State Funeral of Queen Elizabeth II"},
		{Date: D(2023, 5, 8), Name: "Bank holiday for the coronation of King Charles III"},
	}
}

// BankHolidays returns the bank holidays of region r in year, by rule with the known exceptions
// applied, sorted by date:
//   - everywhere: New Year's Day, Good Friday, Early May (first Monday of May), Spring (last
//     Monday of May), Christmas Day and Boxing Day;
//   - England and Wales, Northern Ireland: Easter Monday, Summer (last Monday of August);
//   - Scotland: 2 January, Summer (first Monday of August), St Andrew's Day (30 November);
//   - Northern Ireland: St Patrick's Day (17 March), Battle of the Boyne (12 July).
//
// A fixed-date holiday at a weekend moves to the next weekday that is not already a holiday (so
// Christmas on a Saturday and Boxing Day on a Sunday become Monday 27 and Tuesday 28).
func BankHolidays(r Region, year int) []Holiday {
	return bankHolidays(r, year, KnownExceptions())
}

func bankHolidays(r Region, year int, ex []Exception) []Holiday {
	if r == NoRegion {
		return nil
	}
	easter := Easter(year)
	var hs []Holiday
	fixed := []Holiday{{D(year, 1, 1), "New Year's Day"}}
	if r == Scotland {
		fixed = append(fixed, Holiday{D(year, 1, 2), "2nd January"})
	}
	if r == NorthernIreland {
		fixed = append(fixed, Holiday{D(year, 3, 17), "St Patrick's Day"}, Holiday{D(year, 7, 12), "Battle of the Boyne (Orangemen's Day)"})
	}
	if r == Scotland {
		fixed = append(fixed, Holiday{D(year, 11, 30), "St Andrew's Day"})
	}
	fixed = append(fixed, Holiday{D(year, 12, 25), "Christmas Day"}, Holiday{D(year, 12, 26), "Boxing Day"})

	hs = append(hs, Holiday{easter.AddDays(-2), "Good Friday"})
	if r != Scotland {
		hs = append(hs, Holiday{easter.AddDays(1), "Easter Monday"})
	}
	hs = append(hs,
		Holiday{firstMonday(year, time.May), "Early May bank holiday"},
		Holiday{firstMonday(year, time.June).AddDays(-7), "Spring bank holiday"})
	if r == Scotland {
		hs = append(hs, Holiday{firstMonday(year, time.August), "Summer bank holiday"})
	} else {
		hs = append(hs, Holiday{firstMonday(year, time.September).AddDays(-7), "Summer bank holiday"})
	}

	// Substitute days: weekday holidays hold their dates first, then each weekend one takes the
	// next free weekday, in date order.
	var taken []Date // a dozen at most: a slice beats a map
	for _, h := range hs {
		taken = append(taken, h.Date)
	}
	for _, h := range fixed {
		if !weekend(h.Date) {
			taken = append(taken, h.Date)
		}
	}
	for _, h := range fixed {
		if !weekend(h.Date) {
			hs = append(hs, h)
			continue
		}
		d := h.Date
		for weekend(d) || slices.Contains(taken, d) {
			d = d.AddDays(1)
		}
		taken = append(taken, d)
		hs = append(hs, Holiday{d, h.Name + " (substitute day)"})
	}

	for _, x := range ex {
		if x.Date.Year != year && x.Instead.Year != year || !appliesTo(x, r) {
			continue
		}
		if x.Instead != (Date{}) {
			kept := hs[:0]
			for _, h := range hs {
				if h.Date != x.Instead {
					kept = append(kept, h)
				}
			}
			hs = kept
		}
		if x.Date.Year == year {
			hs = append(hs, Holiday{x.Date, x.Name})
		}
	}
	slices.SortStableFunc(hs, func(a, b Holiday) int { return int(a.Date.num() - b.Date.num()) })
	return hs
}

func appliesTo(x Exception, r Region) bool {
	if len(x.Regions) == 0 {
		return true
	}
	for _, y := range x.Regions {
		if y == r {
			return true
		}
	}
	return false
}

func weekend(d Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

func firstMonday(year int, m time.Month) Date {
	d := D(year, m, 1)
	return d.AddDays((8 - int(d.Weekday())) % 7)
}

// Easter is Easter Sunday of year in the Gregorian calendar (the Anonymous Gregorian algorithm,
// also known as Meeus/Jones/Butcher).
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return D(year, time.Month(month), day)
}
