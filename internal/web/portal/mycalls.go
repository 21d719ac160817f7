package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func (p *Portal) myCallsRoutes() []route {
	return []route{{"GET", prefix + "{$}", access.UsePortal, p.myCalls}}
}

// myOpenLimit bounds the unfinished calls listed (nobody has that many; a list cut there says
// so); myDoneLimit is how many finished calls a page lists, newest first, with a link to older.
const (
	myOpenLimit = 200
	myDoneLimit = 25
)

// myCallsPage lists the signed-in person's calls: every unfinished one (those waiting for the
// person first), then their latest finished ones, a page at a time.
type myCallsPage struct {
	page
	Open, Done []callRow
	// OpenCut says there were more unfinished calls than listed.
	OpenCut bool
	// Older and Newer link to the next and previous pages of finished calls ("" when none).
	Older, Newer string
}

// callRow is one line of the list with its words made in Go, once: with 200 lines, calling the
// template's functions for each line was a third of the page's server time.
type callRow struct {
	Href, Ref, Summary, Status, Updated string
	// Tag is the status's colour class (waiting, solved, finished, held or none); Priority the
	// priority in words; Hold when an on-hold call is due back ("" otherwise).
	Tag, Priority, Hold string
}

func (p *Portal) callRow(c desk.Call) callRow {
	row := callRow{Href: prefix + "calls/" + url.PathEscape(c.Ref), Ref: c.Ref, Summary: c.Summary, Status: statusWords(c.State),
		Updated: p.when(c.UpdatedAt), Tag: statusTag(c.State), Priority: priorityWords(c.Priority)}
	if c.State == desk.OnHold {
		row.Hold = p.when(c.HoldUntil)
	}
	return row
}

func (p *Portal) myCalls(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	skip, _ := strconv.Atoi(r.URL.Query().Get("finished"))
	skip = max(0, min(skip, 100_000))
	pg := myCallsPage{page: p.page(v, "My calls")}
	pg.Section = "calls"
	open, err := p.Store.FindCallsPage(ctx, store.CallFilter{CustomerID: v.Person.ID, Unfinished: true, Sort: "updated",
		Limit: myOpenLimit + 1, NoTotal: true, Brief: true})
	if err != nil {
		return err
	}
	if len(open.Calls) > myOpenLimit {
		open.Calls, pg.OpenCut = open.Calls[:myOpenLimit], true
	}
	done, err := p.Store.FindCallsPage(ctx, store.CallFilter{CustomerID: v.Person.ID, Finished: true, Sort: "updated",
		Limit: myDoneLimit + 1, Offset: skip, NoTotal: true, Brief: true})
	if err != nil {
		return err
	}
	if len(done.Calls) > myDoneLimit {
		done.Calls = done.Calls[:myDoneLimit]
		pg.Older = prefix + "?finished=" + strconv.Itoa(skip+myDoneLimit) + "#done-title"
	}
	if skip > 0 {
		pg.Newer = prefix + "?finished=" + strconv.Itoa(max(0, skip-myDoneLimit)) + "#done-title"
	}
	// Those that wait for the person come first among the unfinished ones.
	slices.SortStableFunc(open.Calls, func(a, b desk.Call) int { return waitRank(a.State) - waitRank(b.State) })
	for _, c := range open.Calls {
		pg.Open = append(pg.Open, p.callRow(c))
	}
	for _, c := range done.Calls {
		pg.Done = append(pg.Done, p.callRow(c))
	}
	listed := slices.Concat(open.Calls, done.Calls)
	if len(listed) > 0 {
		refs := make([]string, len(listed))
		for i, c := range listed {
			refs[i] = c.Ref
		}
		if err := p.auditRead(v, "call.search", "call", "", []int64{v.Person.ID},
			"portal: listed own calls "+strings.Join(refs, ", ")); err != nil {
			return err
		}
	}
	return p.render(w, r, http.StatusOK, "mycalls", pg)
}

func waitRank(s desk.State) int {
	if s == desk.Resolved || s == desk.Pending {
		return 0
	}
	return 1
}

// auditRead writes the audit record of a page showing personal data (P2), durably, before the
// page is sent; the page must not be shown when it fails.
func (p *Portal) auditRead(v *visit, action, objectType, objectID string, persons []int64, detail string) error {
	return p.Audit.Add(desk.AuditRecord{At: p.now(), ActorID: v.Actor.PersonID, Actor: v.Actor.Name, Action: action,
		ObjectType: objectType, ObjectID: objectID, Persons: persons, ClientAddr: v.Actor.Addr, Detail: detail,
		Surface: desk.SurfacePortal})
}
