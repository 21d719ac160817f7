package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func (p *Portal) myCallsRoutes() []route {
	return []route{{"GET", prefix + "{$}", false, p.myCalls}}
}

// myCallsLimit is how many of a person's calls the list shows.
const myCallsLimit = 200

// myCallsPage lists the signed-in person's calls: open ones first, then the rest, each most
// recently updated first.
type myCallsPage struct {
	page
	Open, Done []callRow
	Notice     string
}

// callRow is one line of the list with its words made in Go, once: with 200 lines, calling the
// template's functions for each line was a third of the page's server time.
type callRow struct {
	Href, Summary, Status, Updated string
}

func (p *Portal) callRow(c desk.Call) callRow {
	return callRow{Href: prefix + "calls/" + url.PathEscape(c.Ref), Summary: c.Summary, Status: statusWords(c.State),
		Updated: p.when(c.UpdatedAt)}
}

func (p *Portal) myCalls(w http.ResponseWriter, r *http.Request, v *visit) error {
	res, err := p.Store.FindCallsPage(r.Context(), store.CallFilter{CustomerID: v.Person.ID, Sort: "updated",
		Limit: myCallsLimit, NoTotal: true, Brief: true})
	if err != nil {
		return err
	}
	pg := myCallsPage{page: p.page(v, "My calls")}
	pg.Section = "calls"
	var open []desk.Call
	for _, c := range res.Calls {
		if isOpen(c.State) {
			open = append(open, c)
		} else {
			pg.Done = append(pg.Done, p.callRow(c))
		}
	}
	// Those that wait for the person come first among the open ones.
	slices.SortStableFunc(open, func(a, b desk.Call) int { return waitRank(a.State) - waitRank(b.State) })
	for _, c := range open {
		pg.Open = append(pg.Open, p.callRow(c))
	}
	if r.URL.Query().Get("done") == "withdrawn" {
		pg.Notice = "Your call has been withdrawn."
	}
	if len(res.Calls) > 0 {
		refs := make([]string, len(res.Calls))
		for i, c := range res.Calls {
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

// auditRead queues the audit record of a page showing personal data (P2).
func (p *Portal) auditRead(v *visit, action, objectType, objectID string, persons []int64, detail string) error {
	return p.Audit.Add(desk.AuditRecord{At: p.now(), ActorID: v.Actor.PersonID, Actor: v.Actor.Name, Action: action,
		ObjectType: objectType, ObjectID: objectID, Persons: persons, ClientAddr: v.Actor.Addr, Detail: detail})
}
