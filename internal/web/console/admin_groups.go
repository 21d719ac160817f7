package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// The support groups' administration (issue 18): which groups are the Service Desk's first line,
// for the first-contact resolution and first-line fix report. The mark counts as it is when a
// report runs; changing it is audited (group.first_line).

func (c *Console) adminGroupRoutes() []route {
	return []route{
		{"GET", "/admin/groups", access.Administer, c.adminGroups},
		{"POST", "/admin/groups/{id}/first-line", access.Administer, c.setFirstLine},
	}
}

// adminGroupsPage lists the support groups with their first-line mark.
type adminGroupsPage struct {
	page
	Groups []desk.Group
	Done   string // what the last change did
}

func (c *Console) adminGroups(w http.ResponseWriter, r *http.Request, v *visit) error {
	p := adminGroupsPage{page: c.page(v, "Support groups")}
	p.Section = "groups"
	var err error
	if p.Groups, err = c.Store.Groups(r.Context()); err != nil {
		return err
	}
	if id := r.URL.Query().Get("done"); id != "" {
		for _, g := range p.Groups {
			if strconv.FormatInt(g.ID, 10) == id {
				p.Done = g.Name + " is no longer a first-line group."
				if g.FirstLine {
					p.Done = g.Name + " is now a first-line group."
				}
			}
		}
	}
	return c.render(w, r, http.StatusOK, "admingroups", p)
}

// setFirstLine marks group id a first-line group (first_line=yes) or not (first_line=no).
func (c *Console) setFirstLine(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "there is no support group %q", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	var first bool
	switch r.PostForm.Get("first_line") {
	case "yes":
		first = true
	case "no":
	default:
		return desk.Invalid("the group cannot be changed", map[string]string{"first_line": "Choose whether the group is a first-line group: yes or no."})
	}
	if _, err := c.Store.SetGroupFirstLine(r.Context(), v.Actor, id, first); err != nil {
		return err
	}
	return seeOther(w, r, "/admin/groups?done="+strconv.FormatInt(id, 10))
}
