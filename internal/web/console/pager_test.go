package console_test

import (
	"fmt"
	"net/http"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestPagerCountsJumpsAndPastTheEnd (issue 16, defect 7): a list's pages say which page of how
// many this is and offer numbered jumps; a page past the end says so and links back to the last
// page, on the queues, a person's calls, "who has seen" and the search.
func TestPagerCountsJumpsAndPastTheEnd(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		for i := range 130 {
			e.call(fmt.Sprintf("Printer jam number %03d", i), 0)
		}
		c := e.signIn(e.f.Cat)
		// 130 calls, 25 to a page: 6 pages. On page 4: 1 … 2 3 [4] 5 6.
		r := c.get("/queues/unassigned?page=4").must(t, http.StatusOK)
		r.has(t, `<nav class="pager" aria-label="Pages of calls">`, "Page 4 of 6",
			`<a href="/queues/unassigned?page=3" rel="prev">`, `<a href="/queues/unassigned?page=5" rel="next">`,
			`<a href="/queues/unassigned"><span class="visually-hidden">Page </span>1</a>`,
			`<a href="/queues/unassigned?page=4" aria-current="page"><span class="visually-hidden">Page </span>4</a>`,
			`<a href="/queues/unassigned?page=6"><span class="visually-hidden">Page </span>6</a>`)
		// Page 1 of 6: 1 2 3 … 6, no gap before 1.
		c.get("/queues/unassigned?sort=oldest").must(t, http.StatusOK).has(t, "Page 1 of 6",
			`<a href="/queues/unassigned?page=3&amp;sort=oldest"><span class="visually-hidden">Page </span>3</a></li><li class="gap" aria-hidden="true">…</li>`).
			lacks(t, `rel="prev"`, "page=4&amp;sort")
		c.get("/queues/unassigned?page=40").must(t, http.StatusOK).has(t, "There is no page 40: this list has 6 pages.",
			`<a href="/queues/unassigned?page=6">Go to the last page (6)</a>`).lacks(t, `rel="next"`, `rel="prev"`, "Page 40 of")
		c.get("/queues/mine?page=3").must(t, http.StatusOK).has(t, "There is no page 3: this list is empty now.", `<a href="/queues/mine">Go to the first page</a>`)

		dan := fmt.Sprintf("/people/%d", e.f.Dan.ID)
		c.get(dan).must(t, http.StatusOK).has(t, "Page 1 of ", `rel="next"`)
		c.get(dan+"?page=99").must(t, http.StatusOK).has(t, "There is no page 99: this list has ")
		c.get(dan+"/seen?page=99999999999999999999").must(t, http.StatusOK).has(t, "There is no page 1000000: this list has ",
			`<a href="`+dan+`/seen?page=`, "Go to the last page (").lacks(t, "Nothing recorded yet")
		c.get("/search?q=printer+jam&page=500").must(t, http.StatusOK).has(t, "There is no page 500")
		c.get("/search?q=printer+jam&page=2").must(t, http.StatusOK).has(t, "Page 2 of ")
	})
}
