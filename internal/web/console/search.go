package console

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func (c *Console) searchRoutes() []route {
	return []route{{"GET", "/search", access.WorkCalls, c.search}}
}

const (
	searchPageSize   = 20 // calls per page of a search
	searchPeopleSize = 10 // people listed by a search
	snippetRunes     = 220
)

// searchPage is what the search box found: a reference that is not a call, people, and calls
// whose text holds every word.
type searchPage struct {
	page
	// MissingRef is set when the query is a well-formed reference of no call.
	MissingRef  string
	People      []desk.Person
	PeopleTotal int
	Calls       []searchHit
	Total       int
	TotalExact  bool
	// More says Total is a lower bound: the count stopped at store.SearchExactLimit.
	More        bool
	First, Last int
	Pager       pager
	Names       *names
	// Terms are the words the call search looked for (at most 8).
	Terms []string
	// Ignored are the emoji and symbols of the query, which the search cannot look for: neither
	// engine's index keeps them (SQLite's unicode61 tokenizer and the PostgreSQL search document
	// both split words on them), so the page says they were left out (issue 16, defect 8).
	Ignored []string
}

// searchHit is a call found by its text, with the summary and a piece of the description with
// the search words marked.
type searchHit struct {
	desk.Call
	Summary template.HTML
	Snippet template.HTML
}

func (c *Console) search(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	ctx := r.Context()
	p := searchPage{page: c.page(v, "Search")}
	p.Section, p.Query = "search", q
	if q == "" {
		return c.render(w, r, http.StatusOK, "search", p)
	}
	if len(q) > 200 {
		return desk.Invalid("this search is too long: a search may be at most 200 characters, so shorten it and search again",
			map[string]string{"q": "is longer than 200 characters"})
	}
	p.Title = "Search: " + q
	if _, _, err := desk.ParseReference(q); err == nil {
		call, err := c.Store.FindCallByRef(ctx, q)
		if err == nil {
			return seeOther(w, r, "/calls/"+call.Ref)
		}
		if desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
		p.MissingRef = strings.ToUpper(q)
	}
	nm, err := c.names(ctx)
	if err != nil {
		return err
	}
	p.Names = nm
	people, total, err := c.Store.FindPeople(ctx, store.PersonFilter{Query: q, Limit: searchPeopleSize})
	if err != nil {
		return err
	}
	p.People, p.PeopleTotal = people, total
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg = pageNumber(pg)
	p.Terms = store.SearchTerms(q)
	p.Ignored = ignoredSymbols(q)
	if len(p.Terms) > 0 {
		rd, err := c.reader(ctx, v)
		if err != nil {
			return err
		}
		f := store.CallFilter{Text: q, Limit: searchPageSize, Offset: (pg - 1) * searchPageSize, Reader: &rd}
		res, err := c.Store.FindCallsPage(ctx, f)
		if err != nil {
			return err
		}
		p.Total, p.TotalExact, p.More = res.Total, res.TotalExact, res.TotalAtLeast
		calls := access.CallsFor(rd, res.Calls)
		for _, call := range calls {
			text, err := c.matchingText(ctx, rd, call, p.Terms)
			if err != nil {
				return err
			}
			p.Calls = append(p.Calls, searchHit{Call: call, Summary: highlight(call.Summary, p.Terms),
				Snippet: highlight(snippet(text, p.Terms, snippetRunes), p.Terms)})
		}
		if len(calls) > 0 {
			p.First, p.Last = f.Offset+1, f.Offset+len(calls)
		}
		link := func(n int) string {
			u := "/search?q=" + url.QueryEscape(q)
			if n > 1 {
				u += "&page=" + strconv.Itoa(n)
			}
			return u
		}
		pages := p.Total
		if p.More && len(calls) == searchPageSize {
			// Past the bound the count says nothing of where the hits end: a full page has a next.
			pages = max(pages, f.Offset+len(calls)+1)
		}
		p.Pager = newPager("Pages of calls", pg, pages, searchPageSize, p.TotalExact, link)
		if !p.TotalExact && len(calls) < searchPageSize {
			// The estimate ran past what there is: this page is the last.
			p.Pager.Next = ""
		}
		if err := c.auditList(r, v, calls, "console search"); err != nil {
			return err
		}
	}
	if err := c.auditPeople(v, people, "console search for "+strconv.Quote(q)); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "search", p)
}

// matchingText is the text a hit's snippet is cut from: its description, unless the search words
// are only in its diary (the index covers both), then the first diary entry holding one. The
// diary is read only for such hits, at most a page of them. Both are as rd may read them
// (access.CallFor, access.DiaryFor): the search matched only what rd may read, and a snippet
// shows no more.
func (c *Console) matchingText(ctx context.Context, rd desk.Reader, call desk.Call, terms []string) (string, error) {
	if mentions(call.Summary+" "+call.Description, terms) {
		return call.Description, nil
	}
	entries, err := c.Store.Diary(ctx, call.ID, true)
	if err != nil {
		return "", err
	}
	for _, e := range access.DiaryFor(rd, call, entries) {
		if mentions(e.Text, terms) {
			return c.entryText(e), nil // as the diary shows it: its instants in the desk's zone
		}
	}
	return call.Description, nil
}

// mentions reports whether text holds one of terms as a whole word, as highlight marks them.
func mentions(text string, terms []string) bool {
	return strings.Contains(string(highlight(text, terms)), "<mark>")
}

// ignoredSymbols lists, once each, the runs of emoji and symbols in q (with the joiners and
// variation selectors that make up an emoji): what the search leaves out of its words.
func ignoredSymbols(q string) []string {
	var out []string
	seen := map[string]bool{}
	var run strings.Builder
	flush := func() {
		if s := run.String(); s != "" && !seen[s] && len(out) < 8 {
			seen[s] = true
			out = append(out, s)
		}
		run.Reset()
	}
	for _, r := range q {
		switch {
		case unicode.IsSymbol(r), r == '\u200d', r >= '\ufe00' && r <= '\ufe0f', r >= 0x1f3fb && r <= 0x1f3ff, r >= 0xe0020 && r <= 0xe007f:
			run.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// isWordRune is what the search indexes count as part of a word (see store.SearchTerms).
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// highlight escapes text for HTML and marks (<mark>) every word of it that is one of terms
// (lower case, as store.SearchTerms gives them). The words are matched whole, as the search
// indexes match them. Everything in the result but the <mark> tags is escaped text.
func highlight(text string, terms []string) template.HTML {
	want := make(map[string]bool, len(terms))
	for _, t := range terms {
		want[t] = true
	}
	var b strings.Builder
	for text != "" {
		// Split off the next run of word runes (or of other runes).
		word := false
		if r, _ := utf8.DecodeRuneInString(text); isWordRune(r) {
			word = true
		}
		end := strings.IndexFunc(text, func(r rune) bool { return isWordRune(r) != word })
		if end < 0 {
			end = len(text)
		}
		part := text[:end]
		text = text[end:]
		if word && want[strings.ToLower(part)] {
			b.WriteString("<mark>")
			b.WriteString(template.HTMLEscapeString(part))
			b.WriteString("</mark>")
		} else {
			b.WriteString(template.HTMLEscapeString(part))
		}
	}
	return template.HTML(b.String())
}

// snippet is about n runes of text around the first of terms it holds (its start when it holds
// none), cut at spaces, with "…" where text was left out.
func snippet(text string, terms []string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	runes := []rune(text)
	if len(runes) <= n {
		return text
	}
	at := -1 // rune index of the first search word
	lower := []rune(strings.ToLower(text))
	if len(lower) == len(runes) {
		for i := 0; i < len(lower) && at < 0; i++ {
			if i > 0 && isWordRune(lower[i-1]) || !isWordRune(lower[i]) {
				continue
			}
			j := i
			for j < len(lower) && isWordRune(lower[j]) {
				j++
			}
			for _, t := range terms {
				if string(lower[i:j]) == t {
					at = i
				}
			}
		}
	}
	start := 0
	if at > n/3 {
		start = at - n/3
	}
	end := min(start+n, len(runes))
	if end == len(runes) {
		start = max(0, end-n)
	}
	// Cut at spaces, so no word is shown in part.
	if start > 0 {
		if i := indexRune(runes[start:end], ' '); i >= 0 && i < 30 {
			start += i + 1
		}
	}
	if end < len(runes) {
		if i := lastIndexRune(runes[start:end], ' '); i > 0 && end-(start+i) < 30 {
			end = start + i
		}
	}
	out := string(runes[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
}

func indexRune(rs []rune, r rune) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return -1
}

func lastIndexRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}
