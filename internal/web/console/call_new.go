package console

import (
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

func (c *Console) newCallRoutes() []route {
	return []route{
		{"GET", "/calls/new", access.WorkCalls, c.newCallForm},
		{"POST", "/calls/new", access.WorkCalls, c.createCall},
	}
}

// lookupLimit is how many people the customer lookup lists.
const lookupLimit = 10

// newCallPage is the form for logging a call on behalf of a customer (S5): find the customer, see
// their details from the person record, then describe the call.
//
// The customer lookup is a GET of this same page (?q=): without JavaScript it is an ordinary form;
// with htmx the lookup box fetches the page as someone types and swaps in #lookup-results, and
// choosing a person swaps in #customer (the details), keeping whatever else was typed.
type newCallPage struct {
	page
	Form newCallForm
	// Customer is the chosen customer, read from the person record; nil until one is chosen.
	Customer *desk.Person
	// Lookup is the lookup box's text; Found the people it matches (Looked: a lookup was made).
	Lookup      string
	Looked      bool
	Found       []desk.Person
	FoundTotal  int
	Names       *names
	Profiles    []desk.Profile // the profile tree, narrowed by ProfileQuery
	ProfileHint string         // what narrowing the profiles did, for screen readers
	ProfileRows int            // the profile list's height: a list box, not a drop-down, so the tree shows
	Levels      []option       // impact and urgency choices
	Errors      map[string]string
	// ErrorList is Errors in the order of the form, for the summary at the top.
	ErrorList []fieldError
}

// newCallForm is what the form holds, as typed.
type newCallForm struct {
	CustomerID, Kind, Source, Summary, Description, ProfileID, ProfileQuery string
	Impact, Urgency, GroupID, AnalystID, AltEmail, AltPhone                 string
	// Special is the box "this call holds special-category data", ticked: the call is logged
	// marked (desk.NewCall.SpecialCategory), masked to analysts outside its group.
	Special bool
	// Caller is a caller not in the register, to add while logging (issue 16): used only when
	// no customer was chosen and something of it was typed.
	Caller desk.NewCaller
	// FormKey is drawn into the form when it is first shown and kept on every redraw, so that
	// the form sent twice logs one call (web.FormKeyField).
	FormKey string
}

// CallerOpen reports whether the "add a caller not in the register" part is drawn open: something
// was typed into it, or it was refused.
func (p newCallPage) CallerOpen() bool {
	if p.Form.Caller != (desk.NewCaller{}) {
		return true
	}
	for _, name := range desk.CallerFields {
		if p.Errors[name] != "" {
			return true
		}
	}
	return false
}

// addsCaller reports whether the form adds a new caller: no customer was chosen and something of
// a caller was typed (the kind alone, a radio button's default, is not something typed).
func (f newCallForm) addsCaller() bool {
	c := f.Caller
	return f.CustomerID == "" && strings.TrimSpace(c.FirstName+c.LastName+c.Email+c.Phone) != ""
}

// fieldError is one field's message, with the id of the control it belongs to.
type fieldError struct{ ID, Label, Message string }

// newCallFields are the form's fields in the order they appear: the names are those of the
// store's field errors, so its messages land beside the right control.
func newCallFields() []struct{ Name, ID, Label string } {
	return []struct{ Name, ID, Label string }{
		{"customer_id", "lookup-q", "Customer"},
		{"caller_first_name", "caller-first-name", "First name"},
		{"caller_last_name", "caller-last-name", "Last name"},
		{"caller_kind", "caller-kind-visitor", "Kind of caller"},
		{"caller_email", "caller-email", "Caller's email"},
		{"caller_phone", "caller-phone", "Caller's phone"},
		{"kind", "kind-fault", "Kind"},
		{"source", "source-phone", "Source"},
		{"profile_id", "profile", "Profile"},
		{"summary", "summary", "Summary"},
		{"description", "description", "Description"},
		{"impact", "impact", "Impact"},
		{"urgency", "urgency", "Urgency"},
		{"alt_email", "alt-email", "Email for this call"},
		{"alt_phone", "alt-phone", "Phone for this call"},
		{"group_id", "group", "Group"},
		{"analyst_id", "analyst", "Analyst"},
	}
}

func (c *Console) newCallForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	f := newCallForm{CustomerID: q.Get("customer"), Kind: string(desk.Fault), Source: string(desk.SourcePhone),
		ProfileID: q.Get("profile_id"), ProfileQuery: q.Get("profile_q"), FormKey: web.NewFormKey()}
	p, err := c.newCallPage(r, v, f)
	if err != nil {
		return err
	}
	if _, ok := q["q"]; ok {
		if err := c.lookup(r, v, &p, q.Get("q")); err != nil {
			return err
		}
	}
	return c.render(w, r, http.StatusOK, "newcall", p)
}

// newCallPage fills the page around the form: the names for the pickers and the chosen customer.
func (c *Console) newCallPage(r *http.Request, v *visit, f newCallForm) (newCallPage, error) {
	p := newCallPage{page: c.page(v, "Log a call"), Form: f, Errors: map[string]string{}}
	p.Section = "new"
	nm, err := c.names(r.Context())
	if err != nil {
		return p, err
	}
	p.Names = nm
	p.Profiles, p.ProfileHint = narrowProfiles(nm.Profiles, f.ProfileQuery, f.ProfileID)
	p.ProfileRows = min(len(p.Profiles)+1, 8)
	p.Levels = []option{{"", "From the profile"}, {string(desk.High), "High"}, {string(desk.Medium), "Medium"}, {string(desk.Low), "Low"}}
	if f.CustomerID != "" {
		id, err := strconv.ParseInt(f.CustomerID, 10, 64)
		if err != nil || id <= 0 {
			p.Errors["customer_id"] = "is not a person: find the customer again"
			p.Form.CustomerID = ""
			return p, nil
		}
		person, err := c.Store.FindPerson(r.Context(), id)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			p.Errors["customer_id"] = "is no longer in the register: find the customer again"
			p.Form.CustomerID = ""
			return p, nil
		} else if err != nil {
			return p, err
		}
		p.Customer = &person
		// Only a whole page, or the swap of the customer panel, shows their details; a lookup or
		// profile-filter swap of the same page does not, and is not recorded as a view.
		if !isHTMX(r) || r.Header.Get("HX-Target") == "customer" {
			if err := c.auditRead(v, "person.view", "person", f.CustomerID, []int64{id},
				"console: chosen as the customer of a call being logged"); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// lookup finds the people matching the lookup box as typed so far, and records that they were
// shown (person.search), as the API's people search does.
func (c *Console) lookup(r *http.Request, v *visit, p *newCallPage, q string) error {
	p.Lookup, p.Looked = strings.TrimSpace(q), true
	if p.Lookup == "" {
		return nil
	}
	if len(p.Lookup) > 200 {
		p.Errors["customer_id"] = "lookup is longer than 200 characters: give the start of a name, a username, email, student number or phone"
		return nil
	}
	people, total, err := c.Store.FindPeople(r.Context(), store.PersonFilter{Query: p.Lookup, Partial: true, Limit: lookupLimit})
	if err != nil {
		return err
	}
	p.Found, p.FoundTotal = people, total
	return c.auditPeople(v, people, "console: customer lookup for "+strconv.Quote(p.Lookup))
}

// auditPeople records a list of people shown (person.search).
func (c *Console) auditPeople(v *visit, people []desk.Person, detail string) error {
	if len(people) == 0 {
		return nil
	}
	ids := make([]int64, len(people))
	for i, person := range people {
		ids[i] = person.ID
	}
	return c.auditRead(v, "person.search", "person", "", ids, detail)
}

// narrowProfiles keeps the profiles whose path holds every word of q (and the chosen one, so a
// choice never disappears), and says what it did.
func narrowProfiles(all []desk.Profile, q, chosen string) ([]desk.Profile, string) {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return all, ""
	}
	var out []desk.Profile
	for _, p := range all {
		path := strings.ToLower(p.Path)
		keep := strconv.FormatInt(p.ID, 10) == chosen
		if !keep {
			keep = true
			for _, w := range words {
				keep = keep && strings.Contains(path, w)
			}
		}
		if keep {
			out = append(out, p)
		}
	}
	switch len(out) {
	case 0:
		return out, "No profile matches “" + q + "”."
	case 1:
		return out, "1 profile matches “" + q + "”."
	}
	return out, strconv.Itoa(len(out)) + " profiles match “" + q + "”."
}

func (c *Console) createCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	posted, readErr := web.ReadForm(w, r, c.attachmentRules())
	pf := posted.Values
	f := newCallForm{CustomerID: pf.Get("customer_id"), Kind: pf.Get("kind"), Source: pf.Get("source"),
		Summary: pf.Get("summary"), Description: pf.Get("description"), ProfileID: pf.Get("profile_id"),
		Impact: pf.Get("impact"), Urgency: pf.Get("urgency"), GroupID: pf.Get("group_id"),
		AnalystID: pf.Get("analyst_id"), AltEmail: pf.Get("alt_email"), AltPhone: pf.Get("alt_phone"),
		FormKey: strings.TrimSpace(pf.Get(web.FormKeyField)), Special: pf.Get("special_category") == "true",
		Caller: desk.NewCaller{FirstName: pf.Get("caller_first_name"), LastName: pf.Get("caller_last_name"),
			Email: pf.Get("caller_email"), Phone: pf.Get("caller_phone"), Kind: desk.PersonKind(pf.Get("caller_kind"))}}
	p, err := c.newCallPage(r, v, f)
	if err != nil {
		return err
	}
	if pf.Get("step") == "group" && readErr == nil {
		// "Show this group's analysts", pressed without JavaScript: the form again, as typed,
		// with the analyst list narrowed to the group's members. Nothing is logged.
		return c.render(w, r, http.StatusOK, "newcall", p)
	}
	n := desk.NewCall{Kind: desk.CallKind(f.Kind), Summary: f.Summary, Description: f.Description,
		AltEmail: f.AltEmail, AltPhone: f.AltPhone, Source: desk.CallSource(f.Source),
		Impact: desk.Level(f.Impact), Urgency: desk.Level(f.Urgency), FormKey: f.FormKey, SpecialCategory: f.Special}
	if p.Customer != nil {
		n.CustomerID = p.Customer.ID
	}
	id := func(name, s string) int64 {
		if s == "" {
			return 0
		}
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil || x <= 0 {
			p.Errors[name] = "is not one of the choices"
		}
		return x
	}
	n.ProfileID, n.GroupID, n.AnalystID = id("profile_id", f.ProfileID), id("group_id", f.GroupID), id("analyst_id", f.AnalystID)
	if n.Source != desk.SourcePhone && n.Source != desk.SourceFaceToFace {
		p.Errors["source"] = "must be by phone or face to face"
	}
	if n.Kind == "" {
		n.Kind = desk.Fault
	}
	if n.Kind != desk.Fault && n.Kind != desk.Request {
		p.Errors["kind"] = "must be a fault or a request"
	}
	check := n
	adds := f.addsCaller() && p.Customer == nil
	caller := f.Caller
	if adds {
		check.CustomerID = 1 // the caller becomes the customer once added
		if err := caller.Validate(); err != nil {
			mergeFields(p.Errors, err)
		}
	}
	if err := check.Validate(); err != nil {
		mergeFields(p.Errors, err)
	}
	if readErr != nil { // a tampered or cut-off form: say so, with what could be read kept
		p.Errors["form"] = desk.Message(readErr)
	}
	if len(p.Errors) == 0 {
		var call desk.Call
		var err error
		if adds {
			call, _, err = c.Store.CreateCallForNewCaller(r.Context(), v.Actor, caller, n)
		} else {
			call, err = c.Store.CreateCall(r.Context(), v.Actor, n)
		}
		if err == nil {
			return seeOther(w, r, "/calls/"+call.Ref+"?done=logged")
		}
		if desk.ErrorCode(err) == desk.ECONFLICT && f.FormKey != "" {
			// This form logged its call already (sent twice, or again after signing in).
			first, ferr := c.Store.FormKeyCall(r.Context(), v.Actor.AccountID, f.FormKey)
			if ferr == nil {
				return seeOther(w, r, "/calls/"+first.Ref+"?done=logged")
			} else if desk.ErrorCode(ferr) != desk.ENOTFOUND {
				return ferr
			}
			// Used by another account (a form tampered with, or copied): nothing was logged;
			// the form comes back as typed, with a key of its own.
			p.Form.FormKey = web.NewFormKey()
			err = desk.Invalid("the call cannot be logged", map[string]string{"summary": "was not sent: this form had been used already; check it and send it again"})
		}
		if desk.ErrorCode(err) != desk.EINVALID {
			return err
		}
		mergeFields(p.Errors, err)
		if len(p.Errors) == 0 {
			p.Errors["summary"] = desk.Message(err)
		}
	}
	known := map[string]bool{}
	for _, fd := range newCallFields() {
		known[fd.Name] = true
		if m, ok := p.Errors[fd.Name]; ok {
			p.ErrorList = append(p.ErrorList, fieldError{ID: fd.ID, Label: fd.Label, Message: m})
		}
	}
	for name, m := range p.Errors { // a rule the form does not know by name: still said, at the top
		if !known[name] {
			p.ErrorList = append(p.ErrorList, fieldError{ID: "summary", Label: strings.ReplaceAll(name, "_", " "), Message: m})
		}
	}
	p.Title = "Log a call: check the form"
	return c.render(w, r, http.StatusUnprocessableEntity, "newcall", p)
}

// mergeFields adds an EINVALID error's field messages to errs, keeping messages already there.
func mergeFields(errs map[string]string, err error) {
	de := desk.AsError(err)
	if de == nil {
		return
	}
	for k, m := range de.Fields {
		if _, ok := errs[k]; !ok {
			errs[k] = m
		}
	}
}
