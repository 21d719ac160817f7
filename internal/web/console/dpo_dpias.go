package console

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// DPIAs and legitimate-interest assessments (issue 19 item 7; policy 12.2, 12.3, 8.5): the DPO
// writes them, with their risks, signs them off and attaches documents; administrators read them.

func (c *Console) dpoDPIARoutes() []route {
	return []route{
		{"GET", "/dpo/assessments", access.SeeDPORecords, c.dpoDPIAs},
		{"POST", "/dpo/assessments", access.KeepDPORecords, c.dpoSaveDPIA},
		{"GET", "/dpo/assessments/new", access.KeepDPORecords, c.dpoDPIA},
		{"GET", "/dpo/assessments/{id}", access.SeeDPORecords, c.dpoDPIA},
		{"POST", "/dpo/assessments/{id}", access.KeepDPORecords, c.dpoSaveDPIA},
		{"POST", "/dpo/assessments/{id}/signoff", access.KeepDPORecords, c.dpoSignOffDPIA},
		{"POST", "/dpo/assessments/{id}/files", access.KeepDPORecords, c.dpoDPIAFiles},
		{"GET", "/dpo/assessments/{id}/files/{file}", access.SeeDPORecords, c.dpoDPIAFile},
	}
}

// dpiasPage lists the assessments.
type dpiasPage struct {
	page
	DPIAs []store.DPIA
	Today string
}

// KindWords names a kind of assessment.
func (dpiasPage) KindWords(k string) string { return dpo.AssessmentKindWords(k) }

func (c *Console) dpoDPIAs(w http.ResponseWriter, r *http.Request, v *visit) error {
	ds, err := c.Store.DPIAs(r.Context())
	if err != nil {
		return err
	}
	p := dpiasPage{page: c.page(v, "DPIAs and legitimate-interest assessments"), DPIAs: ds, Today: c.today()}
	p.Section = "assessments"
	return c.render(w, r, http.StatusOK, "dpoassessments", p)
}

// riskRow is one row of the form's risks.
type riskRow struct {
	N                                      int
	Risk, Likelihood, Severity, Mitigation string
}

// dpiaPage is one assessment and the DPO's form for it (ID 0: a new one).
type dpiaPage struct {
	page
	ID          int64
	DPIA        store.DPIA
	Form        dpo.DPIAForm
	Rows        []riskRow
	Likelihoods []string
	Severities  []string
	Errors      map[string]string
	ErrorList   []fieldError
	Done        string
	Today       string
	// FileHint says which files are taken.
	FileHint string
}

// KindWords names a kind of assessment.
func (dpiaPage) KindWords(k string) string { return dpo.AssessmentKindWords(k) }

// Level is a risk's overall level.
func (dpiaPage) Level(r store.Risk) string { return dpo.RiskLevel(r.Likelihood, r.Severity) }

func dpiaFormOf(d store.DPIA) dpo.DPIAForm {
	f := dpo.DPIAForm{Kind: d.Kind, Title: d.Title, Processing: d.Processing, Assessment: d.Assessment, Outcome: d.Outcome,
		ReviewDue: d.ReviewDue, Retired: !d.RetiredAt.IsZero(), Version: d.Version}
	for _, r := range d.Risks {
		f.Risks, f.Likelihoods = append(f.Risks, r.Risk), append(f.Likelihoods, r.Likelihood)
		f.Severities, f.Mitigations = append(f.Severities, r.Severity), append(f.Mitigations, r.Mitigation)
	}
	return f
}

func (c *Console) dpiaPage(v *visit, id int64, d store.DPIA, f dpo.DPIAForm) dpiaPage {
	title := "Add an assessment"
	if id != 0 {
		title = dpo.AssessmentKindWords(d.Kind) + ": " + d.Title
	}
	if f.Kind == "" {
		f.Kind = store.KindDPIA
	}
	p := dpiaPage{page: c.page(v, title), ID: id, DPIA: d, Form: f, Likelihoods: dpo.Likelihoods(), Severities: dpo.Severities(),
		Errors: map[string]string{}, Today: c.today(), FileHint: c.attachmentRules().Hint()}
	p.Section = "assessments"
	at := func(l []string, i int) string {
		if i < len(l) {
			return l[i]
		}
		return ""
	}
	for i := range f.Risks {
		if f.Risks[i] != "" || at(f.Mitigations, i) != "" {
			p.Rows = append(p.Rows, riskRow{Risk: f.Risks[i], Likelihood: at(f.Likelihoods, i), Severity: at(f.Severities, i), Mitigation: at(f.Mitigations, i)})
		}
	}
	p.Rows = append(p.Rows, riskRow{}, riskRow{})
	for i := range p.Rows {
		p.Rows[i].N = i + 1
	}
	return p
}

func (c *Console) dpoDPIA(w http.ResponseWriter, r *http.Request, v *visit) error {
	if r.PathValue("id") == "" {
		return c.render(w, r, http.StatusOK, "dpoassessment", c.dpiaPage(v, 0, store.DPIA{}, dpo.DPIAForm{Kind: r.URL.Query().Get("kind")}))
	}
	id, err := pathID(r, "assessment")
	if err != nil {
		return err
	}
	d, err := c.Store.FindDPIA(r.Context(), id)
	if err != nil {
		return err
	}
	p := c.dpiaPage(v, id, d, dpiaFormOf(d))
	p.Done = map[string]string{"saved": "The assessment is saved.", "signed": "The assessment is signed off.",
		"files": "The documents are attached."}[r.URL.Query().Get("done")]
	return c.render(w, r, http.StatusOK, "dpoassessment", p)
}

func (c *Console) dpoSaveDPIA(w http.ResponseWriter, r *http.Request, v *visit) error {
	var id int64
	var old store.DPIA
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "assessment"); err != nil {
			return err
		}
		if old, err = c.Store.FindDPIA(r.Context(), id); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pf := r.PostForm
	version, _ := strconv.Atoi(pf.Get("version"))
	f := dpo.DPIAForm{Kind: pf.Get("kind"), Title: pf.Get("title"), Processing: pf.Get("processing"), Assessment: pf.Get("assessment"),
		Outcome: pf.Get("outcome"), ReviewDue: pf.Get("review_due"), Risks: pf["risk"], Likelihoods: pf["likelihood"], Severities: pf["severity"],
		Mitigations: pf["mitigation"], Retired: pf.Get("retired") == "1", Reason: pf.Get("reason"), Version: version}
	d, err := f.DPIA()
	if err == nil {
		d.ID, d.RetiredAt = id, old.RetiredAt
		switch {
		case f.Retired && d.RetiredAt.IsZero():
			d.RetiredAt = c.now()
		case !f.Retired:
			d.RetiredAt = time.Time{}
		}
		d, err = c.Store.SaveDPIA(r.Context(), v.Actor, d, f.Reason)
	}
	if err == nil {
		return seeOther(w, r, "/dpo/assessments/"+strconv.FormatInt(d.ID, 10)+"?done=saved")
	}
	de := desk.AsError(err)
	if de == nil || (de.Code != desk.EINVALID && de.Code != desk.ECONFLICT) {
		return err
	}
	p := c.dpiaPage(v, id, old, f)
	p.Title = "Error: " + p.Title
	status := http.StatusUnprocessableEntity
	if de.Code == desk.ECONFLICT {
		status = http.StatusConflict
		p.Form.Version = old.Version
		p.ErrorList = []fieldError{{ID: "title", Message: sentence(de.Message) + ". Saving this form again replaces it with yours."}}
	} else {
		p.Errors = de.Fields
		p.ErrorList = orderErrors([]fieldError{{ID: "kind"}, {ID: "title"}, {ID: "processing"}, {ID: "assessment"}, {ID: "risks"},
			{ID: "review_due"}, {ID: "reason"}}, de.Fields)
	}
	return c.render(w, r, status, "dpoassessment", p)
}

func (c *Console) dpoSignOffDPIA(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "assessment")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	note := r.PostForm.Get("note")
	if note == "" {
		note = "signed off as read"
	}
	if err := c.Store.SignOffDPIA(r.Context(), v.Actor, id, version, note); err != nil {
		return err
	}
	return seeOther(w, r, "/dpo/assessments/"+strconv.FormatInt(id, 10)+"?done=signed")
}

// dpoDPIAFiles attaches documents, checked by the same rules as a call's files.
func (c *Console) dpoDPIAFiles(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "assessment")
	if err != nil {
		return err
	}
	d, err := c.Store.FindDPIA(r.Context(), id)
	if err != nil {
		return err
	}
	form, ferr := web.ReadForm(w, r, c.attachmentRules())
	msg := ""
	switch {
	case ferr != nil:
		msg = sentence(desk.AsError(ferr).Message)
	case len(form.Refused) > 0:
		msg = form.Refused[0]
	case len(form.Files) == 0:
		msg = "Choose at least one file to attach."
	}
	if msg == "" {
		reason := form.Values.Get("reason")
		if reason == "" {
			reason = "supporting document"
		}
		if err := c.Store.AddDPIAFiles(r.Context(), v.Actor, id, form.Files, reason); err != nil {
			return err
		}
		return seeOther(w, r, "/dpo/assessments/"+strconv.FormatInt(id, 10)+"?done=files")
	}
	p := c.dpiaPage(v, id, d, dpiaFormOf(d))
	p.Title = "Error: " + p.Title
	p.Errors["files"] = msg
	p.ErrorList = []fieldError{{ID: "files", Message: msg}}
	status := http.StatusUnprocessableEntity
	if form.TooLarge {
		status = http.StatusRequestEntityTooLarge
	}
	return c.render(w, r, status, "dpoassessment", p)
}

func (c *Console) dpoDPIAFile(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "assessment")
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		return desk.Errorf(desk.ENOTFOUND, "there is no such file")
	}
	f, data, err := c.Store.DPIAFileContent(r.Context(), id, fid)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Filename}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	_, err = w.Write(data)
	return err
}
