package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// disclosureRoutes are the disclosure log (issue 19 item 4): the Data Protection Officer logs
// each request by a third party, records the decision of the University Secretary or nominee,
// and, once approved, downloads the disclosed data: the only way calldesk hands a person's data
// to a third party.
func (c *Console) disclosureRoutes() []route {
	return []route{
		{"GET", "/dpo/disclosures", access.KeepDPORecords, c.dpoDisclosures},
		{"POST", "/dpo/disclosures", access.KeepDPORecords, c.dpoLogDisclosure},
		{"GET", "/dpo/disclosures/{id}", access.KeepDPORecords, c.dpoDisclosure},
		{"POST", "/dpo/disclosures/{id}/decision", access.KeepDPORecords, c.dpoDecideDisclosure},
		{"POST", "/dpo/disclosures/{id}/exemption", access.KeepDPORecords, c.dpoDisclosureExemption},
		{"POST", "/dpo/disclosures/{id}/passphrase", access.KeepDPORecords, c.dpoDisclosurePassphrase},
		{"POST", "/dpo/disclosures/{id}/data.zip", access.KeepDPORecords, c.dpoDisclosureData},
	}
}

// disclosuresPage is the log and the form that records a request.
type disclosuresPage struct {
	page
	Disclosures []store.Disclosure
	Kinds       []string
	Form        url.Values
	Errors      map[string]string
	ErrorList   []fieldError
	Today       string
}

// KindWords says a kind of disclosure in words, for the template.
func (disclosuresPage) KindWords(k string) string { return dpo.DisclosureKindWords(k) }

func disclosureFields() []fieldError {
	return []fieldError{{ID: "kind", Label: "The kind of request"}, {ID: "organisation", Label: "The organisation"},
		{ID: "requester", Label: "Who asked"}, {ID: "reference", Label: "Their reference"}, {ID: "form", Label: "The form or procedure"},
		{ID: "basis", Label: "The legal basis"}, {ID: "requested", Label: "What is asked for"}, {ID: "people", Label: "The people"},
		{ID: "received", Label: "The date it came"}}
}

func (c *Console) dpoDisclosures(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showDisclosures(w, r, v, http.StatusOK, url.Values{}, nil)
}

func (c *Console) showDisclosures(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, errs map[string]string) error {
	ds, err := c.Store.Disclosures(r.Context(), 500)
	if err != nil {
		return err
	}
	p := disclosuresPage{page: c.page(v, "Disclosure log"), Disclosures: ds, Kinds: dpo.DisclosureKinds(), Form: form, Errors: errs,
		Today: c.now().In(c.zone().Location()).Format("2006-01-02")}
	p.Section = "disclosures"
	p.ErrorList = orderErrors(disclosureFields(), errs)
	var ids []int64
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	if err := c.auditDisclosureRead(r, v, "disclosure.list", "", ids, "listed the disclosure log"); err != nil {
		return err
	}
	return c.render(w, r, status, "disclosures", p)
}

// auditDisclosureRead records a read of disclosures ids for the people linked to them.
func (c *Console) auditDisclosureRead(r *http.Request, v *visit, action, id string, ids []int64, detail string) error {
	return c.auditLinkedRead(r, v, c.Store.DisclosurePeople, action, "disclosure", id, ids, detail)
}

func (c *Console) dpoLogDisclosure(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	errs := map[string]string{}
	var people []int64
	var problems []string
	for _, line := range strings.FieldsFunc(f.Get("people"), func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		typed := strings.TrimSpace(line)
		if typed == "" {
			continue
		}
		p, problem, err := c.findOne(r.Context(), typed)
		if err != nil {
			return err
		}
		if problem != "" {
			problems = append(problems, fmt.Sprintf("%q: %s", typed, problem))
			continue
		}
		people = append(people, p.ID)
	}
	if len(problems) > 0 {
		errs["people"] = "The people could not all be found. " + strings.Join(problems, " ")
	}
	var received time.Time
	if s := strings.TrimSpace(f.Get("received")); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, c.zone().Location())
		if err != nil {
			errs["received"] = "The date it came must be a date, for example 2026-11-02."
		}
		received = t
	}
	in, err := dpo.CheckRequest(dpo.DisclosureRequest{Kind: f.Get("kind"), Organisation: f.Get("organisation"), Requester: f.Get("requester"),
		Reference: f.Get("reference"), Form: f.Get("form"), Basis: f.Get("basis"), Requested: f.Get("requested"), ReceivedAt: received,
		People: people}, c.now())
	if de := desk.AsError(err); de != nil && de.Code == desk.EINVALID {
		more := map[string]string{}
		fieldSentences(disclosureFields(), de, more)
		for k, m := range more {
			if _, said := errs[k]; !said {
				errs[k] = m
			}
		}
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		return c.showDisclosures(w, r, v, http.StatusUnprocessableEntity, f, errs)
	}
	d, err := c.Store.LogDisclosure(r.Context(), v.Actor, in, people)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/dpo/disclosures/"+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
	return nil
}

// disclosurePage is one disclosure: the request, the decision, the people and the download.
type disclosurePage struct {
	page
	D          store.Disclosure
	Form       url.Values
	Errors     map[string]string
	ErrorList  []fieldError
	Problem    string
	Passphrase string
}

// KindWords says a kind of disclosure in words, for the template.
func (disclosurePage) KindWords(k string) string { return dpo.DisclosureKindWords(k) }

func decisionFields() []fieldError {
	return []fieldError{{ID: "state", Label: "The decision"}, {ID: "approver", Label: "Who decided"}, {ID: "reasons", Label: "The reasons"}}
}

func (c *Console) dpoDisclosure(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showDisclosure(w, r, v, http.StatusOK, url.Values{}, nil, "", "")
}

func (c *Console) showDisclosure(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, errs map[string]string, problem, pass string) error {
	id, err := pathID(r, "disclosure")
	if err != nil {
		return err
	}
	d, err := c.Store.FindDisclosure(r.Context(), id)
	if err != nil {
		return err
	}
	p := disclosurePage{page: c.page(v, "Disclosure "+strconv.FormatInt(d.ID, 10)), D: d, Form: form, Errors: errs, Problem: problem, Passphrase: pass}
	p.Section = "disclosures"
	p.ErrorList = orderErrors(decisionFields(), errs)
	if err := c.auditDisclosureRead(r, v, "disclosure.view", strconv.FormatInt(d.ID, 10), []int64{d.ID}, "looked at a disclosure"); err != nil {
		return err
	}
	return c.render(w, r, status, "disclosure", p)
}

func (c *Console) dpoDecideDisclosure(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "disclosure")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	d, err := c.Store.FindDisclosure(r.Context(), id)
	if err != nil {
		return err
	}
	nd, err := dpo.Decision{State: f.Get("state"), Approver: f.Get("approver"), Reasons: f.Get("reasons")}.Apply(d)
	if de := desk.AsError(err); de != nil && de.Code == desk.EINVALID {
		errs := map[string]string{}
		fieldSentences(decisionFields(), de, errs)
		return c.showDisclosure(w, r, v, http.StatusUnprocessableEntity, f, errs, "", "")
	} else if err != nil {
		return err
	}
	nd.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	if _, err := c.Store.DecideDisclosure(r.Context(), v.Actor, nd); desk.ErrorCode(err) == desk.ECONFLICT || desk.ErrorCode(err) == desk.EINVALID {
		return c.showDisclosure(w, r, v, http.StatusUnprocessableEntity, f, nil, desk.MessageWithFields(err), "")
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/dpo/disclosures/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// dpoDisclosureExemption records why the disclosure is withheld from a person's subject access
// bundle, or shows it again (an empty exemption).
func (c *Console) dpoDisclosureExemption(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "disclosure")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	person, _ := strconv.ParseInt(r.PostForm.Get("person"), 10, 64)
	exemption := strings.TrimSpace(r.PostForm.Get("exemption"))
	if len([]rune(exemption)) > dpo.MaxBreachShort {
		return c.showDisclosure(w, r, v, http.StatusUnprocessableEntity, url.Values{}, nil,
			fmt.Sprintf("The exemption is too long: at most %d characters.", dpo.MaxBreachShort), "")
	}
	if err := c.Store.SetDisclosureExemption(r.Context(), v.Actor, id, person, exemption); desk.ErrorCode(err) == desk.ENOTFOUND {
		return c.showDisclosure(w, r, v, http.StatusUnprocessableEntity, url.Values{}, nil, desk.MessageWithFields(err), "")
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/dpo/disclosures/"+strconv.FormatInt(id, 10)+"#people", http.StatusSeeOther)
	return nil
}

// dpoDisclosurePassphrase shows a new passphrase, once, with the button that downloads the
// disclosed data encrypted under it (P12: data that leaves calldesk is encrypted).
func (c *Console) dpoDisclosurePassphrase(w http.ResponseWriter, r *http.Request, v *visit) error {
	pass, err := privacy.NewPassphrase()
	if err != nil {
		return err
	}
	return c.showDisclosure(w, r, v, http.StatusOK, url.Values{}, nil, "", pass)
}

// dpoDisclosureData sends the data of an approved disclosure's people as an encrypted archive,
// with the audit record of the download, about each of them.
func (c *Console) dpoDisclosureData(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "disclosure")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pass := r.PostForm.Get("passphrase")
	if !privacy.ValidPassphrase(pass) {
		return c.showDisclosure(w, r, v, http.StatusUnprocessableEntity, url.Values{}, nil,
			"Ask for a passphrase first: the data is encrypted only under one calldesk makes and shows you.", "")
	}
	d, err := c.Store.FindDisclosure(r.Context(), id)
	if err != nil {
		return err
	}
	b := &privacy.Builder{Store: c.Store, Now: c.now, Zone: c.zone()}
	data, err := dpo.Export(r.Context(), b, d)
	if desk.ErrorCode(err) == desk.EINVALID {
		return c.showDisclosure(w, r, v, http.StatusUnprocessableEntity, url.Values{}, nil, desk.MessageWithFields(err), "")
	} else if err != nil {
		return err
	}
	enc, err := privacy.SealBundle(data, pass)
	if err != nil {
		return err
	}
	var persons []int64
	for _, p := range d.People {
		persons = append(persons, p.PersonID)
	}
	if err := c.Store.AuditDisclosureDownload(r.Context(), v.Actor, d.ID, persons); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteAttachment(w, desk.Attachment{Filename: fmt.Sprintf("disclosure-%d-encrypted.zip", d.ID), ContentType: "application/zip", Data: enc})
	return nil
}
