package web

import (
	"net/http"
	"time"
)

// groupJSON is a support group.
type groupJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Mailbox   string    `json:"mailbox,omitzero"`
	CreatedAt time.Time `json:"created_at"`
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
		out.Groups[i] = groupJSON{ID: g.ID, Name: g.Name, Mailbox: g.Mailbox, CreatedAt: g.CreatedAt}
	}
	return writeJSON(w, http.StatusOK, out)
}
