package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
)

// retentionRoutes are the retention schedule, its sweeps and the legal holds (issue 7 item 5),
// for the Data Protection Officer and administrators; rules are changed, and holds placed and
// lifted, by the DPO alone.
func (c *Console) retentionRoutes() []route {
	return []route{
		{"GET", "/admin/retention", access.SeeRetention, c.adminRetention},
		{"POST", "/admin/retention/rules/{class}", access.KeepDPORecords, c.retentionRule},
		{"POST", "/admin/retention/dry-run", access.SeeRetention, c.retentionDryRun},
		{"POST", "/calls/{ref}/legal-hold", access.KeepDPORecords, c.placeCallHold},
		{"POST", "/people/{id}/legal-hold", access.KeepDPORecords, c.placePersonHold},
		{"POST", "/legal-holds/{id}/lift", access.KeepDPORecords, c.liftHold},
	}
}

// retentionPage is the schedule with a form per rule, the latest sweeps with their reports, and
// the legal holds in force. After a refused change, Class names the rule, Form what was sent and
// Errors why.
type retentionPage struct {
	page
	Rules []retentionRuleRow
	Runs  []store.RetentionRun
	Holds []store.LegalHold
	// Shred is where the overwriting of deleted content stands; ShredWindow the window it
	// waits for, if any.
	Shred       store.ShredState
	ShredWindow string
	// Labels names each record class for people.
	Labels map[string]string
	Done   string
	Class  string
	Form   url.Values
	Errors map[string]string
}

// retentionRuleRow is a rule with the words the page shows for it.
type retentionRuleRow struct {
	store.RetentionRule
	What, From string
	Actions    []string
}

// retentionWords says what each class covers and when its period starts, for people.
var retentionWords = map[string][2]string{
	store.ClassSpecialCategory:  {"Closed calls holding special-category data (their text)", "the call closed"},
	store.ClassClosedCalls:      {"Closed and cancelled calls (their personal data; statistics stay)", "the call closed"},
	store.ClassAttachments:      {"Files attached to closed calls", "the call closed"},
	store.ClassDiaryEntries:     {"Diary entries of closed calls", "the call closed"},
	store.ClassEmails:           {"Stored emails, received and sent", "the email"},
	store.ClassSubjectRequests:  {"Closed subject requests and their files", "the request closed"},
	store.ClassLeavers:          {"Leavers' person records (no open call)", "they left"},
	store.ClassImportReports:    {"Directory import reports (the latest of each source stays)", "the import ran"},
	store.ClassLiftedHolds:      {"Legal holds since lifted", "the hold was lifted"},
	store.ClassBreaches:         {"Closed personal data breaches", "the breach was closed"},
	store.ClassDisclosures:      {"Disclosures to third parties", "the request came"},
	store.ClassErasureDecisions: {"Erasure decisions: the reasons and who decided (that the person was erased stays)", "the erasure"},
	store.ClassConsents:         {"Withdrawn consents (the details they covered went at once)", "the consent was withdrawn"},
	store.ClassProcessors:       {"Records of processors whose contract ended", "the contract ended"},
	store.ClassDPIAs:            {"Retired DPIAs and legitimate-interest assessments, with their documents", "the assessment was retired"},
	store.ClassAuditRecords:     {"Audit records (the oldest of the trail)", "the record"},
}

// ruleFields names a rule's form fields in error messages.
var ruleFields = map[string]string{"months": "the period", "action": "the action", "reason": "the reason"}

// retentionRunsShown bounds the sweeps listed.
const retentionRunsShown = 20

func (c *Console) adminRetention(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showRetention(w, r, v, http.StatusOK, "", nil, nil)
}

func (c *Console) showRetention(w http.ResponseWriter, r *http.Request, v *visit, status int, class string, form url.Values, errs map[string]string) error {
	ctx := r.Context()
	rules, err := c.Store.RetentionRules(ctx)
	if err != nil {
		return err
	}
	p := retentionPage{page: c.page(v, "Retention schedule"), Class: class, Form: form, Errors: errs}
	p.Section = "retention"
	p.Labels = map[string]string{}
	for class, words := range retentionWords {
		p.Labels[class] = words[0]
	}
	for _, rule := range rules {
		words := retentionWords[rule.Class]
		p.Rules = append(p.Rules, retentionRuleRow{RetentionRule: rule, What: words[0], From: words[1], Actions: rule.Actions()})
	}
	if p.Runs, err = c.Store.RetentionRuns(ctx, retentionRunsShown); err != nil {
		return err
	}
	if p.Shred, err = c.Store.Shred(ctx); err != nil {
		return err
	}
	p.ShredWindow = c.ShredWindow
	if p.Holds, err = c.Store.ActiveHolds(ctx); err != nil {
		return err
	}
	if len(p.Holds) > 0 {
		// The holds name people (the held person, the customer of a held call, and whoever
		// their reasons name): the page is a read of their data (P2).
		var persons []int64
		var reasons []string
		ids := make([]string, len(p.Holds))
		for i, h := range p.Holds {
			persons = append(persons, h.PersonID, h.CustomerID)
			reasons = append(reasons, h.Reason)
			ids[i] = strconv.FormatInt(h.ID, 10)
		}
		named, err := c.Store.PeopleNamedIn(ctx, reasons...)
		if err != nil {
			return err
		}
		if err := c.auditRead(v, "legal_hold.view", "legal_hold", "", append(persons, named...),
			"retention: legal holds "+strings.Join(ids, ", ")); err != nil {
			return err
		}
	}
	switch r.URL.Query().Get("done") {
	case "rule":
		p.Done = "The rule was changed. The next sweep applies it."
	case "dry-run":
		p.Done = "The dry run is done: its report is the first below. Nothing was changed."
	}
	return c.render(w, r, status, "retention", p)
}

// retentionRule changes a rule's period and action, with a reason.
func (c *Console) retentionRule(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	class, f := r.PathValue("class"), r.PostForm
	months, err := strconv.Atoi(strings.TrimSpace(f.Get("months")))
	if err != nil {
		return c.showRetention(w, r, v, http.StatusUnprocessableEntity, class, f, map[string]string{"months": "Give the period as a number of months."})
	}
	err = c.Store.SetRetentionRule(r.Context(), v.Actor, class, months, f.Get("action"), f.Get("reason"))
	if desk.ErrorCode(err) == desk.EINVALID {
		errs := map[string]string{}
		if de := desk.AsError(err); de != nil {
			for k, m := range de.Fields {
				errs[k] = sentenceCase(ruleFields[k] + " " + m)
			}
		}
		return c.showRetention(w, r, v, http.StatusUnprocessableEntity, class, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/retention?done=rule", http.StatusSeeOther)
	return nil
}

// retentionDryRun counts what a sweep would do now, keeps the report, and shows it.
func (c *Console) retentionDryRun(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := (privacy.Retention{Store: c.Store, Now: c.Now, Zone: c.zone()}).Sweep(r.Context(), v.Actor, true); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/retention?done=dry-run", http.StatusSeeOther)
	return nil
}

func (c *Console) placeCallHold(w http.ResponseWriter, r *http.Request, v *visit) error {
	call, err := c.Store.FindCallByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if _, err := c.Store.PlaceLegalHold(r.Context(), v.Actor, call.ID, 0, r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, "/calls/"+call.Ref, http.StatusSeeOther)
	return nil
}

func (c *Console) placePersonHold(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if _, err := c.Store.PlaceLegalHold(r.Context(), v.Actor, 0, id, r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// liftHold lifts a legal hold with a reason and goes back where the form was (the call, the
// person, or the retention page).
func (c *Console) liftHold(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a legal hold", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if err := c.Store.LiftLegalHold(r.Context(), v.Actor, id, r.PostForm.Get("reason")); err != nil {
		return err
	}
	back := localPath(r.PostForm.Get("back"))
	if !strings.HasPrefix(back, "/calls/") && !strings.HasPrefix(back, "/people/") {
		back = "/admin/retention"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
