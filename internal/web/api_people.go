package web

import (
	"net/http"
	"strconv"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// personJSON is a person's record as the API shows it.
type personJSON struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	FirstName     string          `json:"first_name"`
	LastName      string          `json:"last_name"`
	Username      string          `json:"username,omitzero"`
	Email         string          `json:"email,omitzero"`
	StudentNumber string          `json:"student_number,omitzero"`
	Department    string          `json:"department,omitzero"`
	Phone         string          `json:"phone,omitzero"`
	JobTitle      string          `json:"job_title,omitzero"`
	ManagerID     int64           `json:"manager_id,omitzero"`
	Kind          desk.PersonKind `json:"kind"`
	Active        bool            `json:"active"`
	Source        desk.Source     `json:"source"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Version       int64           `json:"version"`
}

func personOf(p desk.Person) personJSON {
	return personJSON{ID: p.ID, Name: p.Name(), FirstName: p.FirstName, LastName: p.LastName, Username: p.Username,
		Email: p.Email, StudentNumber: p.StudentNumber, Department: p.Department, Phone: p.Phone, JobTitle: p.JobTitle,
		ManagerID: p.ManagerID, Kind: p.Kind, Active: p.Active, Source: p.Source, CreatedAt: p.CreatedAt,
		UpdatedAt: p.UpdatedAt, Version: p.Version}
}

// personList is a page of people.
type personList struct {
	People []personJSON `json:"people"`
	Total  int          `json:"total"`
	Limit  int          `json:"limit"`
	Offset int          `json:"offset"`
}

// listPeople searches people by the start of a name, or exactly by username, email, student
// number or phone. The people it shows are recorded in one audit record (person.search), so each
// of them can learn who has seen their details.
func (s *Server) listPeople(w http.ResponseWriter, r *http.Request, c *caller) error {
	q := r.URL.Query()
	p := params{q: q}
	p.known("q", "kind", "active", "limit", "offset")
	f := store.PersonFilter{Query: q.Get("q")}
	if len(f.Query) > 200 {
		p.bad("q", "is longer than 200 characters; give the start of a name, or a username, email, student number or phone")
	}
	if v := q.Get("kind"); v != "" {
		if f.Kind = desk.PersonKind(v); !f.Kind.Valid() {
			p.bad("kind", "%q is not a kind of person; give staff, student, partner or visitor", v)
		}
	}
	switch v := q.Get("active"); v {
	case "":
	case "true", "false":
		active := v == "true"
		f.Active = &active
	default:
		p.bad("active", "%q is not accepted; give true or false", v)
	}
	f.Limit, f.Offset = p.page(25, 500)
	if err := p.err(); err != nil {
		return err
	}
	people, total, err := s.Store.FindPeople(r.Context(), f)
	if err != nil {
		return err
	}
	out := personList{People: make([]personJSON, len(people)), Total: total, Limit: f.Limit, Offset: f.Offset}
	ids := make([]int64, len(people))
	for i, person := range people {
		out.People[i], ids[i] = personOf(person), person.ID
	}
	if len(ids) > 0 {
		if err := s.auditReadOf(c, "person.search", "person", "", ids, "searched people for "+strconv.Quote(f.Query)); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// showPerson returns a person's record and records the read in the audit trail (P2).
func (s *Server) showPerson(w http.ResponseWriter, r *http.Request, c *caller) error {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person id: ids are positive whole numbers, as GET %speople?q=... shows", v, APIPrefix)
	}
	person, err := s.Store.FindPerson(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.auditRead(c, "person.view", "person", strconv.FormatInt(id, 10), id, "viewed the person's record"); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, personOf(person))
}
