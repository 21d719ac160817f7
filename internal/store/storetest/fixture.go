package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
)

// Fixture is a small desk: two groups, three analysts, two customers and a profile tree.
type Fixture struct {
	ServiceDesk, Networks desk.Group
	Ann, Bob, Cat         desk.Person // analysts: Ann and Bob in Service Desk, Cat in Networks
	Dan, Eve              desk.Person // customers: Dan a student, Eve staff
	Software, Email       desk.Profile
	Outlook, Wifi         desk.Profile
	Admin                 desk.Actor
}

// Actor returns an actor for a person.
func Actor(p desk.Person) desk.Actor {
	return desk.Actor{PersonID: p.ID, Name: p.Name(), Addr: "127.0.0.1"}
}

// Seed fills s with the fixture.
func Seed(t testing.TB, s *store.Store) Fixture {
	t.Helper()
	ctx := context.Background()
	var f Fixture
	f.Admin = desk.Actor{Name: "test setup"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	var err error
	f.ServiceDesk, err = s.CreateGroup(ctx, f.Admin, desk.Group{Name: "Service Desk", Mailbox: "servicedesk@uni.example"})
	must(err)
	f.Networks, err = s.CreateGroup(ctx, f.Admin, desk.Group{Name: "Networks"})
	must(err)
	person := func(first, last, user string, kind desk.PersonKind, sn string) desk.Person {
		p, err := s.CreatePerson(ctx, f.Admin, desk.Person{FirstName: first, LastName: last, Username: user,
			Email: user + "@uni.example", Kind: kind, StudentNumber: sn, Department: "Computing", Phone: "01234 567890"})
		must(err)
		return p
	}
	f.Ann = person("Ann", "Archer", "aarcher", desk.Staff, "")
	f.Bob = person("Bob", "Baker", "bbaker", desk.Staff, "")
	f.Cat = person("Cat", "Carter", "ccarter", desk.Staff, "")
	f.Dan = person("Dan", "Dawson", "ddawson", desk.Student, "20231234")
	f.Eve = person("Eve", "Evans", "eevans", desk.Staff, "")
	must(s.AddMember(ctx, f.Admin, f.ServiceDesk.ID, f.Ann.ID))
	must(s.AddMember(ctx, f.Admin, f.ServiceDesk.ID, f.Bob.ID))
	must(s.AddMember(ctx, f.Admin, f.Networks.ID, f.Cat.ID))
	f.Software, err = s.CreateProfile(ctx, f.Admin, desk.Profile{Name: "Software", DefaultGroupID: f.ServiceDesk.ID, DefaultPriority: 3})
	must(err)
	f.Email, err = s.CreateProfile(ctx, f.Admin, desk.Profile{Name: "Email", ParentID: f.Software.ID, DefaultGroupID: f.ServiceDesk.ID, DefaultPriority: 3})
	must(err)
	f.Outlook, err = s.CreateProfile(ctx, f.Admin, desk.Profile{Name: "Outlook", ParentID: f.Email.ID, DefaultGroupID: f.ServiceDesk.ID, DefaultPriority: 2})
	must(err)
	f.Wifi, err = s.CreateProfile(ctx, f.Admin, desk.Profile{Name: "Wi-Fi", DefaultGroupID: f.Networks.ID, DefaultPriority: 2})
	must(err)
	return f
}

// ServiceLevels gives the fixture's groups a Monday-to-Friday 08:00-18:00 calendar
// (Europe/London, England and Wales bank holidays; the desk's default, being the first) and a
// rule for each of P2 to P4 ("P2 standard"...): respond within 4h, resolve within 30h, both
// paused on hold and pending. P1 has no rule, so a P1 call has no target. It returns the
// calendar and the rules, P2 first.
func ServiceLevels(t testing.TB, s *store.Store, f Fixture) (store.SLACalendar, []store.SLARule) {
	t.Helper()
	ctx := context.Background()
	cal, err := s.CreateCalendar(ctx, f.Admin, store.SLACalendar{Spec: sla.Spec{Name: "Desk hours", Zone: "Europe/London",
		Region: sla.EnglandAndWales, Week: sla.MondayToFriday(sla.Hours("08:00", "18:00"))}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	pause := []desk.State{desk.OnHold, desk.Pending}
	var rules []store.SLARule
	for p := desk.Priority(2); p <= 4; p++ {
		r, err := s.CreateRule(ctx, f.Admin, store.SLARule{Rule: sla.Rule{Name: fmt.Sprintf("%s standard", p), Priority: p,
			RespondOn: sla.FirstPublicAction, Respond: sla.Target{Within: 4 * time.Hour, PauseIn: pause},
			Resolve: sla.Target{Within: 30 * time.Hour, PauseIn: pause}}}, "test")
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	if _, err := s.SetCalendarUses(ctx, f.Admin, store.CalendarUses{Groups: map[int64]int64{f.ServiceDesk.ID: cal.ID, f.Networks.ID: cal.ID}}, "test"); err != nil {
		t.Fatal(err)
	}
	return cal, rules
}
