package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// breachRoutes are the breach register (issue 19 item 3): any analyst reports a breach and sees
// their own reports (policy 15.6); the Data Protection Officer keeps the register.
func (c *Console) breachRoutes() []route {
	return []route{
		{"GET", "/breaches/report", access.WorkCalls, c.breachReportForm},
		{"POST", "/breaches/report", access.WorkCalls, c.breachReport},
		{"GET", "/dpo/breaches", access.KeepDPORecords, c.dpoBreaches},
		{"GET", "/dpo/breaches/{id}", access.KeepDPORecords, c.dpoBreach},
		{"POST", "/dpo/breaches/{id}", access.KeepDPORecords, c.dpoAssessBreach},
		{"POST", "/dpo/breaches/{id}/people", access.KeepDPORecords, c.dpoLinkBreachPerson},
	}
}

// breachRow is a breach with its clock, as a list shows it.
type breachRow struct {
	store.Breach
	Clock dpo.Clock
}

// breachReportPage is the short form any analyst uses to report a breach, with their own reports.
type breachReportPage struct {
	page
	Form      url.Values
	Errors    map[string]string
	ErrorList []fieldError
	Sent      int64
	Mine      []breachRow
	Now       string // the latest moment of becoming aware, for the input's max
}

func breachReportFields() []fieldError {
	return []fieldError{{ID: "what", Label: "What happened"}, {ID: "aware", Label: "When you became aware"}}
}

func (c *Console) breachReportForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	sent, _ := strconv.ParseInt(r.URL.Query().Get("sent"), 10, 64)
	return c.showBreachReport(w, r, v, http.StatusOK, url.Values{}, nil, sent)
}

func (c *Console) showBreachReport(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, errs map[string]string, sent int64) error {
	mine, err := c.Store.Breaches(r.Context(), store.BreachFilter{ReporterID: v.Actor.PersonID, Limit: 100})
	if err != nil {
		return err
	}
	if v.Actor.PersonID == 0 {
		mine = nil
	}
	p := breachReportPage{page: c.page(v, "Report a data breach"), Form: form, Errors: errs, Sent: sent,
		Now: c.now().In(c.zone().Location()).Format("2006-01-02T15:04")}
	p.Section = "breach"
	p.ErrorList = orderErrors(breachReportFields(), errs)
	var ids []int64
	for _, b := range mine {
		p.Mine = append(p.Mine, breachRow{Breach: b, Clock: dpo.ClockOf(b, c.now())})
		ids = append(ids, b.ID)
	}
	if err := c.auditBreachRead(r, v, "breach.list", "", ids, "listed their own breach reports"); err != nil {
		return err
	}
	return c.render(w, r, status, "breachreport", p)
}

// auditBreachRead records a read of breaches ids for the people linked to them (none: no record).
func (c *Console) auditBreachRead(r *http.Request, v *visit, action, id string, ids []int64, detail string) error {
	return c.auditLinkedRead(r, v, c.Store.BreachPeople, action, "breach", id, ids, detail)
}

// auditLinkedRead records a read of records ids of objectType for the people people links to
// them (a breach's, a disclosure's); with nobody linked, no record.
func (c *Console) auditLinkedRead(r *http.Request, v *visit, people func(context.Context, []int64) ([]int64, error),
	action, objectType, id string, ids []int64, detail string) error {
	persons, err := people(r.Context(), ids)
	if err != nil || len(persons) == 0 {
		return err
	}
	return c.auditRead(v, action, objectType, id, persons, detail)
}

// breachReport records a report and tells the DPO by email.
func (c *Console) breachReport(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	errs := map[string]string{}
	var aware time.Time
	if s := strings.TrimSpace(f.Get("aware")); s != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, c.zone().Location())
		if err != nil {
			errs["aware"] = "When you became aware must be a date and time, for example 2026-11-02 09:30."
		}
		aware = t
	}
	in, err := dpo.CheckReport(dpo.BreachReport{What: f.Get("what"), AwareAt: aware}, c.now())
	if de := desk.AsError(err); de != nil && de.Code == desk.EINVALID {
		more := map[string]string{}
		fieldSentences(breachReportFields(), de, more)
		for k, m := range more {
			if _, said := errs[k]; !said {
				errs[k] = m
			}
		}
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		return c.showBreachReport(w, r, v, http.StatusUnprocessableEntity, f, errs, 0)
	}
	b, err := c.Store.ReportBreach(r.Context(), v.Actor, in, c.BreachMail)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/breaches/report?sent="+strconv.FormatInt(b.ID, 10), http.StatusSeeOther)
	return nil
}

// breachesPage is the DPO's register: the breaches the university became aware of in a period,
// with their clocks and whether each was notified within 72 hours.
type breachesPage struct {
	page
	From, To string
	Breaches []breachRow
	Summary  store.BreachSummary
	Problem  string
}

func (c *Console) dpoBreaches(w http.ResponseWriter, r *http.Request, v *visit) error {
	loc := c.zone().Location()
	q := r.URL.Query()
	p := breachesPage{page: c.page(v, "Breach register"), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	p.Section = "breaches"
	var from, to time.Time
	status := http.StatusOK
	if p.From != "" {
		t, err := time.ParseInLocation("2006-01-02", p.From, loc)
		if err != nil {
			p.Problem, status = "The start of the period must be a date, for example 2026-01-01.", http.StatusUnprocessableEntity
		}
		from = t
	}
	if p.To != "" {
		t, err := time.ParseInLocation("2006-01-02", p.To, loc)
		if err != nil {
			p.Problem, status = "The end of the period must be a date, for example 2026-12-31.", http.StatusUnprocessableEntity
		} else {
			to = t.AddDate(0, 0, 1)
		}
	}
	if p.Problem == "" && !from.IsZero() && !to.IsZero() && !from.Before(to) {
		p.Problem, status = "The period ends before it starts: give the earlier date first.", http.StatusUnprocessableEntity
	}
	if p.Problem != "" {
		from, to = time.Time{}, time.Time{}
	}
	bs, err := c.Store.Breaches(r.Context(), store.BreachFilter{From: from, To: to})
	if err != nil {
		return err
	}
	sumTo := to
	if sumTo.IsZero() {
		sumTo = c.now().Add(time.Hour)
	}
	if p.Summary, err = c.Store.BreachesInPeriod(r.Context(), from, sumTo); err != nil {
		return err
	}
	var ids []int64
	for _, b := range bs {
		p.Breaches = append(p.Breaches, breachRow{Breach: b, Clock: dpo.ClockOf(b, c.now())})
		ids = append(ids, b.ID)
	}
	if err := c.auditBreachRead(r, v, "breach.list", "", ids, "listed the breach register"); err != nil {
		return err
	}
	return c.render(w, r, status, "breaches", p)
}

// breachPage is one breach: the report, the clock, the DPO's record and the people affected.
type breachPage struct {
	page
	B         store.Breach
	Clock     dpo.Clock
	Form      url.Values
	Errors    map[string]string
	ErrorList []fieldError
	Problem   string
	Risks     []string
	Told      []string
	Now       string
}

// RiskWords says a risk in words, for the template.
func (breachPage) RiskWords(r string) string { return dpo.RiskWords(r) }

func assessFields() []fieldError {
	return []fieldError{{ID: "assessment", Label: "What happened"}, {ID: "count", Label: "How many people"},
		{ID: "categories", Label: "Which data"}, {ID: "risk", Label: "The risk"}, {ID: "notify", Label: "The decision to notify the ICO"},
		{ID: "decision", Label: "The reasons for the decision"}, {ID: "approved_by", Label: "Who approved it"},
		{ID: "notified_at", Label: "When the ICO was notified"}, {ID: "reference", Label: "The ICO's reference"},
		{ID: "told", Label: "Whether the people were told"}, {ID: "actions", Label: "The actions taken"},
		{ID: "state", Label: "The state"}, {ID: "reason", Label: "The reason for the change"}}
}

func (c *Console) dpoBreach(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showBreach(w, r, v, http.StatusOK, nil, nil, "")
}

func (c *Console) showBreach(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, errs map[string]string, problem string) error {
	id, err := pathID(r, "breach")
	if err != nil {
		return err
	}
	b, err := c.Store.FindBreach(r.Context(), id)
	if err != nil {
		return err
	}
	loc := c.zone().Location()
	if form == nil {
		form = url.Values{"assessment": {b.Assessment}, "categories": {b.DataCategories}, "risk": {b.Risk}, "notify": {b.Notify},
			"decision": {b.Decision}, "approved_by": {b.ApprovedBy}, "reference": {b.Reference}, "told": {b.PeopleTold},
			"actions": {b.Actions}, "state": {b.State}, "version": {strconv.FormatInt(b.Version, 10)}}
		if b.PeopleCount >= 0 {
			form.Set("count", strconv.Itoa(b.PeopleCount))
		}
		if !b.NotifiedAt.IsZero() {
			form.Set("notified_at", b.NotifiedAt.In(loc).Format("2006-01-02T15:04"))
		}
	}
	p := breachPage{page: c.page(v, "Breach "+strconv.FormatInt(b.ID, 10)), B: b, Clock: dpo.ClockOf(b, c.now()), Form: form, Errors: errs,
		Problem: problem, Risks: dpo.RiskLevels(), Told: dpo.ToldChoices(), Now: c.now().In(loc).Format("2006-01-02T15:04")}
	p.Section = "breaches"
	p.ErrorList = orderErrors(assessFields(), errs)
	if err := c.auditBreachRead(r, v, "breach.view", strconv.FormatInt(b.ID, 10), []int64{b.ID}, "looked at a breach"); err != nil {
		return err
	}
	return c.render(w, r, status, "breach", p)
}

func (c *Console) dpoAssessBreach(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "breach")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	b, err := c.Store.FindBreach(r.Context(), id)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	a := dpo.Assessment{Assessment: f.Get("assessment"), PeopleCount: f.Get("count"), DataCategories: f.Get("categories"), Risk: f.Get("risk"),
		Notify: f.Get("notify"), Decision: f.Get("decision"), ApprovedBy: f.Get("approved_by"), Reference: f.Get("reference"),
		PeopleTold: f.Get("told"), Actions: f.Get("actions"), State: f.Get("state"), Reason: f.Get("reason")}
	if s := strings.TrimSpace(f.Get("notified_at")); s != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, c.zone().Location())
		if err != nil {
			errs["notified_at"] = "When the ICO was notified must be a date and time, for example 2026-11-03 14:00."
		}
		a.NotifiedAt = t
	}
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	nb, err := a.Apply(b, c.now())
	if de := desk.AsError(err); de != nil && de.Code == desk.EINVALID {
		more := map[string]string{}
		fieldSentences(assessFields(), de, more)
		for k, m := range more {
			if _, said := errs[k]; !said {
				errs[k] = m
			}
		}
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		return c.showBreach(w, r, v, http.StatusUnprocessableEntity, f, errs, "")
	}
	nb.Version = version
	actor := v.Actor
	actor.Reason = strings.TrimSpace(a.Reason)
	if _, err := c.Store.AssessBreach(r.Context(), actor, nb); desk.ErrorCode(err) == desk.ECONFLICT || desk.ErrorCode(err) == desk.EINVALID {
		return c.showBreach(w, r, v, http.StatusUnprocessableEntity, f, nil, desk.MessageWithFields(err))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/dpo/breaches/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// dpoLinkBreachPerson links a person to the breach as affected, or takes the link away.
func (c *Console) dpoLinkBreachPerson(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "breach")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	var person int64
	if pid := f.Get("unlink"); pid != "" {
		person, _ = strconv.ParseInt(pid, 10, 64)
	} else {
		p, problem, err := c.findOne(r.Context(), strings.TrimSpace(f.Get("person")))
		if err != nil {
			return err
		}
		if problem != "" {
			return c.showBreach(w, r, v, http.StatusUnprocessableEntity, nil, nil, "The person was not linked: "+problem)
		}
		person = p.ID
	}
	actor := v.Actor
	actor.Reason = strings.TrimSpace(f.Get("reason"))
	if actor.Reason == "" {
		return c.showBreach(w, r, v, http.StatusUnprocessableEntity, nil, nil, "Give the reason for linking or unlinking the person: the change is audited with it.")
	}
	if err := c.Store.LinkBreachPerson(r.Context(), actor, id, person, f.Get("unlink") == ""); desk.ErrorCode(err) == desk.EINVALID || desk.ErrorCode(err) == desk.ENOTFOUND {
		return c.showBreach(w, r, v, http.StatusUnprocessableEntity, nil, nil, desk.MessageWithFields(err))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/dpo/breaches/"+strconv.FormatInt(id, 10)+"#people", http.StatusSeeOther)
	return nil
}
