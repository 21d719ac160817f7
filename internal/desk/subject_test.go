package desk

import (
	"testing"
	"time"
)

func TestAddCalendarMonths(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 10, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{d(2026, 3, 2), 1, d(2026, 4, 2)},
		{d(2026, 1, 31), 1, d(2026, 2, 28)},
		{d(2028, 1, 31), 1, d(2028, 2, 29)},
		{d(2026, 3, 31), 1, d(2026, 4, 30)},
		{d(2026, 12, 15), 1, d(2027, 1, 15)},
		{d(2026, 11, 30), 3, d(2027, 2, 28)},
	} {
		if got := AddCalendarMonths(tc.from, tc.n); !got.Equal(tc.want) {
			t.Errorf("%s + %d months = %s, want %s", tc.from.Format("2 Jan 2006"), tc.n, got.Format("2 Jan 2006"), tc.want.Format("2 Jan 2006"))
		}
	}
}

func TestRequestDue(t *testing.T) {
	recv := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	r := SubjectRequest{ReceivedAt: recv}
	if !r.Due().IsZero() {
		t.Fatal("a request without proof of identity has a deadline")
	}
	r.IdentityAt = time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
	if got := r.Due(); !got.Equal(time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("due %s, want 28 Feb (a month from the proof of identity, the later date)", got)
	}
	r.ExtendedTo = AddCalendarMonths(r.Due(), 2)
	if got := r.Due(); !got.Equal(time.Date(2026, 4, 28, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("extended due %s", got)
	}
}
