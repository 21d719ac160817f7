package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestReportVolumeTotals: the totals of a period are ReportVolumeOf's rows added up, for every
// event and for some, with a filter and without, on the fixture with known answers; an unknown
// event is refused.
func TestReportVolumeTotals(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		storetest.ReportCalls(t, e.Env)
		from, to := time.Date(2027, 2, 20, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 8, 0, 0, 0, 0, time.UTC)
		for _, f := range []store.ReportFilter{{}, {Source: desk.SourcePortal}, {CustomerKind: desk.Student}} {
			for _, events := range [][]string{nil, {"resolved", "reopened"}, {"logged", "cancelled"}} {
				rows, err := e.S.ReportVolumeOf(ctx, f, time.UTC, from, to, events...)
				if err != nil {
					t.Fatal(err)
				}
				want := volumeTotals(rows)
				for _, r := range rows {
					want.ResolvedReopened += r.ResolvedReopened
				}
				got, err := e.S.ReportVolumeTotals(ctx, f, from, to, events...)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("filter %+v, events %v: totals %+v, the rows add up to %+v", f, events, got, want)
				}
				if events == nil && f == (store.ReportFilter{}) && got.Logged == 0 {
					t.Error("no call logged in the fixture's range: the test proves nothing")
				}
			}
		}
		if _, err := e.S.ReportVolumeTotals(ctx, store.ReportFilter{}, from, to, "held"); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("an unknown event: %v", err)
		}
	})
}
