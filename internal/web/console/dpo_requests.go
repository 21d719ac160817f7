package console

import (
	"net/http"
	"net/url"
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
	View     string
	Views    []viewTab
	Requests []desk.SubjectRequest
	Kinds    []desk.RequestKind
	Form     url.Values
	Errors   map[string]string
	Now      time.Time
}

type viewTab struct{ Key, Label string }

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
		Now: c.now(), Views: []viewTab{{"open", "Open"}, {"due", "Due within 7 days"}, {"overdue", "Overdue"}, {"unverified", "Identity not proved"}, {"all", "All"}}}
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
	person, problem, err := c.findOne(r.Context(), strings.TrimSpace(f.Get("person")))
	if err != nil {
		return err
	}
	if problem != "" {
		errs["person"] = problem
	}
	received, err := time.ParseInLocation("2006-01-02", f.Get("received"), c.zone())
	if err != nil {
		errs["received"] = "Give the date the request arrived, as a date."
	}
	if len(errs) > 0 {
		return c.showRequests(w, r, v, http.StatusUnprocessableEntity, f, errs)
	}
	q := desk.SubjectRequest{PersonID: person.ID, Kind: desk.RequestKind(f.Get("kind")), ReceivedAt: received, ThirdParty: f.Get("third_party"),
		Authority: f.Get("authority"), Details: strings.TrimSpace(f.Get("details")), Channel: "console"}
	if how := strings.TrimSpace(f.Get("identity")); how != "" {
		q.IdentityAt, q.IdentityHow, q.IdentityBy = c.now(), how, v.Actor.Name
	}
	q, err = c.Store.LogSubjectRequest(r.Context(), v.Actor, q)
	if desk.ErrorCode(err) == desk.EINVALID {
		if de := desk.AsError(err); de != nil {
			for k, m := range de.Fields {
				errs[k] = sentenceCase(m)
			}
		}
		return c.showRequests(w, r, v, http.StatusUnprocessableEntity, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/dpo/requests/"+strconv.FormatInt(q.ID, 10), http.StatusSeeOther)
	return nil
}

func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// requestPage is one request with the steps it can take.
type requestPage struct {
	page
	Request desk.SubjectRequest
	// Bundles are the copies of the person's data built for an access or portability request.
	Bundles []store.SARBundle
	Error   string
	Now     time.Time
}

// Bundled says whether the request is answered with a bundle of the person's data.
func (p requestPage) Bundled() bool {
	return p.Request.Kind == desk.RequestAccess || p.Request.Kind == desk.RequestPortability
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
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a subject request", r.PathValue("id"))
	}
	q, err := c.Store.SubjectRequest(r.Context(), id)
	if err != nil {
		return err
	}
	p := requestPage{page: c.page(v, "Subject request "+strconv.FormatInt(id, 10)), Request: q, Error: problem, Now: c.now()}
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
	months, _ := strconv.Atoi(f.Get("months"))
	st := store.RequestStep{IdentityHow: f.Get("identity"), ExtendMonths: months, Reason: f.Get("reason"), Close: f.Get("close"), Outcome: f.Get("outcome")}
	if _, err := c.Store.StepSubjectRequest(r.Context(), v.Actor, id, version, st); err != nil {
		switch desk.ErrorCode(err) {
		case desk.EINVALID, desk.ECONFLICT:
			return c.showRequest(w, r, v, http.StatusUnprocessableEntity, desk.MessageWithFields(err))
		}
		return err
	}
	http.Redirect(w, r, "/dpo/requests/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
