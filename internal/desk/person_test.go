package desk_test

import (
	"strings"
	"testing"

	"calldesk/internal/desk"
)

func TestPersonValidate(t *testing.T) {
	ok := desk.Person{FirstName: "Jane", LastName: "Smith", Username: "jsmith", Email: "jane.smith@uni.example",
		Kind: desk.Student, StudentNumber: "20231234", Phone: "01234 567890"}
	with := func(f func(p *desk.Person)) desk.Person {
		p := ok
		f(&p)
		return p
	}
	tests := []struct {
		name   string
		p      desk.Person
		fields []string
	}{
		{"valid", ok, nil},
		{"first name only", with(func(p *desk.Person) { p.LastName = "" }), nil},
		{"no name", with(func(p *desk.Person) { p.FirstName, p.LastName = " ", "" }), []string{"last_name"}},
		{"first name too long", with(func(p *desk.Person) { p.FirstName = strings.Repeat("a", 101) }), []string{"first_name"}},
		{"last name too long", with(func(p *desk.Person) { p.LastName = strings.Repeat("a", 101) }), []string{"last_name"}},
		{"bad email", with(func(p *desk.Person) { p.Email = "jane.smith" }), []string{"email"}},
		{"email with a display name", with(func(p *desk.Person) { p.Email = "Jane <jane@uni.example>" }), []string{"email"}},
		{"two emails", with(func(p *desk.Person) { p.Email = "a@uni.example, b@uni.example" }), []string{"email"}},
		{"unknown kind", with(func(p *desk.Person) { p.Kind = "alumnus" }), []string{"kind"}},
		{"unknown source", with(func(p *desk.Person) { p.Source = "rumour" }), []string{"source"}},
		{"own manager", with(func(p *desk.Person) { p.ID, p.ManagerID = 4, 4 }), []string{"manager_id"}},
		{"several", with(func(p *desk.Person) { p.FirstName, p.LastName, p.Email, p.Kind = "", "", "x", "y" }), []string{"last_name", "email", "kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			err := p.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := desk.AsError(err)
			if e == nil || e.Code != desk.EINVALID {
				t.Fatalf("got %v, want EINVALID", err)
			}
			var got []string
			for k := range e.Fields {
				got = append(got, k)
			}
			if !sameSet(got, tt.fields) {
				t.Errorf("field errors %v, want %v", e.Fields, tt.fields)
			}
		})
	}
}

func TestPersonDefaultsAndName(t *testing.T) {
	p := desk.Person{FirstName: "  Jane ", LastName: " Smith", Email: " jane@uni.example "}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Kind != desk.Staff || p.Source != desk.FromManual || p.Name() != "Jane Smith" || p.Email != "jane@uni.example" {
		t.Errorf("got %+v name %q", p, p.Name())
	}
	if (desk.Person{LastName: "Cher"}).Name() != "Cher" {
		t.Error("a single name has spaces around it")
	}
	snap := desk.SnapshotOf(desk.Person{FirstName: "Dan", LastName: "Dawson", Username: "dd", Email: "d@uni.example",
		StudentNumber: "2023", Department: "Maths", Phone: "01234 567890", JobTitle: "Student", Kind: desk.Student})
	want := desk.Snapshot{Name: "Dan Dawson", Username: "dd", Email: "d@uni.example", StudentNumber: "2023",
		Department: "Maths", Phone: "01234 567890", JobTitle: "Student", Kind: "student"}
	if snap != want {
		t.Errorf("SnapshotOf = %+v, want %+v", snap, want)
	}
}

func TestGroupValidate(t *testing.T) {
	tests := []struct {
		g     desk.Group
		field string
	}{
		{desk.Group{Name: "Networks"}, ""},
		{desk.Group{Name: "AV", Mailbox: "av@uni.example"}, ""},
		{desk.Group{Name: "  "}, "name"},
		{desk.Group{Name: "AV", Mailbox: "not a mailbox"}, "mailbox"},
	}
	for _, tt := range tests {
		err := tt.g.Validate()
		if tt.field == "" && err != nil || tt.field != "" && desk.AsError(err).Fields[tt.field] == "" {
			t.Errorf("%+v: %v, want field %q", tt.g, err, tt.field)
		}
	}
}

func TestRolesAndAccounts(t *testing.T) {
	for _, r := range desk.AllRoles() {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	if desk.Role("root").Valid() {
		t.Error("root is a role")
	}
	a := desk.Account{Roles: []desk.Role{desk.RoleCustomer}}
	if !a.Has(desk.RoleCustomer) || a.Has(desk.RoleAdmin) {
		t.Errorf("customer account: %v", a.Roles)
	}
	a.Roles = append(a.Roles, desk.RoleSupportAnalyst)
	if !a.Has(desk.RoleSupportAnalyst) || !a.Has(desk.RoleCustomer) {
		t.Errorf("support analyst: %v", a.Roles)
	}
}
