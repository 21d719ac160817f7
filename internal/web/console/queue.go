package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func (c *Console) queueRoutes() []route {
	return []route{
		{"GET", "/queues/{queue}", access.WorkCalls, c.queue},
	}
}

// queueDef is one of the console's queues.
type queueDef struct {
	Key, Name string
	count     func(queueCounts) int
	// more says the count stopped at its bound (store.ListCountLimit): more calls wait.
	more func(queueCounts) bool
	// filter sets the queue's own condition on a call filter.
	filter func(f *store.CallFilter, v *visit, groups []int64)
	// byDeadline marks the service-level queues, sorted by deadline unless the analyst sorts
	// them otherwise.
	byDeadline bool
}

// queueCounts are the counts the queue list shows: the calls of each state's queues and those
// at risk and breached (issue 17).
type queueCounts struct {
	store.QueueCounts
	store.SLACounts
}

// queues are the console's queues, in the order the console lists them.
func queues() []queueDef {
	return []queueDef{
		{"mine", "My calls", func(n queueCounts) int { return n.Mine }, func(n queueCounts) bool { return n.MineMore },
			func(f *store.CallFilter, v *visit, _ []int64) { f.AnalystID, f.OpenOnly = v.Person.ID, true }, false},
		{"groups", "My groups' calls", func(n queueCounts) int { return n.Groups }, func(n queueCounts) bool { return n.GroupsMore },
			func(f *store.CallFilter, _ *visit, g []int64) {
				f.GroupIDs, f.OpenOnly = g, true
				if len(g) == 0 {
					f.GroupIDs = []int64{-1} // in no group: an empty queue, not every call
				}
			}, false},
		{"unassigned", "Unassigned", func(n queueCounts) int { return n.Unassigned }, func(n queueCounts) bool { return n.UnassignedMore },
			func(f *store.CallFilter, _ *visit, _ []int64) { f.Conditions = []desk.Condition{desk.CondUnassigned} }, false},
		// The service-level queues (issue 17): calls a clock counting has used 75% of the time
		// of, and calls whose time ran out, soonest deadline first.
		{"at-risk", "At risk", func(n queueCounts) int { return n.AtRisk }, func(n queueCounts) bool { return n.AtRiskMore },
			func(f *store.CallFilter, _ *visit, _ []int64) { f.SLA = "at_risk" }, true},
		{"breached", "Breached", func(n queueCounts) int { return n.Breached }, func(n queueCounts) bool { return n.BreachedMore },
			func(f *store.CallFilter, _ *visit, _ []int64) { f.SLA = "breached" }, true},
		{"on-hold", "On hold", func(n queueCounts) int { return n.OnHold }, func(n queueCounts) bool { return n.OnHoldMore },
			func(f *store.CallFilter, _ *visit, _ []int64) { f.Conditions = []desk.Condition{desk.CondOnHold} }, false},
		{"off-hold", "Off hold: urgent", func(n queueCounts) int { return n.OffHold }, func(n queueCounts) bool { return n.OffHoldMore },
			func(f *store.CallFilter, _ *visit, _ []int64) { f.Conditions = []desk.Condition{desk.CondOffHold} }, false},
		{"resolved", "Resolved, awaiting confirmation", func(n queueCounts) int { return n.Resolved }, func(n queueCounts) bool { return n.ResolvedMore },
			func(f *store.CallFilter, _ *visit, _ []int64) { f.Conditions = []desk.Condition{desk.CondResolved} }, false},
		{"open", "All open calls", func(n queueCounts) int { return n.Open }, func(n queueCounts) bool { return n.OpenMore },
			func(f *store.CallFilter, _ *visit, _ []int64) { f.OpenOnly = true }, false},
	}
}

// queuePageSize is how many calls a queue page shows; maxQueuePage is the furthest page number
// a queue's ?page= may say (a million calls) beside a cursor; maxOffsetPage the furthest one it
// may ask for alone, read by offset: the page after store.ListCountLimit calls, past which a
// queue pages by cursor (issue 21 point 5), so no page skips more rows than a count reads.
const (
	queuePageSize = 25
	maxQueuePage  = 40000
	maxOffsetPage = store.ListCountLimit/queuePageSize + 1
)

// queuePage is a queue: the queues with their counts, the filters, and a page of calls.
type queuePage struct {
	page
	Queue  queueDef
	Queues []queueTab
	Filter queueFilter
	Names  *names
	Calls  []desk.Call
	// Rows are Calls with their service levels now, as the table shows them.
	Rows  []queueRow
	Total int
	// More says Total is a lower bound: the count stopped at store.ListCountLimit ("more than").
	More  bool
	First int // position of the first call shown, from 1
	Last  int
	// Pager numbers the pages of a queue of at most store.ListCountLimit calls (read by offset:
	// at most that many rows skipped); a longer queue pages by cursor (Cursor, ByCursor).
	Pager    pager
	Cursor   cursorPager
	ByCursor bool
	Self     string // this page's URL, for the self-refresh
	Sorts    []option
	Ages     []option
	Now      time.Time
	Invalid  map[string]string // filter fields that could not be read
	// Views are the saved views the analyst sees (views.go); Query the filter and sort as a
	// view keeps them; MyGroups the groups a view may be shared with.
	Views    []viewLink
	Query    string
	MyGroups []desk.Group
}

// queueRow is a call of a queue with its respond and resolve clocks as they stand now.
type queueRow struct {
	desk.Call
	Respond, Resolve slaCell
	// Risk says in words, for the whole row, that a clock is at risk or has run out ("" when
	// neither).
	Risk string
}

// queueTab is a queue in the list of queues.
type queueTab struct {
	Key, Name string
	Count     int
	More      bool // more than Count calls (a count that stops at store.ListCountLimit)
	Current   bool
}

// option is a choice in a select.
type option struct{ Value, Label string }

// queueFilter is what the filter form holds, as typed.
type queueFilter struct {
	Group, Analyst, Profile, Priority, Age, Sort string
	// Cursor is where the page starts (store.CallFilter.Cursor) in a queue of more than
	// store.ListCountLimit calls; Page is its number, said to the reader ("page 3") and kept in
	// the links of the pager. Without a cursor, Page is read by offset (up to maxOffsetPage).
	Cursor string
	Page   int
}

func (f queueFilter) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"group": f.Group, "analyst": f.Analyst, "profile": f.Profile,
		"priority": f.Priority, "age": f.Age, "sort": f.Sort} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Cursor != "" {
		q.Set("cursor", f.Cursor)
	}
	if f.Page > 1 {
		q.Set("page", strconv.Itoa(f.Page))
	}
	return q
}

// ageChoice is a choice of the age filter: calls logged more than D ago.
type ageChoice struct {
	Value, Label string
	D            time.Duration
}

// ageChoices are the choices of the age filter.
func ageChoices() []ageChoice {
	return []ageChoice{
		{"1h", "More than an hour", time.Hour},
		{"1d", "More than a day", 24 * time.Hour},
		{"3d", "More than 3 days", 72 * time.Hour},
		{"1w", "More than a week", 7 * 24 * time.Hour},
		{"1m", "More than 30 days", 30 * 24 * time.Hour},
	}
}

func (c *Console) queue(w http.ResponseWriter, r *http.Request, v *visit) error {
	var def queueDef
	all := queues()
	for _, q := range all {
		if q.Key == r.PathValue("queue") {
			def = q
		}
	}
	if def.Key == "" {
		return desk.Errorf(desk.ENOTFOUND, "there is no queue %q; the queues are listed on the left of every queue page", r.PathValue("queue"))
	}
	ctx := r.Context()
	nm, err := c.names(ctx)
	if err != nil {
		return err
	}
	groups, err := c.Store.GroupsOf(ctx, v.Person.ID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	in := queueFilter{Group: q.Get("group"), Analyst: q.Get("analyst"), Profile: q.Get("profile"),
		Priority: q.Get("priority"), Age: q.Get("age"), Sort: q.Get("sort")}
	// Pages after the first are read by cursor (keyset paging, issue 21 point 5): a page number
	// alone is not a place in a queue that moves, and skipping rows to it read every one.
	in.Cursor = q.Get("cursor")
	in.Page, _ = strconv.Atoi(q.Get("page"))
	in.Page = max(1, min(in.Page, maxQueuePage))
	if in.Cursor == "" {
		in.Page = min(in.Page, maxOffsetPage)
	}
	p := queuePage{page: c.page(v, def.Name), Queue: def, Filter: in, Names: nm, Now: c.now(), Invalid: map[string]string{}}
	p.Section = "queues"
	f := store.CallFilter{Limit: queuePageSize, Cursor: in.Cursor, Sort: in.Sort}
	if in.Cursor == "" {
		f.Offset = (in.Page - 1) * queuePageSize
	}
	def.filter(&f, v, groups)
	id := func(name, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			p.Invalid[name] = "is not one of the choices"
			return 0
		}
		return n
	}
	if g := id("group", in.Group); g != 0 {
		if def.Key == "groups" && !containsID(groups, g) {
			f.GroupIDs = []int64{-1}
		} else {
			f.GroupIDs = []int64{g}
		}
	}
	if a := id("analyst", in.Analyst); a != 0 && f.AnalystID == 0 {
		f.AnalystID = a
	}
	f.ProfileID = id("profile", in.Profile)
	if in.Priority != "" {
		n, err := strconv.Atoi(in.Priority)
		if err != nil || !desk.Priority(n).Valid() {
			p.Invalid["priority"] = "must be P1 to P4"
		} else {
			f.Priority = desk.Priority(n)
		}
	}
	if in.Age != "" {
		found := false
		for _, a := range ageChoices() {
			if a.Value == in.Age {
				f.To, found = p.Now.Add(-a.D), true
			}
		}
		if !found {
			p.Invalid["age"] = "is not one of the choices"
		}
	}
	// Resolved calls' clocks have stopped: they have no deadline to sort by (a list sorted by
	// deadline holds live calls only), so that queue does not offer it.
	dueSort := def.Key != "resolved"
	switch in.Sort {
	case "", "newest", "oldest", "priority", "updated":
	case "due":
		if !dueSort {
			p.Invalid["sort"] = "is not one of the choices: resolved calls have no deadline left"
			f.Sort = ""
		}
	default:
		p.Invalid["sort"] = "is not one of the choices"
		f.Sort = ""
	}
	counts, err := c.queueCounts(ctx, v, groups)
	if err != nil {
		return err
	}
	p.Queues = queueTabs(counts, def.Key)
	// A queue with no filter of the analyst's holds as many calls as its count says: counting
	// them again would read every open call on every page.
	unfiltered := in.Group == "" && in.Analyst == "" && in.Profile == "" && in.Priority == "" && in.Age == ""
	f.NoTotal = unfiltered
	page, err := c.Store.FindCallsPage(ctx, f)
	if desk.ErrorCode(err) == desk.EINVALID && f.Cursor != "" {
		// A cursor from another sort, or mangled: the first page, saying so.
		p.Invalid["cursor"] = "was not a place in this list: showing the first page"
		f.Cursor, f.Offset, in.Cursor, in.Page, p.Filter = "", 0, "", 1, in
		page, err = c.Store.FindCallsPage(ctx, f)
	}
	if err != nil {
		return err
	}
	if page.Prev == "" && in.Cursor != "" {
		in.Page, p.Filter.Page = 1, 1 // back at the start, whatever the link said
	}
	offset := (in.Page - 1) * queuePageSize
	p.Calls, p.Total, p.More = access.CallsFor(v.readerWith(groups), page.Calls), page.Total, page.TotalAtLeast
	if n := len(page.Calls); unfiltered {
		p.Total, p.More = def.count(counts), def.more(counts)
		if n > 0 && page.Next == "" {
			p.Total, p.More = offset+n, false // the last page: exact, even if the counts lag another instance's change
		} else if n > 0 && offset+n > p.Total {
			p.Total = offset + n
		}
	}
	if p.Rows, err = c.slaRows(ctx, p.Calls, p.Now); err != nil {
		return err
	}
	if len(p.Calls) > 0 {
		p.First = offset + 1
		p.Last = offset + len(p.Calls)
	}
	base := "/queues/" + def.Key
	link := func(cursor string, pg int) string {
		x := in
		x.Cursor, x.Page = cursor, pg
		if e := x.values().Encode(); e != "" {
			return base + "?" + e
		}
		return base
	}
	p.Self = link(in.Cursor, in.Page)
	if !p.More && in.Cursor == "" {
		// Past the end (calls were resolved since the page was opened), the pager says so and
		// links to the last page.
		p.Pager = newPager("Pages of calls", in.Page, p.Total, queuePageSize, true, func(n int) string { return link("", n) })
	} else {
		p.ByCursor = true
		p.Cursor = cursorPager{Label: "Pages of calls", Page: in.Page, Total: p.Total, More: p.More, Size: queuePageSize,
			First: link("", 1), Empty: len(p.Calls) == 0 && in.Page > 1}
		switch {
		case page.Prev != "" && in.Page <= 2:
			// The page before the second is the first: read afresh, with the calls logged since.
			p.Cursor.Prev = p.Cursor.First
		case page.Prev != "":
			p.Cursor.Prev = link(page.Prev, in.Page-1)
		}
		if page.Next != "" {
			p.Cursor.Next = link(page.Next, in.Page+1)
		}
	}
	p.Sorts = []option{{"", "Newest first"}, {"oldest", "Oldest first"}, {"priority", "Priority"}, {"updated", "Recently updated"}}
	if dueSort {
		p.Sorts = append(p.Sorts, option{"due", "Deadline first"})
	}
	if def.byDeadline {
		// The service-level queues are sorted by deadline unless the analyst chooses otherwise.
		p.Sorts = []option{{"", "Deadline first"}, {"newest", "Newest first"}, {"oldest", "Oldest first"}, {"priority", "Priority"}, {"updated", "Recently updated"}}
	}
	for _, a := range ageChoices() {
		p.Ages = append(p.Ages, option{a.Value, a.Label})
	}
	if err := c.queueViews(ctx, v, &p); err != nil {
		return err
	}
	if err := c.auditList(r, v, p.Calls, "console queue "+def.Key); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "queue", p)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// age says how long ago t was, briefly: 5m, 3h, 2d, 6w.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d < 14*24*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	default:
		return fmt.Sprintf("%dw", int(d.Hours()/24/7))
	}
}

// queueCounts are the counts of v's queues (groups: v's groups).
func (c *Console) queueCounts(ctx context.Context, v *visit, groups []int64) (queueCounts, error) {
	var counts queueCounts
	var err error
	if counts.QueueCounts, err = c.Store.CountQueues(ctx, v.Person.ID, groups); err != nil {
		return counts, err
	}
	counts.SLACounts, err = c.Store.CountSLA(ctx)
	return counts, err
}

// queueTabs are the queues with their counts, current marking the one shown ("" for none).
func queueTabs(counts queueCounts, current string) []queueTab {
	var tabs []queueTab
	for _, q := range queues() {
		tabs = append(tabs, queueTab{Key: q.Key, Name: q.Name, Count: q.count(counts), More: q.more(counts), Current: q.Key == current})
	}
	return tabs
}
