package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/privacy"
	"calldesk/internal/web"
)

func (p *Portal) newCallRoutes() []route {
	return []route{
		{"GET", prefix + "calls/new", access.UsePortal, p.newCallForm},
		{"POST", prefix + "calls/new", access.UsePortal, p.createCall},
	}
}

// category is one choice of "what is it about": a top-level problem profile under its own name,
// or "Something else" (no profile: the desk classifies it).
type category struct {
	Value, Label string
}

// newCallPage is "Ask for help": what it is about, what is wrong, optional contact details for
// this call, the short privacy summary, and the special-category warning when the text needs it.
type newCallPage struct {
	page
	Form       newCallForm
	Categories []category
	Errors     map[string]string
	// Special lists what privacy.Detect found, when the person has not yet said to send it anyway.
	Special   []privacy.Match
	Retention string
	// Notice is the privacy notice in force, whose summary the form shows (policy 14.5), nil
	// before the DPO publishes one (the form then shows calldesk's own short summary).
	Notice *dpo.Notice
	// FileHint says which files may be attached, and how large.
	FileHint string
	// FilesAgain names the files that were chosen but not sent, when the form comes back for
	// another look (a browser cannot keep chosen files in a redrawn form).
	FilesAgain string
}

// ErrorList is Errors in the order of the form, for the error summary at the top.
func (p newCallPage) ErrorList() []fieldError {
	return inFormOrder(p.Errors, []string{"category", "summary", "description", "files", "alt_email", "alt_phone"}, nil)
}

// newCallForm is what the form holds, as typed.
type newCallForm struct {
	Category, Summary, Description, AltEmail, AltPhone string
	SendAnyway                                         bool
	// FormKey is drawn into the form when it is first shown (web.NewFormKey) and kept on every
	// redraw, so that the form sent twice logs one call.
	FormKey string
}

func (p *Portal) categories(r *http.Request) ([]category, error) {
	all, err := p.Store.Profiles(r.Context())
	if err != nil {
		return nil, err
	}
	var out []category
	for _, pr := range all {
		if pr.ParentID == 0 {
			out = append(out, category{Value: strconv.FormatInt(pr.ID, 10), Label: pr.Name})
		}
	}
	return append(out, category{Value: "", Label: "Something else / I'm not sure"}), nil
}

func (p *Portal) newCallPage(r *http.Request, v *visit, f newCallForm) (newCallPage, error) {
	cats, err := p.categories(r)
	if err != nil {
		return newCallPage{}, err
	}
	pg := newCallPage{page: p.page(v, "Ask for help"), Form: f, Categories: cats, Errors: map[string]string{}, Retention: p.retention(r.Context()),
		FileHint: p.attachmentRules().Hint()}
	pg.Section = "new"
	if pub, err := p.Store.LatestNotice(r.Context()); err == nil {
		n, err := dpo.ReadNotice(pub)
		if err != nil {
			return pg, err
		}
		pg.Notice = &n
	} else if desk.ErrorCode(err) != desk.ENOTFOUND {
		return pg, err
	}
	return pg, nil
}

func (p *Portal) newCallForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg, err := p.newCallPage(r, v, newCallForm{FormKey: web.NewFormKey()})
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, "newcall", pg)
}

// createCall logs the call for the signed-in person (source portal). Text that looks like
// special-category data is sent only once the person has seen the warning and ticked "send it
// anyway"; the call is then marked as holding such data.
func (p *Portal) createCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	posted := p.readForm(w, r)
	pf := posted.Values
	f := newCallForm{Category: strings.TrimSpace(pf.Get("category")), Summary: pf.Get("summary"), Description: pf.Get("description"),
		AltEmail: strings.TrimSpace(pf.Get("alt_email")), AltPhone: strings.TrimSpace(pf.Get("alt_phone")), SendAnyway: pf.Get("send_anyway") == "1",
		FormKey: strings.TrimSpace(pf.Get(web.FormKeyField))}
	pg, err := p.newCallPage(r, v, f)
	if err != nil {
		return err
	}
	n := desk.NewCall{Kind: desk.Fault, Summary: f.Summary, Description: f.Description, CustomerID: v.Person.ID,
		AltEmail: f.AltEmail, AltPhone: f.AltPhone, Source: desk.SourcePortal, FormKey: f.FormKey}
	// The version of the notice whose summary the person saw: the form's, when it is a version
	// published (the form may have been drawn before the latest one).
	if seen, err := strconv.Atoi(pf.Get("notice_version")); err == nil && pg.Notice != nil && seen > 0 && seen <= pg.Notice.Version {
		n.NoticeVersion = seen
	}
	if f.Category != "" {
		known := false
		for _, c := range pg.Categories {
			known = known || (c.Value != "" && c.Value == f.Category)
		}
		id, _ := strconv.ParseInt(f.Category, 10, 64)
		if !known {
			pg.Errors["category"] = "Please choose one of the listed options."
		}
		n.ProfileID = id
	}
	if found := privacy.Detect(f.Summary + "\n" + f.Description); len(found) > 0 {
		if !f.SendAnyway {
			pg.Special = found
		}
		n.SpecialCategory = true
	}
	if err := n.Validate(); err != nil {
		mergeFields(pg.Errors, err)
	}
	if posted.FileError != "" {
		pg.Errors["files"] = posted.FileError
	}
	if len(pg.Errors) > 0 || len(pg.Special) > 0 {
		pg.Failed = len(pg.Errors) > 0
		if posted.FileError == "" && len(posted.Files) > 0 {
			names := make([]string, len(posted.Files))
			for i, u := range posted.Files {
				names[i] = u.Filename
			}
			pg.FilesAgain = strings.Join(names, ", ")
		}
		return p.render(w, r, posted.Status(), "newcall", pg)
	}
	// The files were checked before; they come with an update of the person's own, so they show
	// on the call page with what was sent. The call and its files are saved together or not at all.
	names := make([]string, len(posted.Files))
	for i, u := range posted.Files {
		names[i] = u.Filename
	}
	call, err := p.Store.CreateCallWithAttachments(r.Context(), v.Actor, n,
		"Files sent with the request: "+strings.Join(names, ", "), posted.Files, p.attachmentRules())
	if err != nil && desk.ErrorCode(err) == desk.ECONFLICT && f.FormKey != "" {
		// This form logged its call already (sent twice, or again after signing in): that call
		// is the answer, and nothing more is logged.
		first, ferr := p.Store.FormKeyCall(r.Context(), v.Actor.AccountID, f.FormKey)
		if ferr == nil {
			return seeOther(w, r, prefix+"calls/"+first.Ref+"?done=logged")
		} else if desk.ErrorCode(ferr) != desk.ENOTFOUND {
			return ferr
		}
		// The key was used by someone else (a form tampered with, or copied): nothing was
		// logged; the form comes back with what was typed, and a key of its own.
		pg.Form.FormKey = web.NewFormKey()
		pg.Errors["summary"] = "This form had been used already, so nothing was sent. Please check it and send it again."
		pg.Failed = true
		return p.render(w, r, http.StatusConflict, "newcall", pg)
	}
	if err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			if de := desk.AsError(err); de.Fields["customer_id"] != "" {
				// The customer is the person signed in: the store refused them (their processing
				// is restricted), which is said to them in their own terms.
				pg.Errors["summary"] = "Nothing was sent: SupportMe cannot take a new request from you while the processing of your " +
					"personal data is restricted (UK GDPR article 18). The Data Protection Officer must lift the restriction first."
			}
			mergeFields(pg.Errors, err)
			if len(pg.Errors) == 0 {
				pg.Errors["summary"] = sentence(desk.Message(err))
			}
			pg.Failed = true
			return p.render(w, r, http.StatusUnprocessableEntity, "newcall", pg)
		}
		return err
	}
	return seeOther(w, r, prefix+"calls/"+call.Ref+"?done=logged")
}

// mergeFields copies a validation error's field messages into errs, in plain sentences, under
// the form's names (the store's profile_id is the form's category).
func mergeFields(errs map[string]string, err error) {
	var de *desk.Error
	if !errors.As(err, &de) {
		return
	}
	for k, m := range de.Fields {
		if k == "profile_id" {
			k = "category"
		}
		if k == "customer_id" {
			continue // the person signed in: said in the page's own words
		}
		if _, ok := errs[k]; !ok {
			errs[k] = sentence(fieldName(k) + " " + m)
		}
	}
}

// fieldName names a form field in a message.
func fieldName(k string) string {
	switch k {
	case "summary":
		return "the short description"
	case "description":
		return "the details"
	case "alt_email":
		return "the email address"
	case "alt_phone":
		return "the phone number"
	case "category":
		return "the choice"
	case "text":
		return "your message"
	case "reason":
		return "the reason"
	}
	return k
}
