package portal

import (
	"net/http"
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
	Open, Done []desk.Call
	Notice     string
}

func (p *Portal) myCalls(w http.ResponseWriter, r *http.Request, v *visit) error {
	res, err := p.Store.FindCallsPage(r.Context(), store.CallFilter{CustomerID: v.Person.ID, Sort: "updated",
		Limit: myCallsLimit, NoTotal: true, Brief: true})
	if err != nil {
		return err
	}
	pg := myCallsPage{page: p.page(v, "My calls")}
	pg.Section = "calls"
	for _, c := range res.Calls {
		if isOpen(c.State) {
			pg.Open = append(pg.Open, c)
		} else {
			pg.Done = append(pg.Done, c)
		}
	}
	// Those that wait for the person come first among the open ones.
	slices.SortStableFunc(pg.Open, func(a, b desk.Call) int { return waitRank(a.State) - waitRank(b.State) })
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
