package portal

import (
	"net/http"
	"strconv"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// seenPageSize is how many records a page of "who has seen my data" lists.
const seenPageSize = 50

// seenRow is one record, in words for the person.
type seenRow struct {
	When, Who, What, Via string
}

// seenPage is "Who has seen my data" (P2): every recorded look at or change of the signed-in
// person's data, newest first: who, what, when, and through which screen.
type seenPage struct {
	page
	Rows        []seenRow
	Total       int
	First, Last int
	Prev, Next  string
}

func (p *Portal) showSeen(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg = max(pg, 1)
	recs, total, err := p.Store.FindAudit(r.Context(), store.AuditFilter{PersonID: v.Person.ID, Limit: seenPageSize, Offset: (pg - 1) * seenPageSize})
	if err != nil {
		return err
	}
	page := seenPage{page: p.page(v, "Who has seen my data"), Total: total}
	page.Section = "me"
	for _, rec := range recs {
		who := rec.Actor
		if rec.ActorID == v.Person.ID {
			who = "You"
		}
		page.Rows = append(page.Rows, seenRow{When: p.when(rec.At), Who: who, What: rec.What(), Via: rec.Channel()})
	}
	if len(recs) > 0 {
		page.First, page.Last = (pg-1)*seenPageSize+1, (pg-1)*seenPageSize+len(recs)
	}
	if pg > 1 {
		page.Prev = prefix + "me/seen?page=" + strconv.Itoa(pg-1)
	}
	if page.Last < total {
		page.Next = prefix + "me/seen?page=" + strconv.Itoa(pg+1)
	}
	if err := p.auditRead(v, "person.audit", "person", strconv.FormatInt(v.Person.ID, 10), []int64{v.Person.ID},
		desk.DetailPortal+"viewed who has seen own data"); err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, "seen", page)
}
