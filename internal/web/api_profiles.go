package web

import "net/http"

// profileJSON is one node of the problem-profile tree.
type profileJSON struct {
	ID              int64  `json:"id"`
	ParentID        int64  `json:"parent_id,omitzero"`
	Name            string `json:"name"`
	Path            string `json:"path"`
	DefaultGroupID  int64  `json:"default_group_id,omitzero"`
	DefaultPriority string `json:"default_priority"`
}

// profileList is the whole profile tree, parents before their children.
type profileList struct {
	Profiles []profileJSON `json:"profiles"`
}

// listProfiles returns the problem-profile tree in path order.
func (s *Server) listProfiles(w http.ResponseWriter, r *http.Request, _ *caller) error {
	profiles, err := s.Store.Profiles(r.Context())
	if err != nil {
		return err
	}
	out := profileList{Profiles: make([]profileJSON, len(profiles))}
	for i, p := range profiles {
		out.Profiles[i] = profileJSON{ID: p.ID, ParentID: p.ParentID, Name: p.Name, Path: p.Path,
			DefaultGroupID: p.DefaultGroupID, DefaultPriority: p.DefaultPriority.String()}
	}
	return writeJSON(w, http.StatusOK, out)
}
