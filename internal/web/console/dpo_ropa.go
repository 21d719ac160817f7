package console

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// ropaRoutes are the records of processing (issue 19 item 1): the DPO keeps them; administrators
// read them, since they are about no person.
func (c *Console) ropaRoutes() []route {
	return []route{
		{"GET", "/dpo/processing", access.SeeDPORecords, c.ropaList},
		{"POST", "/dpo/processing", access.KeepDPORecords, c.ropaCreate},
		{"GET", "/dpo/processing.xlsx", access.SeeDPORecords, c.ropaXLSX},
		{"GET", "/dpo/processing.pdf", access.SeeDPORecords, c.ropaPDF},
		{"GET", "/dpo/processing/{id}", access.SeeDPORecords, c.ropaShow},
		{"POST", "/dpo/processing/{id}", access.KeepDPORecords, c.ropaUpdate},
		{"POST", "/dpo/processing/{id}/review", access.KeepDPORecords, c.ropaReview},
	}
}

// dpoTab is one page of the Data protection area's own navigation.
type dpoTab struct {
	Href, Label string
	Current     bool
}

// dpoTabs are the pages of the DPO's area the visitor may open, current marking the one shown.
func dpoTabs(v *visit, current string) []dpoTab {
	var out []dpoTab
	add := func(href, label string) { out = append(out, dpoTab{href, label, href == current}) }
	if v.DPO() {
		add("/dpo/requests", "Subject requests")
		add("/dpo/breaches", "Breaches")
		add("/dpo/disclosures", "Disclosures")
		add("/dpo/consents", "Consent")
		add("/dpo/grants", "Supplier access")
	}
	add("/dpo/processing", "Records of processing")
	add("/dpo/notice", "Privacy notice")
	add("/dpo/processors", "Processors")
	add("/dpo/assessments", "DPIAs and LIAs")
	add("/dpo/compliance", "Compliance")
	return out
}

// activityFields are the record form's fields, in its order.
func activityFields() []fieldError {
	return []fieldError{{ID: "code", Label: "The short name"}, {ID: "name", Label: "The name"}, {ID: "purpose", Label: "The purpose"},
		{ID: "lawful_basis", Label: "The lawful basis"}, {ID: "special_condition", Label: "The special-category condition"},
		{ID: "people", Label: "The categories of people"}, {ID: "recipients", Label: "The recipients"}, {ID: "transfers", Label: "The transfers"},
		{ID: "security", Label: "The security measures"}, {ID: "obligation", Label: "The obligation to provide"},
		{ID: "automated", Label: "The automated decision-making"}, {ID: "tables", Label: "The register tables"}, {ID: "reason", Label: "The reason"}}
}

// activityForm is the record form: its values as typed, its errors, and the choices it offers.
type activityForm struct {
	Values    url.Values
	Tables    []string // chosen
	Errors    map[string]string
	ErrorList []fieldError
	Bases     []string
	AllTables []string
	Action    string
	Version   int64
}

// Has reports whether table t is chosen.
func (f activityForm) Has(t string) bool {
	return slices.Contains(f.Tables, t)
}

func newActivityForm(a store.ProcessingActivity, action string) activityForm {
	v := url.Values{}
	for k, val := range map[string]string{"code": a.Code, "name": a.Name, "purpose": a.Purpose, "lawful_basis": a.LawfulBasis,
		"special_condition": a.SpecialCondition, "people": a.People, "recipients": a.Recipients, "transfers": a.Transfers,
		"security": a.Security, "obligation": a.Obligation, "automated": a.Automated} {
		v.Set(k, val)
	}
	return activityForm{Values: v, Tables: a.Tables, Errors: map[string]string{}, Bases: store.LawfulBases(),
		AllTables: registerTables(), Action: action, Version: a.Version}
}

func registerTables() []string {
	var out []string
	for _, t := range append(store.RegisterTables("sqlite"), store.RegisterTables("postgres")...) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// activityOf reads the posted record.
func activityOf(f url.Values) store.ProcessingActivity {
	return store.ProcessingActivity{Code: f.Get("code"), Name: f.Get("name"), Purpose: f.Get("purpose"), LawfulBasis: f.Get("lawful_basis"),
		SpecialCondition: f.Get("special_condition"), People: f.Get("people"), Recipients: f.Get("recipients"), Transfers: f.Get("transfers"),
		Security: f.Get("security"), Obligation: f.Get("obligation"), Automated: f.Get("automated"), Tables: f["tables"]}
}

// ropaListPage lists the records of processing with what the register derives for each.
type ropaListPage struct {
	page
	Tabs    []dpoTab
	Records []dpo.Record
	Form    activityForm
	Saved   string
}

func (c *Console) ropaList(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showRopaList(w, r, v, http.StatusOK, newActivityForm(store.ProcessingActivity{}, "/dpo/processing"))
}

func (c *Console) showRopaList(w http.ResponseWriter, r *http.Request, v *visit, status int, form activityForm) error {
	recs, err := dpo.Records(r.Context(), c.Store)
	if err != nil {
		return err
	}
	p := ropaListPage{page: c.page(v, "Records of processing"), Tabs: dpoTabs(v, "/dpo/processing"), Records: recs, Form: form}
	p.Section = "dataprotection"
	return c.render(w, r, status, "ropa", p)
}

// formErrors fills form's errors from err (EINVALID with fields), in the form's order.
func formErrors(form *activityForm, err error) bool {
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EINVALID {
		return false
	}
	if len(de.Fields) == 0 {
		form.Errors["reason"] = sentenceOf(de.Message)
	}
	fieldSentences(activityFields(), de, form.Errors)
	form.ErrorList = orderErrors(activityFields(), form.Errors)
	return true
}

func (c *Console) ropaCreate(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	a, err := c.Store.CreateProcessingActivity(r.Context(), v.Actor, activityOf(r.PostForm), r.PostForm.Get("reason"))
	if err != nil {
		form := newActivityForm(activityOf(r.PostForm), "/dpo/processing")
		form.Values = r.PostForm
		if formErrors(&form, err) {
			return c.showRopaList(w, r, v, http.StatusUnprocessableEntity, form)
		}
		return err
	}
	return seeOther(w, r, "/dpo/processing/"+strconv.FormatInt(a.ID, 10)+"?saved=created")
}

// ropaPage is one record: as it stands with what is derived for it, the form to change it, its
// review, its versions and, after a change of purpose, who must be told (14.6).
type ropaPage struct {
	page
	Tabs     []dpoTab
	Record   dpo.Record
	Form     activityForm
	Versions []store.ProcessingVersion
	Saved    string
	// Told is set when the record's last change was of its purpose.
	Told        *dpo.Told
	ReviewError string
}

func (c *Console) ropaShow(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "record of processing")
	if err != nil {
		return err
	}
	return c.showRopa(w, r, v, id, http.StatusOK, nil, "")
}

func (c *Console) showRopa(w http.ResponseWriter, r *http.Request, v *visit, id int64, status int, form *activityForm, reviewError string) error {
	ctx := r.Context()
	a, err := c.Store.FindProcessingActivity(ctx, id)
	if err != nil {
		return err
	}
	rules, err := c.Store.RetentionRules(ctx)
	if err != nil {
		return err
	}
	versions, err := c.Store.ProcessingVersions(ctx, id)
	if err != nil {
		return err
	}
	p := ropaPage{page: c.page(v, a.Name), Tabs: dpoTabs(v, "/dpo/processing"), Record: dpo.Derive(a, rules, c.Store.Engine()),
		Versions: versions, Saved: r.URL.Query().Get("saved"), ReviewError: reviewError}
	p.Section = "dataprotection"
	if form != nil {
		p.Form = *form
	} else {
		p.Form = newActivityForm(a, "/dpo/processing/"+strconv.FormatInt(id, 10))
	}
	if told, err := c.mustTell(r, versions); err != nil {
		return err
	} else if told {
		n, err := c.Store.PeopleUnder(ctx, a.Tables)
		if err != nil {
			return err
		}
		told := dpo.WhoMustBeTold(a, n)
		p.Told = &told
	}
	return c.render(w, r, status, "ropaone", p)
}

func (c *Console) ropaUpdate(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "record of processing")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	a := activityOf(r.PostForm)
	a.ID = id
	a.Version, _ = strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	ch, err := c.Store.UpdateProcessingActivity(r.Context(), v.Actor, a, r.PostForm.Get("reason"))
	if err != nil {
		form := newActivityForm(a, "/dpo/processing/"+strconv.FormatInt(id, 10))
		form.Values = r.PostForm
		if desk.ErrorCode(err) == desk.ECONFLICT {
			form.Errors["reason"] = sentenceOf(desk.Message(err))
			form.ErrorList = orderErrors(activityFields(), form.Errors)
			return c.showRopa(w, r, v, id, http.StatusConflict, &form, "")
		}
		if formErrors(&form, err) {
			return c.showRopa(w, r, v, id, http.StatusUnprocessableEntity, &form, "")
		}
		return err
	}
	saved := "changed"
	if ch.PurposeChanged {
		saved = "purpose"
	}
	return seeOther(w, r, "/dpo/processing/"+strconv.FormatInt(id, 10)+"?saved="+saved)
}

func (c *Console) ropaReview(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "record of processing")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if err := c.Store.ReviewProcessingActivity(r.Context(), v.Actor, id, r.PostForm.Get("note")); err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			return c.showRopa(w, r, v, id, http.StatusUnprocessableEntity, nil, "Say what the review found: a note is required.")
		}
		return err
	}
	return seeOther(w, r, "/dpo/processing/"+strconv.FormatInt(id, 10)+"?saved=reviewed")
}

// mustTell reports whether the record's last version changed its purpose and no privacy notice
// has been published since (14.6: the people must be told before processing for it).
func (c *Console) mustTell(r *http.Request, versions []store.ProcessingVersion) (bool, error) {
	if len(versions) < 2 || versions[0].Record.Purpose == versions[1].Record.Purpose {
		return false, nil
	}
	n, err := c.Store.LatestNotice(r.Context())
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return true, nil
	} else if err != nil {
		return false, err
	}
	return n.PublishedAt.Before(versions[0].ChangedAt), nil
}

// download sends body as an attachment named name.
func download(w http.ResponseWriter, contentType, name string, body []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(body)
	return err
}

func (c *Console) ropaXLSX(w http.ResponseWriter, r *http.Request, _ *visit) error {
	recs, err := dpo.Records(r.Context(), c.Store)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := dpo.WriteXLSX(&b, recs, c.Contacts, c.now()); err != nil {
		return err
	}
	return download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "records-of-processing.xlsx", b.Bytes())
}

func (c *Console) ropaPDF(w http.ResponseWriter, r *http.Request, _ *visit) error {
	recs, err := dpo.Records(r.Context(), c.Store)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := dpo.WriteRecordsPDF(&b, recs, c.Contacts, c.now()); err != nil {
		return err
	}
	return download(w, "application/pdf", "records-of-processing.pdf", b.Bytes())
}
