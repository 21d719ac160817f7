package portal

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// seenPageSize is how many records a page of "who has seen my data" lists.
const seenPageSize = 50

// seenRow is one record, in words for the person, or several views folded into one line.
type seenRow struct {
	When, Who, What, Via string
	// Times is how many views of the same thing (one action, one detail) by the same viewer
	// through the same surface the row folds (0 or 1: one record), From and To the times of the first and the last.
	Times    int
	From, To string

	first, last time.Time
	key         string
}

// foldWindow is how far apart the first and the last of the views one row folds may be.
const foldWindow = 10 * time.Minute

// isView reports whether the record is a look at data, which repeats (a page opened again and
// again), rather than a change, which is always a line of its own.
func isView(r desk.AuditRecord) bool {
	return strings.HasSuffix(r.Action, ".view") || strings.HasSuffix(r.Action, ".search") ||
		strings.HasSuffix(r.Action, ".list") || strings.HasSuffix(r.Action, ".audit")
}

// seenRows turns records (newest first) into rows, folding the views of the same thing by the
// same viewer through the same surface within foldWindow into one row with their count. The same
// thing is the same action on the same object with the same detail: "viewed the diary" and
// "viewed the call and its diary" are both call.view, yet not one thing seen twice.
func (p *Portal) seenRows(recs []desk.AuditRecord, me int64) []seenRow {
	var rows []seenRow
	open := map[string]int{} // fold key -> index of the row still taking views
	for _, rec := range recs {
		who := rec.Actor
		if rec.ActorID == me {
			who = "You"
		}
		row := seenRow{When: p.when(rec.At), Who: who, What: rec.What(), Via: rec.Channel(), Times: 1, first: rec.At, last: rec.At}
		if isView(rec) {
			row.key = strings.Join([]string{strconv.FormatInt(rec.ActorID, 10), rec.Actor, rec.Action, rec.Detail, rec.ObjectType, rec.ObjectID, row.Via}, "\x00")
			if i, ok := open[row.key]; ok && rows[i].last.Sub(rec.At) <= foldWindow {
				rows[i].Times++
				rows[i].first = rec.At
				continue
			}
			open[row.key] = len(rows)
		}
		rows = append(rows, row)
	}
	for i := range rows {
		if rows[i].Times > 1 {
			rows[i].From, rows[i].To = p.clock(rows[i].first), p.clock(rows[i].last)
		}
	}
	return rows
}

// clock is the time of day of t in the desk's zone, with its abbreviation ("10:02 BST").
func (p *Portal) clock(t time.Time) string { return p.zone().Clock(t) }

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
	page.Rows = p.seenRows(recs, v.Person.ID)
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
