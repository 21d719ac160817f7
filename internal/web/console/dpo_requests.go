package console

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// dpoRoutes are the Data Protection Officer's register of subject requests.
func (c *Console) dpoRoutes() []route {
	return []route{
		{"GET", "/dpo/requests", access.KeepDPORecords, c.dpoRequests},
		{"POST", "/dpo/requests", access.KeepDPORecords, c.dpoLogRequest},
		{"GET", "/dpo/requests/{id}", access.KeepDPORecords, c.dpoRequest},
		{"POST", "/dpo/requests/{id}/step", access.KeepDPORecords, c.dpoStep},
	}
}

// dueSoon is how near a deadline must be for the "due soon" view.
const dueSoon = 7 * 24 * time.Hour

// requestsPage is the register: a view of the requests, and the form to log one.
type requestsPage struct {
	page
	Tabs     []dpoTab
	View     string
	Views    []viewTab
	Requests []desk.SubjectRequest
	Kinds    []desk.RequestKind
	Form     url.Values
	Errors   map[string]string
	// ErrorList is Errors in the order of the form, for the error summary.
	ErrorList []fieldError
	Now       time.Time
	// Today is today's date in the desk's zone ("2027-07-01"), the latest day a request can
	// have been received (at 00:30 BST it is already the day UTC has not reached).
	Today string
}

type viewTab struct{ Key, Label string }

// requestFields are the fields of the form that logs a request, in its order: each with its id
// on the page and how a sentence about it begins.
func requestFields() []fieldError {
	return []fieldError{{ID: "person", Label: "The person"}, {ID: "kind", Label: "The kind of request"},
		{ID: "received", Label: "The date it was received"}, {ID: "identity", Label: "The proof of identity"},
		{ID: "third_party", Label: "The third party"}, {ID: "authority", Label: "Their written authority"},
		{ID: "details", Label: "What they asked"}}
}

// stepFields are the fields of the steps on a request's page, in their order.
func stepFields() []fieldError {
	return []fieldError{{ID: "identity", Label: "What proved their identity"}, {ID: "months", Label: "The extension"},
		{ID: "reason", Label: "The reason for the extension"}, {ID: "close", Label: "The outcome"},
		{ID: "outcome", Label: "What was done, or why not,"}}
}

// orderErrors lists errs in the order of fields; a domain error's field messages (fragments:
// "is required") become sentences that name their field.
func orderErrors(fields []fieldError, errs map[string]string) []fieldError {
	var out []fieldError
	known := map[string]bool{}
	for _, f := range fields {
		known[f.ID] = true
		if m, ok := errs[f.ID]; ok {
			out = append(out, fieldError{ID: f.ID, Label: f.Label, Message: m})
		}
	}
	// An error of a field the list does not know comes last (in a stable order), linked to the
	// form's first field, rather than left out of the summary.
	var rest []string
	for k := range errs {
		if !known[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		id := k
		if len(fields) > 0 {
			id = fields[0].ID
		}
		out = append(out, fieldError{ID: id, Message: errs[k]})
	}
	return out
}

// fieldSentences turns a domain error's field messages into sentences naming their fields.
func fieldSentences(fields []fieldError, de *desk.Error, errs map[string]string) {
	for k, m := range de.Fields {
		label := k
		for _, f := range fields {
			if f.ID == k {
				label = f.Label
			}
		}
		errs[k] = label + " " + m + "."
	}
}

func (c *Console) dpoRequests(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showRequests(w, r, v, http.StatusOK, url.Values{}, nil)
}

func (c *Console) showRequests(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, errs map[string]string) error {
	view := r.URL.Query().Get("view")
	switch view {
	case "due", "overdue", "unverified", "all":
	default:
		view = "open"
	}
	reqs, err := c.Store.SubjectRequests(r.Context(), c.now(), store.RequestFilter{View: view, Soon: dueSoon})
	if err != nil {
		return err
	}
	p := requestsPage{page: c.page(v, "Subject requests"), View: view, Requests: reqs, Kinds: desk.RequestKinds(), Form: form, Errors: errs,
		Now: c.now(), Today: c.now().In(c.zone().Location()).Format("2006-01-02"), Views: []viewTab{{"open", "Open"}, {"due", "Due within 7 days"}, {"overdue", "Overdue"}, {"unverified", "Identity not proved"}, {"all", "All"}}}
	p.ErrorList = orderErrors(requestFields(), errs)
	p.Tabs = dpoTabs(v, "/dpo/requests")
	p.Section = "dpo"
	if len(reqs) > 0 {
		var persons []int64
		for _, q := range reqs {
			persons = append(persons, q.PersonID)
		}
		if err := c.auditRead(v, "request.list", "request", "", persons, "listed subject requests ("+view+")"); err != nil {
			return err
		}
	}
	return c.render(w, r, status, "requests", p)
}

// dpoLogRequest logs a request received by post, email or at the desk.
func (c *Console) dpoLogRequest(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	errs := map[string]string{}
	var person desk.Person
	if typed := strings.TrimSpace(f.Get("person")); typed == "" {
		errs["person"] = "Give the username or email address of the person the request is about."
	} else {
		var problem string
		var err error
		if person, problem, err = c.findOne(r.Context(), typed); err != nil {
			return err
		}
		if problem != "" {
			errs["person"] = problem
		}
	}
	received, perr := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.Get("received")), c.zone().Location())
	switch {
	case strings.TrimSpace(f.Get("received")) == "":
		errs["received"] = "Give the date the request arrived."
	case perr != nil:
		errs["received"] = "Give the date the request arrived as a date, for example 2026-03-02."
	case received.After(c.now()):
		errs["received"] = "The date it was received is in the future: give the day the request arrived."
	}
	// The times in the desk's zone: the deadline's month is counted on its calendar (desk.SubjectRequest.InZone).
	q := desk.SubjectRequest{PersonID: person.ID, Kind: desk.RequestKind(f.Get("kind")), ReceivedAt: received, ThirdParty: f.Get("third_party"),
		Authority: f.Get("authority"), Details: strings.TrimSpace(f.Get("details")), Channel: "console"}
	if how := strings.TrimSpace(f.Get("identity")); how != "" {
		q.IdentityAt, q.IdentityHow, q.IdentityBy = c.now().In(c.zone().Location()), how, v.Actor.Name
	}
	if len(errs) > 0 {
		// Every mistake at once: the other fields are checked as the store will check them.
		if de := desk.AsError(q.Validate()); de != nil {
			more := map[string]string{}
			fieldSentences(requestFields(), de, more)
			for k, m := range more {
				if _, said := errs[k]; !said {
					errs[k] = m
				}
			}
		}
		return c.showRequests(w, r, v, http.StatusUnprocessableEntity, f, errs)
	}
	q, err := c.Store.LogSubjectRequest(r.Context(), v.Actor, q)
	if desk.ErrorCode(err) == desk.EINVALID {
		if de := desk.AsError(err); de != nil {
			fieldSentences(requestFields(), de, errs)
		}
		return c.showRequests(w, r, v, http.StatusUnprocessableEntity, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/dpo/requests/"+strconv.FormatInt(q.ID, 10), http.StatusSeeOther)
	return nil
}

// sentenceCase is s as a sentence: its first letter capitalised, ending with a full stop (unless
// it ends with one, or with a question or exclamation mark, already).
func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// requestPage is one request with the steps it can take.
type requestPage struct {
	page
	Request desk.SubjectRequest
	// Bundles are the copies of the person's data built for an access or portability request.
	Bundles []store.SARBundle
	Error   string
	Now     time.Time
	// Step is the step whose form was sent with mistakes ("identity", "extend", "close"), Form
	// what it held, Errors its mistakes by field, ErrorList them in the order of the page.
	Step      string
	Form      url.Values
	Errors    map[string]string
	ErrorList []fieldError
}

// Bundled says whether the request is answered with a bundle of the person's data.
func (p requestPage) Bundled() bool {
	return p.Request.Kind == desk.RequestAccess || p.Request.Kind == desk.RequestPortability
}

// StepError is the mistake in field of step's form, when that form was sent ("" for none).
func (p requestPage) StepError(step, field string) string {
	if p.Step != step {
		return ""
	}
	return p.Errors[field]
}

// StepValue is what field of step's form held when it was sent with mistakes ("" otherwise).
func (p requestPage) StepValue(step, field string) string {
	if p.Step != step {
		return ""
	}
	return p.Form.Get(field)
}

// LastFailed is the newest bundle when its build failed: nothing was sent, the deadline runs on.
func (p requestPage) LastFailed() *store.SARBundle {
	if len(p.Bundles) > 0 && p.Bundles[0].State == store.BundleFailed {
		return &p.Bundles[0]
	}
	return nil
}

func (c *Console) dpoRequest(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showRequest(w, r, v, http.StatusOK, "")
}

func (c *Console) showRequest(w http.ResponseWriter, r *http.Request, v *visit, status int, problem string) error {
	return c.showRequestStep(w, r, v, status, problem, "", nil, nil)
}

// showRequestStep shows the request with the mistakes of the step form sent.
func (c *Console) showRequestStep(w http.ResponseWriter, r *http.Request, v *visit, status int, problem, step string, form url.Values, errs map[string]string) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a subject request", r.PathValue("id"))
	}
	q, err := c.Store.SubjectRequest(r.Context(), id)
	if err != nil {
		return err
	}
	p := requestPage{page: c.page(v, "Subject request "+strconv.FormatInt(id, 10)), Request: q, Error: problem, Now: c.now(),
		Step: step, Form: form, Errors: errs, ErrorList: orderErrors(stepFields(), errs)}
	if p.Form == nil {
		p.Form = url.Values{}
	}
	p.Section = "dpo"
	if p.Bundled() {
		if p.Bundles, err = c.Store.SARBundles(r.Context(), id, 0); err != nil {
			return err
		}
	}
	if err := c.auditRead(v, "request.view", "request", strconv.FormatInt(id, 10), []int64{q.PersonID}, "viewed the subject request"); err != nil {
		return err
	}
	return c.render(w, r, status, "request", p)
}

// dpoStep proves the identity, extends the deadline, or closes the request.
func (c *Console) dpoStep(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a subject request", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	step := f.Get("step")
	if step == "" { // a form without its step (an older page): the field given says which
		switch {
		case f.Has("identity"):
			step = "identity"
		case f.Has("months"):
			step = "extend"
		case f.Has("close"):
			step = "close"
		}
	}
	errs := map[string]string{}
	blank := func(field string) bool { return strings.TrimSpace(f.Get(field)) == "" }
	var st store.RequestStep
	switch step {
	case "identity":
		if blank("identity") {
			errs["identity"] = "Say what proved their identity, for example \"passport seen at the desk\" or \"signed in through single sign-on\"."
		}
		st.IdentityHow = f.Get("identity")
	case "extend":
		months, err := strconv.Atoi(f.Get("months"))
		if err != nil || months < 1 || months > 2 {
			errs["months"] = "Choose one or two further months."
		}
		if blank("reason") {
			errs["reason"] = "Say why the request needs longer: it is kept with the request."
		}
		st.ExtendMonths, st.Reason = months, f.Get("reason")
	case "close":
		switch f.Get("close") {
		case desk.RequestDone, desk.RequestRefused, desk.RequestWithdrawn:
		default:
			errs["close"] = "Choose how the request ends: done, refused or withdrawn."
		}
		if blank("outcome") {
			errs["outcome"] = "Say what was done, or why not."
		}
		st.Close, st.Outcome = f.Get("close"), f.Get("outcome")
	default:
		return c.showRequest(w, r, v, http.StatusUnprocessableEntity,
			"Choose a step below: record the proof of identity, extend the deadline, or close the request.")
	}
	if len(errs) > 0 {
		return c.showRequestStep(w, r, v, http.StatusUnprocessableEntity, "", step, f, errs)
	}
	st.Zone = c.zone()
	if _, err := c.Store.StepSubjectRequest(r.Context(), v.Actor, id, version, st); err != nil {
		de := desk.AsError(err)
		switch {
		case de != nil && de.Code == desk.EINVALID && len(de.Fields) > 0:
			fieldSentences(stepFields(), de, errs)
			return c.showRequestStep(w, r, v, http.StatusUnprocessableEntity, "", step, f, errs)
		case de != nil && (de.Code == desk.EINVALID || de.Code == desk.ECONFLICT):
			return c.showRequest(w, r, v, http.StatusUnprocessableEntity, sentenceCase(de.Message))
		}
		return err
	}
	http.Redirect(w, r, "/dpo/requests/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
