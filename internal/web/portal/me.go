package portal

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func (p *Portal) meRoutes() []route {
	return []route{
		{"GET", prefix + "me", access.UsePortal, p.showMe},
		{"POST", prefix + "me/rectify", access.UsePortal, p.rectifyMe},
		{"GET", prefix + "me/seen", access.UsePortal, p.showSeen},
		{"POST", prefix + "me/request", access.UsePortal, p.askCopy},
		{"GET", prefix + "me/data/{id}", access.UsePortal, p.downloadCopy},
		{"POST", prefix + "me/consent", access.UsePortal, p.giveConsent},
		{"POST", prefix + "me/consent/withdraw", access.UsePortal, p.withdrawConsent},
	}
}

// detail is one field of the person's record, in plain words.
type detail struct {
	Key, Label, Value string
	// From says where the field came from; Directory that the directory owns it, so a
	// correction must be made there (S17).
	From      string
	Directory bool
}

// mePage is "My details": everything the person register holds about the signed-in person, where
// it came from and when it last changed, and the form to say something is wrong (S17). There is
// no person in its address: it is always the signed-in person's own record.
type mePage struct {
	page
	Person  desk.Person
	Details []detail
	// FromDirectory says the record comes from the university directory (not typed in by hand).
	FromDirectory bool
	// FromSignIn says the record was made from what the person's identity provider said when
	// they first signed in (a partner enrolled on first sign-in).
	FromSignIn bool
	From       string
	Form       rectifyForm
	Errors     map[string]string
	// Requests are the person's requests about their data; Asked says one was just made.
	Requests []desk.SubjectRequest
	Asked    bool
	// Copies are the copies of their data the Data Protection Officer released to the portal,
	// downloadable until they expire.
	Copies []store.SARBundle
	// Consent is the consent section: optional contact details and the survey opt-in.
	Consent consentPart
}

// ErrorList is Errors in the order of the form, for the error summary at the top; the "what is
// wrong" error links to the first box of its group.
func (p mePage) ErrorList() []fieldError {
	return inFormOrder(p.Errors, []string{"field", "should", "other", "alt_email", "alt_phone", "agree", "survey_agree"}, map[string]string{"field": "field-first"})
}

// rectifyForm is the "Something here is wrong" form, as typed.
type rectifyForm struct {
	Fields        []string
	Should, Other string
}

// Chosen reports whether field key was ticked.
func (f rectifyForm) Chosen(key string) bool { return slices.Contains(f.Fields, key) }

var kindWords = map[desk.PersonKind]string{desk.Staff: "Staff", desk.Student: "Student", desk.Partner: "Partner", desk.Visitor: "Visitor"}

func (p *Portal) mePage(ctx context.Context, v *visit) (mePage, []int64, error) {
	me, err := p.Store.FindPerson(ctx, v.Person.ID)
	if err != nil {
		return mePage{}, nil, err
	}
	persons := []int64{me.ID}
	manager := "None recorded"
	if me.ManagerID != 0 {
		m, err := p.Store.FindPerson(ctx, me.ManagerID)
		switch {
		case err == nil:
			manager = m.Name()
			persons = append(persons, m.ID)
		case desk.ErrorCode(err) == desk.ENOTFOUND:
			manager = "Someone no longer in the register"
		default:
			return mePage{}, nil, err
		}
	}
	kind := kindWords[me.Kind]
	if kind == "" {
		kind = string(me.Kind)
	}
	status := "Active"
	if !me.Active {
		status = "No longer active"
	}
	or := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return "Not recorded"
		}
		return s
	}
	pg := mePage{page: p.page(v, "My details"), Person: me, FromDirectory: me.Source == desk.FromDirectory, FromSignIn: me.Source == desk.FromSignIn, Errors: map[string]string{},
		Details: []detail{
			{Key: "first_name", Label: "First name", Value: or(me.FirstName)},
			{Key: "last_name", Label: "Last name", Value: or(me.LastName)},
			{Key: "username", Label: "Username (sign-in name)", Value: or(me.Username)},
			{Key: "email", Label: "Email address", Value: or(me.Email)},
			{Key: "student_number", Label: "Student number", Value: or(me.StudentNumber)},
			{Key: "department", Label: "Department", Value: or(me.Department)},
			{Key: "phone", Label: "Phone number", Value: or(me.Phone)},
			{Key: "job_title", Label: "Job title", Value: or(me.JobTitle)},
			{Key: "manager", Label: "Manager", Value: manager},
			{Key: "kind", Label: "You are registered as", Value: kind},
			{Key: "active", Label: "Status", Value: status},
		}}
	pg.Section = "me"
	pg.From = "Typed in by hand by the service desk"
	if pg.FromDirectory {
		pg.From = "The university directory (copied here by the nightly import)"
	}
	prov, synced, _, err := p.Store.Provenance(ctx, me.ID)
	if err != nil {
		return mePage{}, nil, err
	}
	for i := range pg.Details {
		d := &pg.Details[i]
		switch fs, ok := prov[d.Key]; {
		case ok:
			d.Directory = true
			d.From = "The university directory (" + fs.Source + "), last checked " + p.when(synced)
			if synced.IsZero() {
				d.From = "The university directory (" + fs.Source + "), " + p.when(fs.SetAt)
			}
		case pg.FromDirectory && len(prov) == 0:
			d.Directory, d.From = true, "The university directory"
		case pg.FromSignIn && len(prov) == 0:
			d.From = "Your organisation's sign-in service"
		default:
			d.From = "The service desk"
		}
	}
	if pg.Consent, err = p.consentPart(ctx, me.ID); err != nil {
		return mePage{}, nil, err
	}
	return pg, persons, nil
}

func (p *Portal) showMe(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg, persons, err := p.mePage(r.Context(), v)
	if err != nil {
		return err
	}
	if pg.Requests, err = p.myRequests(r, v); err != nil {
		return err
	}
	pg.Asked = r.URL.Query().Get("done") == "asked"
	pg.Consent.Done = r.URL.Query().Get("done")
	bundles, err := p.Store.SARBundles(r.Context(), 0, pg.Person.ID)
	if err != nil {
		return err
	}
	for _, b := range bundles {
		// An expired bundle is listed only if it was given (on the portal, or as an encrypted
		// archive): one made final and never given expired unseen.
		if b.State == store.BundleDelivered || b.State == store.BundleExpired && !b.ExpiresAt.IsZero() {
			if b.State == store.BundleDelivered && !p.now().Before(b.ExpiresAt) {
				b.State = store.BundleExpired // the job deletes it soon
			}
			pg.Copies = append(pg.Copies, b)
		}
	}
	if err := p.auditRead(v, "person.view", "person", strconv.FormatInt(pg.Person.ID, 10), persons,
		"portal: viewed own details"); err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, "me", pg)
}

// serviceDesk finds the group that handles corrections: the one named like "Service Desk"
// (letter case aside), or none, leaving the call unassigned.
func (p *Portal) serviceDesk(ctx context.Context) (int64, error) {
	groups, err := p.Store.Groups(ctx)
	if err != nil {
		return 0, err
	}
	for _, g := range groups {
		if strings.EqualFold(strings.Join(strings.Fields(g.Name), " "), "service desk") {
			return g.ID, nil
		}
	}
	return 0, nil
}

// rectifyMe raises a rectification call (S17) for the person's record: which fields are wrong,
// what they should say. A record from the directory must be corrected there, and the call says so.
func (p *Portal) rectifyMe(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pg, persons, err := p.mePage(r.Context(), v)
	if err != nil {
		return err
	}
	f := rectifyForm{Should: strings.TrimSpace(r.PostForm.Get("should")), Other: strings.TrimSpace(r.PostForm.Get("other"))}
	var labels []string
	for _, d := range pg.Details {
		if slices.Contains(r.PostForm["field"], d.Key) {
			f.Fields = append(f.Fields, d.Key)
			labels = append(labels, d.Label)
		}
	}
	pg.Form = f
	if len(f.Fields) == 0 && f.Other == "" {
		pg.Errors["field"] = "Please tick what is wrong, or tell us below."
	}
	if f.Should == "" && f.Other == "" {
		pg.Errors["should"] = "Please tell us what it should say."
	}
	if len(f.Should) > 2000 || len(f.Other) > 10000 {
		pg.Errors["other"] = "That is longer than we can take: please shorten it."
	}
	if len(pg.Errors) > 0 {
		if err := p.auditRead(v, "person.view", "person", strconv.FormatInt(pg.Person.ID, 10), persons,
			"portal: viewed own details (correction form refused)"); err != nil {
			return err
		}
		pg.Failed = true
		return p.render(w, r, http.StatusUnprocessableEntity, "me", pg)
	}
	what := strings.Join(labels, ", ")
	if what == "" {
		what = "see the description"
	}
	var b strings.Builder
	b.WriteString("The customer asks for a correction of their personal details (rectification).\n\n")
	inDirectory := false
	if len(labels) > 0 {
		b.WriteString("Wrong: " + strings.Join(labels, ", ") + "\n")
		for _, d := range pg.Details {
			if f.Chosen(d.Key) {
				b.WriteString("- " + d.Label + " now says: " + d.Value + " (from: " + d.From + ")\n")
				inDirectory = inDirectory || d.Directory
			}
		}
	}
	if f.Should != "" {
		b.WriteString("It should say: " + f.Should + "\n")
	}
	if f.Other != "" {
		b.WriteString("\nIn their words: " + f.Other + "\n")
	}
	if inDirectory || (len(labels) == 0 && pg.FromDirectory) {
		b.WriteString("\nThis record comes from the university directory: the fix must be made in the university directory " +
			"(a change made only in calldesk would be undone by the next import).")
	} else {
		b.WriteString("\nThis record was typed in by hand: it can be corrected in calldesk's person register.")
	}
	group, err := p.serviceDesk(r.Context())
	if err != nil {
		return err
	}
	summary := "Correction of my details: " + what
	if len(summary) > 200 {
		summary = summary[:197] + "..."
	}
	call, err := p.Store.CreateCall(r.Context(), v.Actor, desk.NewCall{Kind: desk.Request, Summary: summary, Description: b.String(),
		CustomerID: v.Person.ID, Source: desk.SourcePortal, GroupID: group})
	if err != nil {
		return err
	}
	return seeOther(w, r, prefix+"calls/"+call.Ref+"?done=logged")
}
