package console

import "strconv"

// pager is a list's page navigation (issue 16, defect 7): where this page is among how many,
// previous and next, jumps to the first, the last and the pages near this one, and, for a page
// past the end (the calls were resolved since the link was made, or the number was typed), a
// sentence that says so and a link back to the last page.
type pager struct {
	Label      string // names the navigation landmark ("Pages of calls")
	Page       int    // this page, from 1
	Pages      int    // how many pages the list has; 0 when it is empty
	Exact      bool   // Pages is counted, not the database's estimate
	Prev, Next string // URLs of the neighbouring pages, "" where there is none
	Jumps      []pageJump
	PastEnd    bool   // this page is past the list's last page
	LastURL    string // the last page's URL, for the way back from past the end
}

// pageJump is one numbered link of a pager; a zero N is a gap ("…") between two jumps.
type pageJump struct {
	N       int
	URL     string
	Current bool
}

// newPager builds the pager of page pg of a list of total items shown size to a page; link makes
// a page's URL. exact says whether total is counted (false: the database's estimate, so the
// count is said to be about that many and the last page may hold nothing).
func newPager(label string, pg, total, size int, exact bool, link func(int) string) pager {
	p := pager{Label: label, Page: pg, Exact: exact}
	if total > 0 {
		p.Pages = (total + size - 1) / size
	}
	if pg > 1 {
		p.Prev = link(min(pg-1, max(p.Pages, 1)))
	}
	if pg < p.Pages {
		p.Next = link(pg + 1)
	}
	p.LastURL = link(max(p.Pages, 1))
	if pg > p.Pages && pg > 1 {
		p.PastEnd = true
		p.Prev = ""
		return p
	}
	if p.Pages <= 1 {
		return p
	}
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n != 1 && n != p.Pages && (n < pg-2 || n > pg+2) {
			continue
		}
		if last != 0 && n > last+1 {
			p.Jumps = append(p.Jumps, pageJump{})
		}
		p.Jumps = append(p.Jumps, pageJump{N: n, URL: link(n), Current: n == pg})
		last = n
	}
	return p
}

// Shown reports whether the pager has anything to show: more than one page, or a page past the end.
func (p pager) Shown() bool { return p.Pages > 1 || p.PastEnd }

// maxPageNumber is the furthest page a list's ?page= may ask for; a larger number is read as it,
// so that the offset cannot overflow (the page then says it is past the end).
const maxPageNumber = 1_000_000

// pageNumber is a ?page= as read (0 when missing or not a number), from 1 to maxPageNumber.
func pageNumber(n int) int { return min(max(n, 1), maxPageNumber) }

// pageLink is the usual link maker: base with ?page=n (or &page=n when base has a query), and
// base alone for the first page.
func pageLink(base string) func(int) string {
	sep := "?"
	for _, r := range base {
		if r == '?' {
			sep = "&"
		}
	}
	return func(n int) string {
		if n <= 1 {
			return base
		}
		return base + sep + "page=" + strconv.Itoa(n)
	}
}

// cursorPager is the navigation of a list paged by cursor (a queue): where this page is ("page
// 3 of 40", "page 3 of more than 40"), the first, previous and next pages. Its links answer the
// keys [ and ] (data-key) as well as Tab and Enter.
type cursorPager struct {
	Label      string
	Page       int  // this page's number, from 1
	Total      int  // calls in the list, or the bound its count stopped at (More)
	More       bool // more than Total calls
	Size       int  // calls to a page
	First      string
	Prev, Next string // "" where there is none
	Empty      bool   // a page after the first with nothing left on it (the calls moved on)
}

// Pages is how many pages Total makes.
func (p cursorPager) Pages() int { return (p.Total + p.Size - 1) / max(p.Size, 1) }

// Shown reports whether there is anything to navigate to.
func (p cursorPager) Shown() bool { return p.Prev != "" || p.Next != "" || p.Empty }
