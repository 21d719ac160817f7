package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// Consent records (issue 19 item 5; policy 19.3): the DPO sees the wordings of each purpose that
// rests on consent, how many consents each version carries, writes a new version, and reads one
// person's consent records (audited: "who has seen my data"). Administrators do not: consent
// records are about persons.

func (c *Console) dpoConsentRoutes() []route {
	return []route{
		{"GET", "/dpo/consents", access.KeepDPORecords, c.dpoConsents},
		{"POST", "/dpo/consents/wordings", access.KeepDPORecords, c.dpoConsentWording},
		{"GET", "/dpo/consents/{id}", access.KeepDPORecords, c.dpoPersonConsents},
	}
}

// wordingGroup is one purpose's wordings, newest first, with its totals.
type wordingGroup struct {
	Purpose, Words string
	Versions       []store.ConsentWording
	Live, Total    int
}

// consentsPage is /dpo/consents.
type consentsPage struct {
	page
	Groups    []wordingGroup
	People    []store.ConsentPerson
	Form      map[string]string
	Errors    map[string]string
	ErrorList []fieldError
	Done      bool
}

func (c *Console) consentsPage(r *http.Request, v *visit) (consentsPage, error) {
	ws, err := c.Store.ConsentWordings(r.Context())
	if err != nil {
		return consentsPage{}, err
	}
	p := consentsPage{page: c.page(v, "Consent records"), Form: map[string]string{"purpose": store.PurposeContactDetails}, Errors: map[string]string{}}
	p.Section = "consents"
	for _, purpose := range store.ConsentPurposes() {
		g := wordingGroup{Purpose: purpose, Words: dpo.PurposeWords(purpose)}
		for _, w := range ws {
			if w.Purpose == purpose {
				g.Versions = append(g.Versions, w)
				g.Live += w.Live
				g.Total += w.Live + w.Withdrawn
			}
		}
		p.Groups = append(p.Groups, g)
	}
	if p.People, err = c.Store.ConsentPeople(r.Context(), 500); err != nil {
		return p, err
	}
	persons := make([]int64, len(p.People))
	for i, cp := range p.People {
		persons[i] = cp.PersonID
	}
	if len(persons) > 0 {
		if err := c.auditRead(v, "consent.view", "consents", "list", persons, "listed the people with consent records"); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (c *Console) dpoConsents(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.consentsPage(r, v)
	if err != nil {
		return err
	}
	p.Done = r.URL.Query().Get("done") == "wording"
	return c.render(w, r, http.StatusOK, "dpoconsents", p)
}

// dpoConsentWording writes a new version of a purpose's wording.
func (c *Console) dpoConsentWording(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	purpose, body, reason := f.Get("purpose"), f.Get("body"), f.Get("reason")
	err := dpo.CheckWording(purpose, body, reason)
	if err == nil {
		_, err = c.Store.AddConsentWording(r.Context(), v.Actor, purpose, body, reason)
	}
	if err == nil {
		return seeOther(w, r, "/dpo/consents?done=wording")
	}
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EINVALID {
		return err
	}
	p, perr := c.consentsPage(r, v)
	if perr != nil {
		return perr
	}
	p.Title = "Error: " + p.Title
	p.Form = map[string]string{"purpose": purpose, "body": body, "reason": reason}
	p.Errors = de.Fields
	p.ErrorList = orderErrors([]fieldError{{ID: "purpose", Label: "The purpose"}, {ID: "body", Label: "The words"}, {ID: "reason", Label: "The reason"}}, de.Fields)
	return c.render(w, r, http.StatusUnprocessableEntity, "dpoconsents", p)
}

// personConsentsPage is one person's consent records.
type personConsentsPage struct {
	page
	Person   desk.Person
	Consents []store.Consent
	Contacts *store.OptionalContacts
}

// PurposeWords names a purpose.
func (personConsentsPage) PurposeWords(p string) string { return dpo.PurposeWords(p) }

func (c *Console) dpoPersonConsents(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	person, err := c.Store.FindPerson(r.Context(), id)
	if err != nil {
		return err
	}
	p := personConsentsPage{page: c.page(v, "Consent records of "+person.Name()), Person: person}
	p.Section = "consents"
	if p.Consents, err = c.Store.Consents(r.Context(), id); err != nil {
		return err
	}
	switch o, err := c.Store.FindOptionalContacts(r.Context(), id); {
	case err == nil:
		p.Contacts = &o
	case desk.ErrorCode(err) != desk.ENOTFOUND:
		return err
	}
	if err := c.auditRead(v, "consent.view", "person", strconv.FormatInt(id, 10), []int64{id}, "viewed the person's consent records"); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "dpoconsent", p)
}
