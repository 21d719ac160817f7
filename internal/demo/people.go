package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// person is a demo person with what the generator needs beyond the record.
type person struct {
	desk.Person
	dept   int     // index into departments, -1 for the Vice-Chancellor's office
	weight float64 // how often they log calls
}

// group is a support group with its analysts.
type group struct {
	desk.Group
	members []*person
}

// profileNode is a leaf profile calls are logged against.
type profileNode struct {
	desk.Profile
	spec  *leaf
	group *group
}

// university is everything the calls are generated from.
type university struct {
	people    []*person
	customers []*person // who logs calls: everyone but the analysts
	custCum   []float64 // cumulative weights of customers
	groups    []*group
	analysts  []*person
	leaves    []*profileNode
	leafCum   []int
	admin     *person
	adminAcct desk.Account
	accounts  int
	members   int
	profiles  int
	kinds     map[desk.PersonKind]int
}

// peopleBuilder makes unique, plausible people.
type peopleBuilder struct {
	r         *rand.Rand
	now       time.Time
	goLive    time.Time // when calldesk's directory import first ran: the start of the records
	usernames map[string]bool
	emails    map[string]bool
	staffNo   int
	partnerNo int
	studentNo map[int]int // entry year -> last number handed out
}

func newPeopleBuilder(r *rand.Rand, now, goLive time.Time) *peopleBuilder {
	return &peopleBuilder{r: r, now: now, goLive: goLive, usernames: map[string]bool{}, emails: map[string]bool{},
		staffNo: 100000 + r.IntN(50000), partnerNo: 10000 + r.IntN(5000), studentNo: map[int]int{}}
}

// letters keeps the lower-case ASCII letters of s ("O'Brien" -> "obrien").
func letters(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (pb *peopleBuilder) unique(seen map[string]bool, base string, suffix func(n int) string) string {
	for n := 1; ; n++ {
		s := suffix(n)
		if !seen[base+s] {
			seen[base+s] = true
			return base + s
		}
	}
}

func plain(n int) string {
	if n == 1 {
		return ""
	}
	return strconv.Itoa(n)
}

// newPerson makes a person of kind with a random name, username, email, phone and directory key.
func (pb *peopleBuilder) newPerson(kind desk.PersonKind, dept int, title string, manager *person) *person {
	r := pb.r
	p := &person{dept: dept}
	p.FirstName, p.LastName = pick(r, firstNames), pick(r, lastNames)
	p.Kind, p.JobTitle, p.Active, p.Source = kind, title, true, desk.FromDirectory
	if dept >= 0 {
		p.Department = departments[dept].name
	} else {
		p.Department = "Vice-Chancellor's Office"
	}
	if manager != nil {
		p.ManagerID = manager.ID
	}
	first, last := letters(p.FirstName), letters(p.LastName)
	if len(last) > 7 {
		last = last[:7]
	}
	dot := letters(p.FirstName) + "." + strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(p.LastName, "'", ""), " ", ""))
	created := pb.goLive
	switch kind {
	case desk.Staff:
		p.Username = pb.unique(pb.usernames, first[:1]+last, plain)
		p.Email = pb.unique(pb.emails, dot, plain) + "@uni.example"
		p.Phone = fmt.Sprintf("0113 496 0%03d", r.IntN(1000))
		pb.staffNo += 1 + r.IntN(7)
		p.DirectoryKey = "E" + strconv.Itoa(pb.staffNo)
		// Most staff were there before calldesk; some joined since.
		if chance(r, 0.12) {
			created = pb.goLive.Add(time.Duration(r.Float64() * float64(pb.now.Sub(pb.goLive))))
		}
		if chance(r, 0.03) {
			p.Active = false // a leaver
		}
	case desk.Student:
		years := 1 + r.IntN(4)
		if chance(r, 0.1) {
			years = 4 + r.IntN(2) // graduated since the records began
		}
		entry := time.Date(pb.now.Year()-years, time.September, 20, 9, 0, 0, 0, time.UTC)
		if entry.After(pb.now) {
			entry = entry.AddDate(-1, 0, 0)
		}
		pb.studentNo[entry.Year()] += 1 + r.IntN(13)
		if pb.studentNo[entry.Year()] < 100000 {
			pb.studentNo[entry.Year()] += 100000 + r.IntN(300000)
		}
		p.StudentNumber = fmt.Sprintf("%02d%06d", entry.Year()%100, pb.studentNo[entry.Year()]%1000000)
		p.Username = pb.unique(pb.usernames, first[:1]+string(last[0])+fmt.Sprintf("%02d", entry.Year()%100), func(n int) string {
			if n > 20 {
				return strconv.Itoa(1000 + n)
			}
			return strconv.Itoa(100 + r.IntN(900))
		})
		p.Email = p.Username + "@student.uni.example"
		p.Phone = fmt.Sprintf("07700 900%03d", r.IntN(1000))
		p.DirectoryKey = "S" + p.StudentNumber
		if provisioned := entry.AddDate(0, -1, 0); provisioned.After(created) {
			created = provisioned
		}
		if years >= 4 && !strings.HasPrefix(title, "Postgraduate research") {
			p.Active = false
		}
	case desk.Partner:
		org := pick(r, partnerOrgs)
		p.Username = pb.unique(pb.usernames, "x"+first[:1]+last, plain)
		p.Email = pb.unique(pb.emails, dot, plain) + "@" + org.domain
		p.Phone = fmt.Sprintf("0161 496 0%03d", r.IntN(1000))
		pb.partnerNo += 1 + r.IntN(5)
		p.DirectoryKey = "P" + strconv.Itoa(pb.partnerNo)
		p.JobTitle = title + ", " + org.name
		created = pb.goLive.Add(time.Duration(r.Float64() * 0.8 * float64(pb.now.Sub(pb.goLive))))
	case desk.Visitor:
		p.Username = pb.unique(pb.usernames, "v"+first[:1]+last, plain)
		p.Email = pb.unique(pb.emails, dot, func(n int) string {
			if n > 20 {
				return strconv.Itoa(100 + n)
			}
			return strconv.Itoa(10 + r.IntN(90))
		}) + "@mail.example"
		if chance(r, 0.6) {
			p.Phone = fmt.Sprintf("07700 900%03d", r.IntN(1000))
		}
		p.Source = desk.FromManual
		created = pb.goLive.Add(time.Duration(r.Float64() * float64(pb.now.Sub(pb.goLive))))
	}
	p.CreatedAt, p.UpdatedAt, p.Version = created, created, 1
	if !p.Active || chance(r, 0.15) {
		// Changed once since: a leaver's end date, a new phone number or job title.
		p.UpdatedAt = created.Add(time.Duration(r.Float64() * float64(pb.now.Sub(created))))
		p.Version = 2
	}
	return p
}

// buildUniversity adds the people, groups, analysts, accounts and profiles through b.
func buildUniversity(ctx context.Context, r *rand.Rand, b *store.Bulk, nPeople int, now, goLive time.Time) (*university, error) {
	u := &university{kinds: map[desk.PersonKind]int{}}
	pb := newPeopleBuilder(r, now, goLive)
	add := func(p *person) (*person, error) {
		if err := b.AddPerson(ctx, &p.Person); err != nil {
			return nil, fmt.Errorf("demo person %s: %w", p.Name(), err)
		}
		u.people = append(u.people, p)
		u.kinds[p.Kind]++
		return p, nil
	}
	// staff adds a member of staff; key people (leadership, heads, analysts) are never leavers.
	staff := func(dept int, title string, mgr *person, key bool) (*person, error) {
		p := pb.newPerson(desk.Staff, dept, title, mgr)
		if key {
			p.Active = true
			if p.CreatedAt.After(goLive) {
				p.CreatedAt = goLive
				if p.Version == 1 {
					p.UpdatedAt = goLive
				}
			}
		}
		return add(p)
	}

	// The university's leadership, then the head of every department.
	vc, err := staff(-1, "Vice-Chancellor", nil, true)
	if err != nil {
		return nil, err
	}
	dvc, err := staff(-1, "Deputy Vice-Chancellor", vc, true)
	if err != nil {
		return nil, err
	}
	var pvcs []*person
	for _, t := range []string{"Pro-Vice-Chancellor (Education)", "Pro-Vice-Chancellor (Research)"} {
		p, err := staff(-1, t, dvc, true)
		if err != nil {
			return nil, err
		}
		pvcs = append(pvcs, p)
	}
	coo, err := staff(-1, "Chief Operating Officer", vc, true)
	if err != nil {
		return nil, err
	}
	heads := make([]*person, len(departments))
	for i, d := range departments {
		mgr := coo
		if d.academic {
			mgr = pvcs[i%2]
		}
		if heads[i], err = staff(i, d.head, mgr, true); err != nil {
			return nil, err
		}
	}

	// IT Services: the service manager, a lead per group, the analysts; the DPO sits in Identity & Access.
	if err := u.buildDesk(ctx, b, staff, heads); err != nil {
		return nil, err
	}

	// Everyone else.
	rest := nPeople - len(u.people)
	nStaff, nPartners, nVisitors := rest*22/100, rest*7/100, rest*3/100
	nStudents := rest - nStaff - nPartners - nVisitors
	deptStaff := make([][]*person, len(departments))
	for range nStaff {
		d := staffDept(r)
		mgr := heads[d]
		if len(deptStaff[d]) > 0 && chance(r, 0.3) {
			mgr = pick(r, deptStaff[d])
		}
		p, err := staff(d, pick(r, departments[d].titles), mgr, false)
		if err != nil {
			return nil, err
		}
		deptStaff[d] = append(deptStaff[d], p)
	}
	for range nStudents {
		title := "Undergraduate student"
		switch x := r.Float64(); {
		case x < 0.1:
			title = "Postgraduate research student"
		case x < 0.3:
			title = "Postgraduate taught student"
		}
		if _, err := add(pb.newPerson(desk.Student, studentDept(r), title, nil)); err != nil {
			return nil, err
		}
	}
	sponsor := func(d int) *person {
		if len(deptStaff[d]) > 0 {
			return pick(r, deptStaff[d])
		}
		return heads[d]
	}
	for range nPartners {
		d := staffDept(r)
		if _, err := add(pb.newPerson(desk.Partner, d, pick(r, partnerTitles), sponsor(d))); err != nil {
			return nil, err
		}
	}
	for range nVisitors {
		d := staffDept(r)
		if _, err := add(pb.newPerson(desk.Visitor, d, pick(r, visitorTitles), sponsor(d))); err != nil {
			return nil, err
		}
	}

	// Who logs calls, and how often: staff more than students; a few people log a great many.
	analyst := map[int64]bool{}
	for _, a := range u.analysts {
		analyst[a.ID] = true
	}
	total := 0.0
	for _, p := range u.people {
		if analyst[p.ID] {
			continue
		}
		w := map[desk.PersonKind]float64{desk.Staff: 3, desk.Student: 1, desk.Partner: 1.5, desk.Visitor: 0.7}[p.Kind]
		w *= 1 + 6*pow8(r.Float64())
		p.weight = w
		total += w
		u.customers = append(u.customers, p)
		u.custCum = append(u.custCum, total)
	}
	return u, u.buildProfiles(ctx, b, goLive)
}

func pow8(x float64) float64 {
	x *= x
	x *= x
	return x * x
}

// staffDept picks a department for a member of staff: schools are bigger than services.
func staffDept(r *rand.Rand) int {
	if chance(r, 0.62) {
		return r.IntN(20)
	}
	return 20 + r.IntN(len(departments)-20)
}

// studentDept picks a school, the popular ones more often.
func studentDept(r *rand.Rand) int {
	popular := []int{0, 5, 7, 8, 12, 14} // Computing, Medicine, Law, Business, Psychology, Engineering
	if chance(r, 0.45) {
		return pick(r, popular)
	}
	return r.IntN(20)
}

// buildDesk adds IT Services' people, the support groups, memberships and accounts.
func (u *university) buildDesk(ctx context.Context, b *store.Bulk, staff func(int, string, *person, bool) (*person, error), heads []*person) error {
	created := heads[itServices].CreatedAt.Add(-24 * time.Hour)
	for _, gs := range groupSpecs {
		g := &group{Group: desk.Group{Name: gs.name, Mailbox: gs.mailbox, CreatedAt: created}}
		if err := b.AddGroup(ctx, &g.Group); err != nil {
			return fmt.Errorf("demo group %s: %w", gs.name, err)
		}
		u.groups = append(u.groups, g)
	}
	type member struct {
		p     *person
		roles []desk.Role
	}
	var accounts []member
	analyst := func(dept int, title string, mgr *person, roles ...desk.Role) (*person, error) {
		p, err := staff(dept, title, mgr, true)
		if err != nil {
			return nil, err
		}
		u.analysts = append(u.analysts, p)
		accounts = append(accounts, member{p, append([]desk.Role{desk.RoleAnalyst}, roles...)})
		return p, nil
	}
	it := func(title string, mgr *person, roles ...desk.Role) (*person, error) {
		return analyst(itServices, title, mgr, roles...)
	}
	sm, err := it("Head of IT Service Delivery", heads[itServices], desk.RoleServiceManager)
	if err != nil {
		return err
	}
	u.groups[gServiceDesk].members = append(u.groups[gServiceDesk].members, sm)
	leads := make([]*person, len(groupSpecs))
	for i, gs := range groupSpecs {
		var roles []desk.Role
		if i == gServiceDesk || i == gIdentity || i == gDesktop {
			roles = []desk.Role{desk.RoleSupportAnalyst}
		}
		if leads[i], err = it(gs.lead, sm, roles...); err != nil {
			return err
		}
		u.groups[i].members = append(u.groups[i].members, leads[i])
	}
	for i, gs := range groupSpecs {
		for len(u.groups[i].members) < gs.size {
			title, roles := gs.title, []desk.Role(nil)
			n := len(u.groups[i].members)
			switch {
			case i == gServiceDesk && n < 5:
				title, roles = "Senior "+gs.title, []desk.Role{desk.RoleSupportAnalyst}
			case i == gDesktop && n == 2:
				title, roles = "IT Systems Administrator", []desk.Role{desk.RoleAdmin, desk.RoleSupportAnalyst}
			case i == gIdentity && n == 2:
				// The Data Protection Officer works with Identity & Access, reporting to the University Secretary.
				p, err := analyst(governance, "Data Protection Officer", heads[governance], desk.RoleDPO)
				if err != nil {
					return err
				}
				u.groups[i].members = append(u.groups[i].members, p)
				continue
			}
			p, err := it(title, leads[i], roles...)
			if err != nil {
				return err
			}
			u.groups[i].members = append(u.groups[i].members, p)
			if title == "IT Systems Administrator" {
				u.admin = p
			}
		}
	}
	// Some analysts work in two groups.
	for _, x := range [][2]int{{gServiceDesk, gIdentity}, {gServiceDesk, gIdentity}, {gDesktop, gAudioVisual},
		{gNetworks, gTelephony}, {gTeaching, gAudioVisual}, {gResearch, gNetworks}} {
		from := u.groups[x[0]].members
		for j := len(from) - 1; j > 0; j-- {
			if !contains(u.groups[x[1]].members, from[j]) {
				u.groups[x[1]].members = append(u.groups[x[1]].members, from[j])
				break
			}
		}
	}
	for _, g := range u.groups {
		for _, p := range g.members {
			if err := b.AddMember(ctx, g.ID, p.ID); err != nil {
				return err
			}
			u.members++
		}
	}
	for _, m := range accounts {
		a := desk.Account{PersonID: m.p.ID, Login: m.p.Username, Roles: m.roles, Active: true, CreatedAt: created}
		if err := b.AddAccount(ctx, &a); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Login, err)
		}
		u.accounts++
		if m.p == u.admin {
			u.adminAcct = a
		}
	}
	return nil
}

func contains(ps []*person, p *person) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// buildProfiles adds the profile tree; calls are logged against its leaves.
func (u *university) buildProfiles(ctx context.Context, b *store.Bulk, created time.Time) error {
	addProfile := func(name string, parent int64, g int, prio desk.Priority) (desk.Profile, error) {
		p := desk.Profile{Name: name, ParentID: parent, DefaultGroupID: u.groups[g].ID, DefaultPriority: prio}
		if err := b.AddProfile(ctx, &p); err != nil {
			return p, fmt.Errorf("demo profile %s: %w", name, err)
		}
		u.profiles++
		return p, nil
	}
	sum := 0
	for ri := range profileTree {
		rt := &profileTree[ri]
		rp, err := addProfile(rt.name, 0, rt.group, rt.prio)
		if err != nil {
			return err
		}
		for bi := range rt.branches {
			br := &rt.branches[bi]
			bp, err := addProfile(br.name, rp.ID, br.group, br.prio)
			if err != nil {
				return err
			}
			for li := range br.leaves {
				lf := &br.leaves[li]
				lp, err := addProfile(lf.name, bp.ID, br.group, lf.prio)
				if err != nil {
					return err
				}
				sum += lf.weight
				u.leaves = append(u.leaves, &profileNode{Profile: lp, spec: lf, group: u.groups[br.group]})
				u.leafCum = append(u.leafCum, sum)
			}
		}
	}
	return nil
}

// customer picks who logs a call at time t: someone whose record existed then.
func (u *university) customer(r *rand.Rand, t time.Time) *person {
	for range 8 {
		x := r.Float64() * u.custCum[len(u.custCum)-1]
		p := u.customers[sort.SearchFloat64s(u.custCum, x)]
		if !p.CreatedAt.After(t) {
			return p
		}
	}
	return u.people[0] // the Vice-Chancellor, whose record is as old as calldesk
}

// leaf picks the profile of a call, the common problems more often.
func (u *university) leaf(r *rand.Rand) *profileNode {
	x := r.IntN(u.leafCum[len(u.leafCum)-1])
	return u.leaves[sort.SearchInts(u.leafCum, x+1)]
}
