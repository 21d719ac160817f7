package web_test

import (
	"slices"
	"testing"
	"time"
)

func TestPeople(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		type list struct {
			People []apiPerson `json:"people"`
			Total  int         `json:"total"`
			Limit  int         `json:"limit"`
			Offset int         `json:"offset"`
		}
		dan := e.f.Dan.ID
		for _, tc := range []struct {
			query string
			want  []int64
		}{
			{"q=dan", []int64{dan}},                   // first name start
			{"q=Dawson", []int64{dan}},                // last name start
			{"q=dan+daw", []int64{dan}},               // full name start
			{"q=ddawson", []int64{dan}},               // username
			{"q=DDawson%40uni.example", []int64{dan}}, // email, any case
			{"q=20231234", []int64{dan}},              // student number
			{"q=nobody", []int64{}},
			{"kind=student", []int64{dan}},
			{"q=a&kind=staff", []int64{e.f.Ann.ID}}, // Archer; nobody else's name starts with a
			{"limit=2", []int64{e.f.Ann.ID, e.f.Bob.ID}},
		} {
			var got list
			e.ok(e.req("GET", "/api/v1/people?"+tc.query, nil), 200, &got)
			ids := []int64{}
			for _, p := range got.People {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("?%s: got %v, want %v", tc.query, ids, tc.want)
			}
		}
		var page list
		e.ok(e.req("GET", "/api/v1/people?limit=2&offset=1", nil), 200, &page)
		if page.Total != 5 || page.Limit != 2 || page.Offset != 1 || len(page.People) != 2 || page.People[0].ID != e.f.Bob.ID {
			t.Fatalf("page %+v", page)
		}
		// A search shows the people it finds: one audit record names them all.
		e.ok(e.req("GET", "/api/v1/people?q=20231234", nil), 200, nil)
		recs := e.audits("person", "")
		if len(recs) == 0 || recs[0].Action != "person.search" || !slices.Equal(recs[0].Persons, []int64{dan}) ||
			recs[0].ActorID != e.f.Ann.ID || recs[0].ClientAddr != "127.0.0.1" {
			t.Fatalf("search audit %+v", recs)
		}

		var p apiPerson
		e.ok(e.req("GET", "/api/v1/people/"+id(dan), nil), 200, &p)
		if p.ID != dan || p.Name != "Dan Dawson" || p.StudentNumber != "20231234" || p.Kind != "student" || !p.Active ||
			p.Source != "manual" || p.Email != "ddawson@uni.example" || p.Version != 1 {
			t.Fatalf("person %+v", p)
		}
		recs = e.audits("person", id(dan))
		v := recs[0]
		if v.Action != "person.view" || v.ActorID != e.f.Ann.ID || v.ClientAddr != "127.0.0.1" ||
			!slices.Equal(v.Persons, []int64{dan}) || !v.At.Equal(e.clock.Now()) {
			t.Fatalf("read audit %+v", recs)
		}
	})
}

func TestGroupsAndProfiles(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		var groups struct {
			Groups []struct {
				ID        int64     `json:"id"`
				Name      string    `json:"name"`
				Mailbox   string    `json:"mailbox"`
				CreatedAt time.Time `json:"created_at"`
				FirstLine bool      `json:"first_line"`
			} `json:"groups"`
		}
		e.ok(e.req("GET", "/api/v1/groups", nil), 200, &groups)
		if len(groups.Groups) != 2 || groups.Groups[0].Name != "Networks" || groups.Groups[1].Name != "Service Desk" ||
			groups.Groups[1].Mailbox != "servicedesk@uni.example" || groups.Groups[1].ID != e.f.ServiceDesk.ID {
			t.Fatalf("groups %+v", groups)
		}
		var profiles struct {
			Profiles []struct {
				ID              int64  `json:"id"`
				ParentID        int64  `json:"parent_id"`
				Name            string `json:"name"`
				Path            string `json:"path"`
				DefaultGroupID  int64  `json:"default_group_id"`
				DefaultPriority string `json:"default_priority"`
			} `json:"profiles"`
		}
		e.ok(e.req("GET", "/api/v1/profiles", nil), 200, &profiles)
		var paths []string
		for _, p := range profiles.Profiles {
			paths = append(paths, p.Path)
		}
		if !slices.Equal(paths, []string{"Software", "Software > Email", "Software > Email > Outlook", "Wi-Fi"}) {
			t.Fatalf("paths %v", paths)
		}
		o := profiles.Profiles[2]
		if o.ID != e.f.Outlook.ID || o.ParentID != e.f.Email.ID || o.DefaultGroupID != e.f.ServiceDesk.ID || o.DefaultPriority != "P2" {
			t.Fatalf("outlook %+v", o)
		}
	})
}
