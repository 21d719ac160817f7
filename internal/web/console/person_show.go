package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func (c *Console) personRoutes() []route {
	return []route{{"GET", "/people/{id}", access.WorkCalls, c.showPerson}, {"GET", "/people/{id}/seen", access.KeepDPORecords, c.showSeen},
		{"POST", "/people/{id}/restrict", access.KeepDPORecords, c.restrictPerson}, {"POST", "/people/{id}/leave", access.Administer, c.leavePerson},
		{"POST", "/people/{id}/return", access.Administer, c.returnPerson},
		{"GET", "/people/{id}/erase", access.KeepDPORecords, c.erasePerson}, {"POST", "/people/{id}/erase", access.KeepDPORecords, c.doErase}}
}

// personPageSize is how many of a person's calls their page lists.
const personPageSize = 20

// personPage is a person's record, where each field came from, and their calls.
type personPage struct {
	page
	Person desk.Person
	// Fields are the record's fields with their values, in the order shown.
	Fields []personField
	// From says where the record, and so each of its fields, came from.
	From string
	// ManagerFrom is where the manager came from; Left when the directory stopped listing the
	// person ("" when it has not).
	ManagerFrom, Left string
	// Groups are the directory's groups the person is in (SCIM), by name.
	Groups []string
	// Restriction is the person's restriction of processing, if any.
	Restriction store.Restriction
	// Erasure is the record of the person's erasure; nil when they have not been erased.
	Erasure *desk.ErasureRecord
	// LegalHold is the legal hold on the person, if any (ID 0: none).
	LegalHold store.LegalHold
	Manager   *desk.Person // nil when none (or no longer in the register)
	Names     *names
	Calls     []desk.Call
	Total     int
	More      bool // Total is a lower bound: the count stopped at store.ListCountLimit
	First     int
	Last      int
	Pager     pager
	// SecondFactor says, to an administrator, whether the person's account has enrolled in
	// two-factor sign-in (they may reset it); SecondFactorSeen that it was looked up.
	SecondFactor, SecondFactorSeen bool
}

// personField is one field of a person's record, with where it came from (S17).
type personField struct{ Label, Value, From string }

// sourceWords says where a person record came from, for people.
func sourceWords(s desk.Source) string {
	switch s {
	case desk.FromDirectory:
		return "Directory import"
	case desk.FromManual:
		return "Typed in by hand"
	case desk.FromAnalyst:
		return "Added by an analyst while logging their call (not in the directory)"
	case desk.FromSignIn:
		return "Enrolled at first single sign-on (a partner)"
	}
	return string(s)
}

func (c *Console) showPerson(w http.ResponseWriter, r *http.Request, v *visit) error {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person: find people with the search box at the top", raw)
	}
	key := strconv.FormatInt(id, 10)
	ctx := r.Context()
	person, err := c.Store.FindPerson(ctx, id)
	if err != nil {
		return err
	}
	nm, err := c.names(ctx)
	if err != nil {
		return err
	}
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg = pageNumber(pg)
	p := personPage{page: c.page(v, person.Name()), Person: person, From: sourceWords(person.Source), Names: nm}
	if p.Title == "" {
		p.Title = "Person " + key
	}
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	prov, synced, left, err := c.Store.Provenance(ctx, id)
	if err != nil {
		return err
	}
	from := func(field string) string {
		if fs, ok := prov[field]; ok {
			w := "Directory (" + fs.Source + "), set " + c.when(fs.SetAt)
			if !synced.IsZero() {
				w += "; last synced " + c.when(synced)
			}
			return w
		}
		if len(prov) > 0 {
			return "Typed in by hand" // the directory sets this person's other fields, not this one
		}
		return p.From
	}
	p.Fields = []personField{
		{"First name", dash(person.FirstName), from("first_name")},
		{"Last name", dash(person.LastName), from("last_name")},
		{"Username", dash(person.Username), from("username")},
		{"Email", dash(person.Email), from("email")},
		{"Student number", dash(person.StudentNumber), from("student_number")},
		{"Department", dash(person.Department), from("department")},
		{"Phone", dash(person.Phone), from("phone")},
		{"Job title", dash(person.JobTitle), from("job_title")},
		{"Kind", string(person.Kind), p.From},
	}
	// The optional contact details the person gave with their consent (issue 19 item 5): shown
	// while the consent stands, gone the moment it is withdrawn.
	switch o, err := c.Store.FindOptionalContacts(ctx, id); {
	case err == nil:
		const given = "The person, with their consent (SupportMe)"
		if o.AltEmail != "" {
			p.Fields = append(p.Fields, personField{"Alternate email", o.AltEmail, given})
		}
		if o.AltPhone != "" {
			p.Fields = append(p.Fields, personField{"Mobile or home phone", o.AltPhone, given})
		}
	case desk.ErrorCode(err) != desk.ENOTFOUND:
		return err
	}
	p.ManagerFrom = from("manager")
	if p.Groups, err = c.Store.DirectoryGroupsOf(ctx, id); err != nil {
		return err
	}
	if p.Restriction, err = c.Store.RestrictionOf(ctx, id); err != nil {
		return err
	}
	if er, err := c.Store.Erasure(ctx, id); err == nil {
		p.Erasure = &er
	} else if desk.ErrorCode(err) != desk.ENOTFOUND {
		return err
	}
	if p.LegalHold, err = c.Store.ActiveHold(ctx, 0, id); err != nil {
		return err
	}
	if !left.IsZero() {
		p.Left = c.when(left)
	}
	if v.Admin() {
		if acct, err := c.Store.FindAccountByPerson(ctx, id); err == nil {
			f, err := c.Store.FindSecondFactor(ctx, acct.ID)
			if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
				return err
			}
			p.SecondFactorSeen, p.SecondFactor = true, err == nil && f.Confirmed()
		} else if desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
	}
	if person.ManagerID != 0 {
		if m, err := c.Store.FindPerson(ctx, person.ManagerID); err == nil {
			p.Manager = &m
		} else if desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
	}
	f := store.CallFilter{CustomerID: id, Limit: personPageSize, Offset: (pg - 1) * personPageSize}
	calls, err := c.Store.FindCallsPage(ctx, f)
	if err != nil {
		return err
	}
	rd, err := c.reader(ctx, v)
	if err != nil {
		return err
	}
	p.Calls, p.Total, p.More = access.CallsFor(rd, calls.Calls), calls.Total, calls.TotalAtLeast
	if len(p.Calls) > 0 {
		p.First, p.Last = f.Offset+1, f.Offset+len(p.Calls)
	}
	base := "/people/" + key
	p.Pager = newPager("Pages of calls", pg, p.Total, personPageSize, !p.More, pageLink(base))
	persons := []int64{id}
	if p.Manager != nil {
		persons = append(persons, p.Manager.ID)
	}
	detail := "console: viewed the person's record"
	if len(p.Calls) > 0 {
		detail += " and calls " + strconv.Itoa(p.First) + "–" + strconv.Itoa(p.Last) + " of " + strconv.Itoa(p.Total)
		if p.More {
			detail += "+"
		}
	}
	if err := c.auditRead(v, "person.view", "person", key, persons, detail); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "person", p)
}
