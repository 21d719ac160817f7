package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// seenPageSize is how many audit records a page of "who has seen" lists.
const seenPageSize = 50

// seenPage is "who has seen this person's data" (P2), for the Data Protection Officer: every
// audit record concerning the person, newest first, with who, what, when and through which
// screen.
type seenPage struct {
	page
	Person      desk.Person
	Records     []desk.AuditRecord
	Total       int
	First, Last int
	Pager       pager
}

func (c *Console) showSeen(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person", r.PathValue("id"))
	}
	ctx := r.Context()
	person, err := c.Store.FindPerson(ctx, id)
	if err != nil {
		return err
	}
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg = pageNumber(pg)
	recs, total, err := c.Store.FindAudit(ctx, store.AuditFilter{PersonID: id, Limit: seenPageSize, Offset: (pg - 1) * seenPageSize})
	if err != nil {
		return err
	}
	p := seenPage{page: c.page(v, "Who has seen "+person.Name()+"'s data"), Person: person, Records: recs, Total: total}
	if len(recs) > 0 {
		p.First, p.Last = (pg-1)*seenPageSize+1, (pg-1)*seenPageSize+len(recs)
	}
	base := "/people/" + strconv.FormatInt(id, 10) + "/seen"
	p.Pager = newPager("Pages of records", pg, total, seenPageSize, true, pageLink(base))
	// Looking is itself a read of the person's data.
	if err := c.auditRead(v, "person.audit", "person", strconv.FormatInt(id, 10), []int64{id}, "viewed who has seen the person's data"); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "seen", p)
}
