package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/store"
)

// TestSavedViewsInTheSideBar (issue 16): an analyst saves a queue's filters and sort under a
// name from the queue page; the view is in the side bar (current when open), opens the queue so
// filtered, is shared with a group's members when asked, and is renamed and deleted by its owner
// only. A refused save follows the error pattern.
func TestSavedViewsInTheSideBar(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		f := e.f
		e.call("Printer jam", f.ServiceDesk.ID)
		ann, bob, cat := e.signIn(f.Ann), e.signIn(f.Bob), e.signIn(f.Cat)
		q := ann.get("/queues/groups?sort=oldest&priority=3&page=2").must(t, http.StatusOK)
		q.has(t, "Saved views", `action="/views"`, `name="queue" value="groups"`, `name="query" value="priority=3&amp;sort=oldest"`,
			`<option value="`+strconv.FormatInt(f.ServiceDesk.ID, 10)+`">Service Desk</option>`)
		r := ann.post("/views", url.Values{"name": {"Oldest P3s"}, "queue": {"groups"}, "query": {"priority=3&sort=oldest&page=2&evil=1"}}).must(t, http.StatusSeeOther)
		if r.location != "/queues/groups?priority=3&sort=oldest" {
			t.Fatalf("saving opens %q", r.location)
		}
		ann.get(r.location).must(t, http.StatusOK).has(t, `<a href="/queues/groups?priority=3&amp;sort=oldest" aria-current="page"><span dir="auto">Oldest P3s`)
		ann.get("/queues/mine").must(t, http.StatusOK).has(t, `<a href="/queues/groups?priority=3&amp;sort=oldest"><span dir="auto">Oldest P3s`)
		bob.get("/queues/mine").must(t, http.StatusOK).lacks(t, "Oldest P3s")
		// Shared with Service Desk: Bob sees it, Cat (Networks) does not.
		ann.post("/views", url.Values{"name": {"Desk unassigned"}, "queue": {"unassigned"}, "group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)}}).must(t, http.StatusSeeOther)
		bob.get("/queues/mine").must(t, http.StatusOK).has(t, "Desk unassigned", "shared with Service Desk by Ann")
		cat.get("/queues/mine").must(t, http.StatusOK).lacks(t, "Desk unassigned")
		// Refused: the same name again; a group Ann is not in.
		ann.post("/views", url.Values{"name": {"oldest p3s"}, "queue": {"mine"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "error-summary", `href="#view-name"`, "Name: you already have a view called", `aria-invalid="true" aria-describedby="view-name-err"`)
		ann.post("/views", url.Values{"name": {"Theirs"}, "queue": {"mine"}, "group_id": {strconv.FormatInt(f.Networks.ID, 10)}}).must(t, http.StatusUnprocessableEntity).
			has(t, `href="#view-group"`, "Share with: must be one of your groups")
		// Bob may not rename or delete Ann's view; Ann may.
		ann.get("/views").must(t, http.StatusOK).has(t, `action="/views/2/rename"`, `value="Desk unassigned"`)
		bob.get("/views").must(t, http.StatusOK).has(t, "Desk unassigned").lacks(t, `/rename"`)
		bob.post("/views/2/rename", url.Values{"name": {"Bob's now"}}).must(t, http.StatusNotFound)
		bob.post("/views/2/delete", nil).must(t, http.StatusNotFound)
		bob.post("/views/2/delete", url.Values{"confirm": {"yes"}}).must(t, http.StatusNotFound)
		ann.post("/views/2/rename", url.Values{"name": {""}}).must(t, http.StatusUnprocessableEntity).has(t, `href="#rename-2"`, "New name: is required")
		ann.post("/views/2/rename", url.Values{"name": {"Desk backlog"}}).must(t, http.StatusSeeOther)
		bob.get("/queues/mine").has(t, "Desk backlog").lacks(t, "Desk unassigned")
		ann.post("/views/2/delete", nil).must(t, http.StatusOK).has(t, "Delete the view “Desk backlog”?", `name="confirm" value="yes"`, `href="/views"`)
		bob.get("/queues/mine").has(t, "Desk backlog")
		ann.post("/views/2/delete", url.Values{"confirm": {"yes"}}).must(t, http.StatusSeeOther)
		bob.get("/queues/mine").lacks(t, "Desk backlog")
		if got := e.actions("saved_view"); got != "view.create view.create view.rename view.delete" {
			t.Errorf("audit of views: %q", got)
		}
	})
}

// actions lists the actions of the audit records about objects of a type, oldest first.
func (e *env) actions(objectType string) string {
	e.t.Helper()
	recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].ObjectType == objectType {
			out = append(out, recs[i].Action)
		}
	}
	return strings.Join(out, " ")
}
