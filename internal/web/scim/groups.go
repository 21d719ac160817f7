package scim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/store"
)

const schemaGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"

// group is a SCIM Group.
type group struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	Members     []member `json:"members"`
	Meta        *meta    `json:"meta,omitempty"`
}

type member struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}

func (s *Service) groupOf(g store.DirectoryGroup) group {
	out := group{Schemas: []string{schemaGroup}, ID: strconv.FormatInt(g.ID, 10), ExternalID: g.ExternalID, DisplayName: g.DisplayName,
		Members: []member{}, Meta: &meta{ResourceType: "Group", Created: g.CreatedAt.Format(time.RFC3339), LastModified: g.UpdatedAt.Format(time.RFC3339),
			Location: strings.TrimSuffix(s.BaseURL, "/") + prefix + "Groups/" + strconv.FormatInt(g.ID, 10), Version: `W/"` + strconv.FormatInt(g.Version, 10) + `"`}}
	for _, m := range g.Members {
		out.Members = append(out.Members, member{Value: strconv.FormatInt(m, 10)})
	}
	return out
}

// memberIDs reads members' values as users of this service.
func memberIDs(ms []member) ([]int64, error) {
	out := make([]int64, 0, len(ms))
	for _, m := range ms {
		id, err := strconv.ParseInt(strings.TrimSpace(m.Value), 10, 64)
		if err != nil {
			return nil, scimErr(http.StatusBadRequest, "invalidValue", "member "+m.Value+" is not a user of this service")
		}
		out = append(out, id)
	}
	return out, nil
}

func (s *Service) groupID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, scimErr(http.StatusNotFound, "", "there is no group "+r.PathValue("id"))
	}
	return id, nil
}

func (s *Service) getGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := s.groupID(r)
	if err != nil {
		return err
	}
	g, err := s.Store.DirectoryGroup(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.groupOf(g))
	return nil
}

var groupFilterRe = regexp.MustCompile(`(?i)^\s*(displayName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$`)

func (s *Service) listGroups(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var name, ext string
	if f := q.Get("filter"); f != "" {
		m := groupFilterRe.FindStringSubmatch(f)
		if m == nil {
			return scimErr(http.StatusBadRequest, "invalidFilter", `only filters displayName eq "…" and externalId eq "…" are supported`)
		}
		v := strings.ReplaceAll(strings.ReplaceAll(m[2], `\"`, `"`), `\\`, `\`)
		if strings.EqualFold(m[1], "displayName") {
			name = v
		} else {
			ext = v
		}
	}
	start, count := paging(r)
	gs, total, err := s.Store.DirectoryGroups(r.Context(), name, ext, start-1, count)
	if err != nil {
		return err
	}
	res := make([]group, len(gs))
	for i, g := range gs {
		res[i] = s.groupOf(g)
	}
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{schemaList}, "totalResults": total, "startIndex": start,
		"itemsPerPage": len(res), "Resources": res})
	return nil
}

func (s *Service) createGroup(w http.ResponseWriter, r *http.Request) error {
	var g group
	if err := decode(r, &g); err != nil {
		return err
	}
	members, err := memberIDs(g.Members)
	if err != nil {
		return err
	}
	out, err := s.Store.CreateDirectoryGroup(r.Context(), s.source(), g.DisplayName, g.ExternalID, members)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.groupOf(out))
	return nil
}

func (s *Service) replaceGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := s.groupID(r)
	if err != nil {
		return err
	}
	var g group
	if err := decode(r, &g); err != nil {
		return err
	}
	members, err := memberIDs(g.Members)
	if err != nil {
		return err
	}
	out, err := s.Store.UpdateDirectoryGroup(r.Context(), s.source(), id, store.GroupChange{DisplayName: g.DisplayName, Replace: true, Members: members})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.groupOf(out))
	return nil
}

var memberPath = regexp.MustCompile(`(?i)^members\[value eq "([^"]*)"\]$`)

// patchGroup applies Entra's and Okta's group operations: replace displayName; add, remove or
// replace members (remove by a filtered path or by a value list).
func (s *Service) patchGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := s.groupID(r)
	if err != nil {
		return err
	}
	var body struct {
		Operations []patchOp `json:"Operations"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Operations) == 0 {
		return scimErr(http.StatusBadRequest, "invalidValue", "the PATCH has no Operations")
	}
	var ch store.GroupChange
	for _, op := range body.Operations {
		o, path := strings.ToLower(op.Op), strings.TrimSpace(op.Path)
		var ms []member
		switch {
		case (o == "add" || o == "replace") && path == "":
			var attrs struct {
				DisplayName string   `json:"displayName"`
				Members     []member `json:"members"`
			}
			if err := json.Unmarshal(op.Value, &attrs); err != nil {
				return scimErr(http.StatusBadRequest, "invalidValue", "an operation without a path needs an object of attributes")
			}
			ch.DisplayName = attrs.DisplayName
			ms = attrs.Members
			if err := addMembers(&ch, o == "replace" && attrs.Members != nil, ms); err != nil {
				return err
			}
		case (o == "add" || o == "replace") && strings.EqualFold(path, "displayName"):
			if err := json.Unmarshal(op.Value, &ch.DisplayName); err != nil {
				return scimErr(http.StatusBadRequest, "invalidValue", "displayName must be a string")
			}
		case (o == "add" || o == "replace") && strings.EqualFold(path, "members"):
			if err := json.Unmarshal(op.Value, &ms); err != nil {
				return scimErr(http.StatusBadRequest, "invalidValue", "members must be a list of {\"value\": user id}")
			}
			if err := addMembers(&ch, o == "replace", ms); err != nil {
				return err
			}
		case o == "remove" && memberPath.MatchString(path):
			ids, err := memberIDs([]member{{Value: memberPath.FindStringSubmatch(path)[1]}})
			if err != nil {
				return err
			}
			ch.Remove = append(ch.Remove, ids...)
		case o == "remove" && strings.EqualFold(path, "members"):
			if len(op.Value) == 0 {
				ch.Replace, ch.Members = true, nil
				continue
			}
			if err := json.Unmarshal(op.Value, &ms); err != nil {
				return scimErr(http.StatusBadRequest, "invalidValue", "members must be a list of {\"value\": user id}")
			}
			ids, err := memberIDs(ms)
			if err != nil {
				return err
			}
			ch.Remove = append(ch.Remove, ids...)
		default:
			return scimErr(http.StatusBadRequest, "invalidPath", "calldesk does not keep "+op.Op+" "+op.Path+" of a group")
		}
	}
	out, err := s.Store.UpdateDirectoryGroup(r.Context(), s.source(), id, ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.groupOf(out))
	return nil
}

func addMembers(ch *store.GroupChange, replace bool, ms []member) error {
	ids, err := memberIDs(ms)
	if err != nil {
		return err
	}
	if replace {
		ch.Replace, ch.Members = true, ids
		return nil
	}
	ch.Add = append(ch.Add, ids...)
	return nil
}

func (s *Service) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := s.groupID(r)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteDirectoryGroup(r.Context(), s.source(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
