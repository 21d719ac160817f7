package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// groupJSON is a support group.
type groupJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Mailbox   string    `json:"mailbox,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	FirstLine bool      `json:"first_line"`
}

// groupList is every support group.
type groupList struct {
	Groups []groupJSON `json:"groups"`
}

// listGroups returns every support group by name.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, _ *caller) error {
	groups, err := s.Store.Groups(r.Context())
	if err != nil {
		return err
	}
	out := groupList{Groups: make([]groupJSON, len(groups))}
	for i, g := range groups {
		out.Groups[i] = groupOf(g)
	}
	return writeJSON(w, http.StatusOK, out)
}

// groupLeads is a group's leads: who a notify_leads escalation point emails (issue 17).
type groupLeads struct {
	GroupID int64   `json:"group_id"`
	Leads   []int64 `json:"leads"`
}

// setGroupLead makes the member person_id of group group_id one of its leads (PUT) or not
// (DELETE), audited, and returns the group's leads. Administrators only.
func (s *Server) setGroupLead(lead bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		ids := map[string]int64{}
		for _, name := range []string{"group_id", "person_id"} {
			v := r.PathValue(name)
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return desk.Errorf(desk.ENOTFOUND, "%q is not a %s: ids are positive whole numbers", v, strings.ReplaceAll(name, "_", " "))
			}
			ids[name] = id
		}
		if _, err := s.Store.SetGroupLead(r.Context(), c.Actor, ids["group_id"], ids["person_id"], lead); err != nil {
			return err
		}
		leads, err := s.Store.GroupLeads(r.Context(), ids["group_id"])
		if err != nil {
			return err
		}
		if leads == nil {
			leads = []int64{}
		}
		return writeJSON(w, http.StatusOK, groupLeads{GroupID: ids["group_id"], Leads: leads})
	}
}

func groupOf(g desk.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Mailbox: g.Mailbox, CreatedAt: g.CreatedAt, FirstLine: g.FirstLine}
}

// setGroupFirstLine marks group group_id a first-line group of the Service Desk (PUT) or not
// (DELETE), audited, and returns the group (issue 18: the first-contact report). Administrators only.
func (s *Server) setGroupFirstLine(first bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		v := r.PathValue("group_id")
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return desk.Errorf(desk.ENOTFOUND, "%q is not a group id: ids are positive whole numbers", v)
		}
		g, err := s.Store.SetGroupFirstLine(r.Context(), c.Actor, id, first)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, groupOf(g))
	}
}
