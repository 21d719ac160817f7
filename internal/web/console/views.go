package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Saved views (issue 16): an analyst saves a queue's filters and sort under a name, for
// themselves or shared with one of their groups; the queues' side bar lists the views they see.
// /views lists them with rename and delete for their own. Every change is audited by the store.

func (c *Console) viewRoutes() []route {
	return []route{
		{"GET", "/views", access.WorkCalls, c.showViews},
		{"POST", "/views", access.WorkCalls, c.createView},
		{"POST", "/views/{id}/rename", access.WorkCalls, c.renameView},
		{"POST", "/views/{id}/delete", access.WorkCalls, c.deleteView},
	}
}

// viewKeys are the filter and sort fields a view keeps, in the order they are written.
func viewKeys() []string { return []string{"group", "analyst", "profile", "priority", "age", "sort"} }

// viewQuery keeps only a view's fields of q, encoded.
func viewQuery(q url.Values) string {
	out := url.Values{}
	for _, k := range viewKeys() {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out.Encode()
}

// viewLink is a saved view in the side bar or on /views.
type viewLink struct {
	ID         int64
	Name, URL  string
	Queue      string // the queue's name
	Shared     string // the group it is shared with, "" for the owner's alone
	Owner      string // who saved it, when not the visitor
	Mine       bool
	Current    bool
	RenameErr  string
	RenameText string
}

// savedViews lists the views the visitor sees, marking the one that is queue key with query.
func (c *Console) savedViews(ctx context.Context, v *visit, groups []int64, key, query string) ([]viewLink, error) {
	vs, err := c.Store.SavedViewsFor(ctx, v.Person.ID, groups)
	if err != nil {
		return nil, err
	}
	nm, err := c.names(ctx)
	if err != nil {
		return nil, err
	}
	qname := map[string]string{}
	for _, q := range queues() {
		qname[q.Key] = q.Name
	}
	out := make([]viewLink, 0, len(vs))
	for _, sv := range vs {
		l := viewLink{ID: sv.ID, Name: sv.Name, URL: "/queues/" + url.PathEscape(sv.Queue), Queue: qname[sv.Queue],
			Mine: sv.OwnerID == v.Person.ID, Current: sv.Queue == key && sv.Query == query}
		if sv.Query != "" {
			l.URL += "?" + sv.Query
		}
		if sv.GroupID != 0 {
			l.Shared = nm.GroupName(sv.GroupID)
		}
		if !l.Mine {
			l.Owner = nm.AnalystName(sv.OwnerID)
		}
		out = append(out, l)
	}
	return out, nil
}

// viewsPage is /views: the views the analyst sees, and the form to save one (redrawn with its
// errors after a refused save).
type viewsPage struct {
	page
	Views     []viewLink
	Groups    []desk.Group // the visitor's groups, to share a view with
	Form      viewForm
	ErrorList []fieldError
	Done      string
}

// viewForm is the form that saves a view.
type viewForm struct {
	Name, Queue, Query, Group string
	Errors                    map[string]string
}

// myGroups returns the visitor's groups' ids and records.
func (c *Console) myGroups(ctx context.Context, v *visit) ([]int64, []desk.Group, error) {
	ids, err := c.Store.GroupsOf(ctx, v.Person.ID)
	if err != nil {
		return nil, nil, err
	}
	nm, err := c.names(ctx)
	if err != nil {
		return nil, nil, err
	}
	var gs []desk.Group
	for _, g := range nm.Groups {
		if containsID(ids, g.ID) {
			gs = append(gs, g)
		}
	}
	return ids, gs, nil
}

func (c *Console) viewsPage(ctx context.Context, v *visit) (viewsPage, error) {
	ids, gs, err := c.myGroups(ctx, v)
	if err != nil {
		return viewsPage{}, err
	}
	vs, err := c.savedViews(ctx, v, ids, "", "-")
	if err != nil {
		return viewsPage{}, err
	}
	p := viewsPage{page: c.page(v, "Saved views"), Views: vs, Groups: gs, Form: viewForm{Errors: map[string]string{}}}
	p.Section = "queues"
	return p, nil
}

func (c *Console) showViews(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.viewsPage(r.Context(), v)
	if err != nil {
		return err
	}
	p.Done = map[string]string{"renamed": "The view is renamed.", "deleted": "The view is deleted."}[r.URL.Query().Get("done")]
	return c.render(w, r, http.StatusOK, "views", p)
}

// viewFieldIDs are the ids of the save form's controls on /views, by the store's field names.
func viewFieldIDs() map[string]string {
	return map[string]string{"name": "view-name", "group_id": "view-group", "queue": "view-name", "query": "view-name"}
}

// createView saves the queue's filters posted from a queue page (or /views) as a view, and opens it.
func (c *Console) createView(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	ctx := r.Context()
	f := r.PostForm
	sv := store.SavedView{OwnerID: v.Person.ID, Name: f.Get("name"), Queue: f.Get("queue")}
	q, _ := url.ParseQuery(f.Get("query"))
	sv.Query = viewQuery(q)
	fields := map[string]string{}
	known := false
	for _, d := range queues() {
		known = known || d.Key == sv.Queue
	}
	if !known {
		fields["queue"] = "is not one of the queues: save a view from a queue page"
	}
	if g := f.Get("group_id"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil || n <= 0 {
			fields["group_id"] = "is not one of the choices"
		}
		sv.GroupID = n
	}
	err := desk.Invalid("the view cannot be saved", fields)
	if err == nil {
		sv, err = c.Store.CreateSavedView(ctx, v.Actor, sv)
	}
	if err == nil {
		to := "/queues/" + sv.Queue
		if sv.Query != "" {
			to += "?" + sv.Query
		}
		return seeOther(w, r, to)
	}
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EINVALID {
		return err
	}
	p, perr := c.viewsPage(ctx, v)
	if perr != nil {
		return perr
	}
	p.Title = "Error: " + p.Title
	p.Form = viewForm{Name: f.Get("name"), Queue: sv.Queue, Query: sv.Query, Group: f.Get("group_id"), Errors: map[string]string{}}
	labels := map[string]string{"name": "Name", "group_id": "Share with", "queue": "Queue", "query": "Filters"}
	for _, k := range []string{"name", "group_id", "queue", "query"} {
		if msg, ok := de.Fields[k]; ok {
			p.Form.Errors[k] = labels[k] + ": " + msg
			p.ErrorList = append(p.ErrorList, fieldError{ID: viewFieldIDs()[k], Message: labels[k] + ": " + msg})
		}
	}
	if len(p.ErrorList) == 0 {
		p.ErrorList = []fieldError{{ID: "view-name", Message: sentence(de.Message)}}
	}
	return c.render(w, r, http.StatusUnprocessableEntity, "views", p)
}

func viewID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.Errorf(desk.ENOTFOUND, "there is no saved view %q", r.PathValue("id"))
	}
	return id, nil
}

// renameView renames one of the visitor's views.
func (c *Console) renameView(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := viewID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	_, err = c.Store.RenameSavedView(r.Context(), v.Actor, v.Person.ID, id, r.PostForm.Get("name"))
	if err == nil {
		return seeOther(w, r, "/views?done=renamed")
	}
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EINVALID {
		return err
	}
	p, perr := c.viewsPage(r.Context(), v)
	if perr != nil {
		return perr
	}
	p.Title = "Error: " + p.Title
	for i := range p.Views {
		if p.Views[i].ID == id {
			p.Views[i].RenameErr = "New name: " + de.Fields["name"]
			p.Views[i].RenameText = r.PostForm.Get("name")
			p.ErrorList = []fieldError{{ID: "rename-" + strconv.FormatInt(id, 10), Message: p.Views[i].RenameErr}}
		}
	}
	return c.render(w, r, http.StatusUnprocessableEntity, "views", p)
}

// deleteView deletes one of the visitor's views.
func (c *Console) deleteView(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := viewID(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		var name string
		vs, err := c.Store.SavedViewsFor(r.Context(), v.Person.ID, nil)
		if err != nil {
			return err
		}
		for _, sv := range vs {
			if sv.ID == id {
				name = sv.Name
			}
		}
		if name == "" {
			return desk.Errorf(desk.ENOTFOUND, "you have no saved view with id %d", id)
		}
		p := confirmPage{page: c.page(v, "Delete the view "+name+"?"), Question: "Delete the view “" + name + "”?",
			Explain: "It goes from your side bar, and from the side bar of everyone it is shared with. The calls it lists do not change.",
			Action:  "/views/" + strconv.FormatInt(id, 10) + "/delete", Button: "Yes, delete it", Back: "/views"}
		p.Section = "queues"
		return c.render(w, r, http.StatusOK, "confirmdelete", p)
	}
	if err := c.Store.DeleteSavedView(r.Context(), v.Actor, v.Person.ID, id); err != nil {
		return err
	}
	return seeOther(w, r, "/views?done=deleted")
}

// queueViews fills a queue page's saved views, its query as a view keeps it, and the groups a
// view may be shared with.
func (c *Console) queueViews(ctx context.Context, v *visit, p *queuePage) error {
	ids, gs, err := c.myGroups(ctx, v)
	if err != nil {
		return err
	}
	p.Query, p.MyGroups = viewQuery(p.Filter.values()), gs
	p.Views, err = c.savedViews(ctx, v, ids, p.Queue.Key, p.Query)
	return err
}
