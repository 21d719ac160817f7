package web_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// GET /api/v1/calls pages by cursor (issue 21 point 5): next_cursor walks the whole list once,
// with no call twice and none missed though calls are logged between pages (all logged at one
// instant here: the id breaks the ties), prev_cursor goes back, and a cursor is refused with an
// offset, from another sort, or mangled.
func TestListCallsByCursor(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		var want []string
		for i := range 7 {
			want = append(want, e.call(desk.NewCall{Summary: fmt.Sprintf("Projector %d flickers", i)}).Ref)
		}
		slices.Reverse(want) // newest first
		var got []string
		var pages []apiCallList
		path := "/api/v1/calls?condition=unassigned&limit=3"
		for cursor := ""; ; {
			var page apiCallList
			e.ok(e.req("GET", path+cursor, nil), 200, &page)
			pages = append(pages, page)
			for _, c := range page.Calls {
				got = append(got, c.Ref)
			}
			if len(pages) == 1 {
				if page.PrevCursor != "" || page.NextCursor == "" || page.Total != 7 || !page.TotalExact || page.TotalMore {
					t.Fatalf("first page: %+v", page)
				}
				// Logged after the first page was read: newer than the cursor, not on the next pages.
				e.call(desk.NewCall{Summary: "Logged between pages"})
			}
			if page.NextCursor == "" {
				break
			}
			cursor = "&cursor=" + url.QueryEscape(page.NextCursor)
		}
		if !slices.Equal(got, want) || len(pages) != 3 {
			t.Fatalf("by cursor: %v in %d pages, want %v in 3", got, len(pages), want)
		}
		// Back from the last page: the second again.
		var back apiCallList
		e.ok(e.req("GET", path+"&cursor="+url.QueryEscape(pages[2].PrevCursor), nil), 200, &back)
		if len(back.Calls) != 3 || back.Calls[0].Ref != want[3] || back.Calls[2].Ref != want[5] || back.NextCursor == "" || back.PrevCursor == "" {
			t.Fatalf("the page before the last: %+v", back)
		}
		// From the second page back to the first: now with the call logged since on it.
		var first, top apiCallList // fresh: a cursor left out is not kept from the page before
		e.ok(e.req("GET", path+"&cursor="+url.QueryEscape(back.PrevCursor), nil), 200, &first)
		if !slices.Equal([]string{first.Calls[0].Ref, first.Calls[2].Ref}, []string{want[0], want[2]}) || first.PrevCursor == "" {
			t.Fatalf("the first page again: %+v", first)
		}
		e.ok(e.req("GET", path+"&cursor="+url.QueryEscape(first.PrevCursor), nil), 200, &top)
		if len(top.Calls) != 1 || top.Calls[0].Summary != "Logged between pages" || top.PrevCursor != "" || top.NextCursor == "" {
			t.Fatalf("before the first page: %+v", top)
		}
		// Combined with other filters and another order.
		var oldest1, oldest apiCallList
		e.ok(e.req("GET", "/api/v1/calls?open=true&sort=oldest&limit=4&customer="+id(e.f.Dan.ID), nil), 200, &oldest1)
		e.ok(e.req("GET", "/api/v1/calls?open=true&sort=oldest&limit=4&customer="+id(e.f.Dan.ID)+"&cursor="+url.QueryEscape(oldest1.NextCursor), nil), 200, &oldest)
		if len(oldest.Calls) != 4 || oldest.Calls[0].Ref != want[2] || oldest.NextCursor != "" {
			t.Fatalf("oldest first, second page: %+v", oldest)
		}
		for _, bad := range []string{
			"cursor=" + url.QueryEscape(pages[0].NextCursor) + "&offset=3",
			"cursor=" + url.QueryEscape(pages[0].NextCursor) + "&sort=oldest",
			"cursor=not-a-cursor",
		} {
			r := e.req("GET", "/api/v1/calls?condition=unassigned&"+bad, nil)
			if r.status != 400 && r.status != 422 {
				t.Fatalf("?%s: status %d, want 400: %s", bad, r.status, r.body)
			}
			if p := e.problem(r, r.status); p.Errors["cursor"] == "" {
				t.Errorf("?%s: the problem does not name the cursor: %+v", bad, p)
			}
		}
	})
}

// A list of more than store.ListCountLimit calls says so: total 1,000, total_more, not exact.
func TestListCallsCountsUpToABound(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b, err := e.s.Bulk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range store.ListCountLimit + 1 {
			c := desk.Call{Kind: desk.Fault, Summary: fmt.Sprint("Queued ", i), CustomerID: e.f.Dan.ID, Source: desk.SourcePhone,
				Impact: desk.Medium, Urgency: desk.Medium, Priority: 3, State: desk.Unassigned, LoggedAt: e.clock.Now()}
			if err := b.AddCall(ctx, &c, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.Finish(ctx, e.f.Admin, "test.load", "bound", nil); err != nil {
			t.Fatal(err)
		}
		var page apiCallList
		e.ok(e.req("GET", "/api/v1/calls?condition=unassigned", nil), 200, &page)
		if page.Total != store.ListCountLimit || !page.TotalMore || page.TotalExact || len(page.Calls) != 25 {
			t.Fatalf("total %d more %v exact %v, %d calls", page.Total, page.TotalMore, page.TotalExact, len(page.Calls))
		}
		e.ok(e.req("GET", "/api/v1/calls?condition=unassigned&priority=1", nil), 200, &page)
		if page.Total != 0 || page.TotalMore || !page.TotalExact {
			t.Fatalf("none: total %d more %v exact %v", page.Total, page.TotalMore, page.TotalExact)
		}
	})
}
