package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/store"
)

// shredWindow is the time of day (the desk's local time) in which the serve job may rewrite
// PostgreSQL's tables to shred deleted content: VACUUM (FULL) holds each table's exclusive lock
// while it copies the table, so on a big desk it is kept out of working hours. Minutes after
// midnight; from == to (only "any") means at any time.
type shredWindow struct {
	from, to int
	any      bool
}

// parseShredWindow reads "HH:MM-HH:MM" (the end may be earlier than the start: the window then
// runs across midnight) or "any".
func parseShredWindow(v string) (shredWindow, error) {
	if v == "any" {
		return shredWindow{any: true}, nil
	}
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return shredWindow{}, fmt.Errorf("is not a window like 01:00-05:00, or any")
	}
	from, err1 := parseClock(a)
	to, err2 := parseClock(b)
	if err1 != nil || err2 != nil {
		return shredWindow{}, fmt.Errorf("is not a window like 01:00-05:00, or any")
	}
	if from == to {
		return shredWindow{}, fmt.Errorf("starts and ends at the same time: for no window at all, say any")
	}
	return shredWindow{from: from, to: to}, nil
}

// parseClock reads HH:MM as minutes after midnight.
func parseClock(v string) (int, error) {
	h, m, ok := strings.Cut(v, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("not HH:MM")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("not HH:MM")
	}
	return hh*60 + mm, nil
}

// contains says whether now, read on the wall clock of loc, is inside the window: from its
// start (included) to its end (excluded). Wall-clock time: on the night the clocks go forward
// the hour skipped is not in any window (01:00-05:00 in Europe/London is then 3 hours long);
// on the night they go back the repeated hour is in the window both times.
func (w shredWindow) contains(now time.Time, loc *time.Location) bool {
	if w.any {
		return true
	}
	t := now.In(loc)
	m := t.Hour()*60 + t.Minute()
	if w.from < w.to {
		return w.from <= m && m < w.to
	}
	return m >= w.from || m < w.to // across midnight
}

func (w shredWindow) String() string {
	if w.any {
		return "any"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.from/60, w.from%60, w.to/60, w.to%60)
}

// shredJob is the search-compaction job of serve: it compacts the search index when an erasure
// or a sweep asked for it, then shreds the deleted content (clause 23.5): on SQLite at once (its
// free-page zeroing is quick), on PostgreSQL only inside the window.
func shredJob(s *store.Store, window shredWindow, now func() time.Time, loc *time.Location, log *slog.Logger, lease time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		did, err := s.CompactSearchIfDue(ctx)
		if did {
			log.Info("search index compacted after an erasure")
		}
		if err != nil {
			return err
		}
		if s.Engine() == "postgres" && !window.contains(now(), loc) {
			return nil // the deleted content waits, marked due, for the window
		}
		if shredded, err := s.ShredIfDueFor(ctx, lease); err != nil {
			return err
		} else if shredded {
			log.Info("deleted content overwritten in the database files")
		}
		return nil
	}
}
