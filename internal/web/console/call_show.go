package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// callRoutes are the call page and its actions. Each action is a form posted to
// /calls/{ref}/{action}, handled in its own file (call_assign.go, call_hold.go...) through act.
func (c *Console) callRoutes() []route {
	return []route{
		{"GET", "/calls/{ref}", access.WorkCalls, c.showCall},
		{"POST", "/calls/{ref}/assign", access.WorkCalls, c.assignCall},
		{"POST", "/calls/{ref}/take", access.WorkCalls, c.takeCall},
		{"POST", "/calls/{ref}/accept", access.WorkCalls, c.acceptCall},
		{"POST", "/calls/{ref}/update", access.WorkCalls, c.addUpdate},
		{"POST", "/calls/{ref}/note", access.WorkCalls, c.addNote},
		{"POST", "/calls/{ref}/hold", access.WorkCalls, c.holdCall},
		{"POST", "/calls/{ref}/resolve", access.WorkCalls, c.resolveCall},
		{"POST", "/calls/{ref}/close", access.WorkCalls, c.closeCall},
		{"POST", "/calls/{ref}/reopen", access.WorkCalls, c.reopenCall},
		{"POST", "/calls/{ref}/cancel", access.WorkCalls, c.cancelCall},
		{"POST", "/calls/{ref}/change", access.WorkCalls, c.changeCall},
		{"POST", "/calls/{ref}/special", access.WorkCalls, c.markSpecial},
		{"GET", "/calls/{ref}/attachments/{id}", access.WorkCalls, c.showAttachment},
		{"GET", "/calls/{ref}/emails/{entry}", access.ReadEmails, c.showEmail},
		{"POST", "/calls/{ref}/triage", access.ReadEmails, c.confirmTriage},
	}
}

// callPage is a call with its whole diary (internal notes included) and the forms of the actions
// its state allows. After a refused action, Form holds what was sent, why it was refused, and
// (on a conflict) what changed meanwhile.
type callPage struct {
	page
	Call desk.Call
	// Restricted is the customer's restriction of processing, if any: the call is frozen.
	Restricted store.Restriction
	// Held is the legal hold on the call, CustomerHeld the one on its customer (ID 0: none).
	Held, CustomerHeld store.LegalHold
	Diary              []desk.Entry // newest first
	Names              *names
	Milestones         []milestone
	// SLA is the call's service level evaluated now (issue 17): its rule and why, both clocks.
	SLA callSLA
	Now time.Time
	// MinUntil is the earliest hold time the hold form offers (now, as a datetime-local value).
	MinUntil string
	// Done says what the last action did, after its redirect.
	Done string
	// AttachHint describes which files may be attached, beside the file fields.
	AttachHint string
	// MailAuth is the sender verdict of each email of the call by diary entry (0: the email
	// that opened the call), for support analysts only (S13); nil for others.
	MailAuth map[int64]desk.MailAuth
	Form     callForm

	me        int64
	myGroups  []int64
	readsCall bool              // the visitor may read the call (access.ReadsCall): only then may they move it
	open      string            // an action form drawn open though nothing was refused (assign, after "Show this group's analysts")
	defaults  map[string]string // "action.field" -> the value a form starts with
	// marks: the visitor may turn the call's special-category mark the other way
	// (access.MayMarkSpecial), so the page offers the form.
	marks bool
	// replies are the canned replies offered (admin_replies.go); picked is the form a chosen
	// one filled (drawn open), pickedReply its id.
	replies             []store.CannedReply
	picked, pickedReply string
}

// callForm is an action form that was sent and refused.
type callForm struct {
	Action   string // the form: assign, hold... ("" when none was refused)
	Values   url.Values
	Errors   map[string]string // field name -> what is wrong
	Message  string            // why it was refused, as a sentence
	Conflict bool              // the call changed since the form was drawn
	Changes  []string          // on a conflict: what changed
	Summary  []fieldError      // the field errors, for the list at the top of the page
	// Kept is what was typed into a form the call's new state no longer offers.
	Kept []web.Field
}

// formField is what a form control needs to draw itself: its id, name and label, the value to
// show (what was typed, or the form's starting value) and its error.
type formField struct {
	ID, Name, Label, Value, Error string
}

// ErrID is the id of the field's error message, for aria-describedby.
func (f formField) ErrID() string { return f.ID + "-err" }

// milestone is a moment in the call's life.
type milestone struct {
	Label string
	At    time.Time
	Note  string
}

// fieldLabels name each action form's fields, for labels and error messages. A field's control
// is named as the store names it in its errors (group_id, until, reason...), so that an error
// finds its field.
func fieldLabels() map[string]string {
	return map[string]string{
		"assign.group_id":    "Group",
		"assign.analyst_id":  "Analyst",
		"update.text":        "Public update",
		"note.text":          "Internal note",
		"update.files":       "Attachments",
		"note.files":         "Attachments",
		"hold.until":         "Hold until",
		"hold.reason":        "Reason",
		"resolve.resolution": "Resolution",
		"close.reason":       "Note",
		"reopen.reason":      "Reason",
		"cancel.reason":      "Reason",
		"change.profile_id":  "Profile",
		"change.impact":      "Impact",
		"change.urgency":     "Urgency",
		"special.reason":     "Reason",
	}
}

// doneWords say what an action did, shown on the call page after its redirect.
func doneWords() map[string]string {
	return map[string]string{
		"logged":  "The call is logged. The customer is emailed its reference when they have an address, and sees it on SupportMe.",
		"assign":  "The call is assigned.",
		"take":    "The call is yours: assigned to you and accepted.",
		"accept":  "You accepted the call.",
		"update":  "Your public update is in the diary; the customer can see it.",
		"note":    "Your internal note is in the diary; only analysts can see it.",
		"hold":    "The call is on hold.",
		"resolve": "The call is resolved.",
		"close":   "The call is closed: the customer is emailed that it is closed (when they have an address) and sees it closed on SupportMe. It cannot be reopened.",
		"reopen":  "The call is reopened.",
		"cancel":  "The call is cancelled: it has left the queues; the customer was not emailed, and sees it cancelled on SupportMe. It cannot be reopened.",
		"change":  "The call is changed.",
		"triage":  "The summary and description are confirmed: every analyst now reads them.",
	}
}

// Can reports whether the page offers the action's form: whether the call's state allows it
// (desk.Action.Allowed), and for the console's own actions whether it makes sense for the analyst.
func (p callPage) Can(action string) bool {
	s := p.Call.State
	switch action {
	case "take", "accept", "assign":
		// Moving a special-category call is for those who may read it (access.MayMove).
		if !p.readsCall {
			return false
		}
	}
	switch action {
	case "take":
		// A call already assigned to me is not taken again: Accept is what is left to do.
		return desk.ActAssign.Allowed(s) && p.Call.AnalystID != p.me
	case "accept":
		return desk.ActAccept.Allowed(s) && (p.Call.AnalystID == 0 || p.Call.AnalystID == p.me)
	case "update":
		return s != desk.Closed && s != desk.Cancelled
	case "note":
		return true
	case "triage":
		return p.Call.TriagePending
	case "special":
		return p.marks
	}
	return desk.Action(action).Allowed(s)
}

// Auth is the sender verdict of the email of diary entry id (0: the email that opened the call);
// the zero MailAuth, which shows nothing, when there is none.
func (p callPage) Auth(id int64) desk.MailAuth { return p.MailAuth[id] }

// Open reports whether the action's form is the one that was refused, so it is drawn open.
func (p callPage) Open(action string) bool {
	return p.Form.Action == action || p.open == action || (p.Form.Action == "" && p.picked == action)
}

// Field returns a form control's id, name, label, value and error.
func (p callPage) Field(action, name string) formField {
	f := formField{ID: action + "-" + strings.ReplaceAll(name, "_", "-"), Name: name, Label: fieldLabels()[action+"."+name]}
	if p.Form.Action == action {
		f.Value, f.Error = p.Form.Values.Get(name), p.Form.Errors[name]
	} else {
		f.Value = p.defaults[action+"."+name]
	}
	return f
}

// filesField is a form's file field with the hint that says what it takes.
type filesField struct {
	F    formField
	Hint string
}

// Files returns the file field of an action's form (update, note).
func (p callPage) Files(action string) filesField {
	return filesField{F: p.Field(action, "files"), Hint: p.AttachHint}
}

// KindWords names a kind of diary entry.
func (p callPage) KindWords(k desk.EntryKind) string {
	switch k {
	case desk.EntryUpdate:
		return "Update"
	case desk.EntryNote:
		return "Note"
	case desk.EntryStatus:
		return "Status"
	case desk.EntryAssignment:
		return "Assignment"
	case desk.EntryEmail:
		return "Email"
	}
	return string(k)
}

// SourceWords names how the call reached the desk.
func (p callPage) SourceWords() string {
	switch p.Call.Source {
	case desk.SourceFaceToFace:
		return "face to face"
	case desk.SourceAPI:
		return "API"
	}
	return string(p.Call.Source)
}

// customerWords names the call's customer in a sentence: their name, or "the customer".
func (p callPage) customerWords() string {
	if n := p.Call.Customer.Name; n != "" {
		return n
	}
	return "The customer"
}

// CloseWords say, beside the close form, what closing does (issue 16, defect 4): who is told,
// what the customer sees, and that it cannot be undone.
func (p callPage) CloseWords() string {
	told := p.customerWords() + " is emailed that the call is closed, and"
	if p.Call.Customer.Email == "" {
		told = p.customerWords() + " has no email address, so is not told by email;"
	}
	return "Closing ends the call for good. " + told + " sees it closed on SupportMe, with your note. " +
		"A closed call cannot be reopened and takes no more public updates (internal notes still can be added); " +
		"if the problem comes back, log a new call."
}

// CancelWords say, beside the cancel form, what cancelling does (issue 16, defect 4).
func (p callPage) CancelWords() string {
	return "Cancelling withdraws the call: it leaves the queues and is not worked on. " + p.customerWords() +
		" is not emailed, but sees it cancelled on SupportMe, with your reason. " +
		"A cancelled call cannot be reopened; if it is needed after all, log a new call."
}

// SpecialWords say, beside the special-category form, what marking the call or taking the mark
// off does, and who may then read it.
func (p callPage) SpecialWords() string {
	if p.Call.SpecialCategory {
		return "Take the mark off only if the call holds no special-category data (health, disability, religion, ethnicity, sexual life...): " +
			"every analyst then reads its text, its diary and its files, and its words are found by every search. Say why; the reason is kept in the audit trail."
	}
	return "Mark the call if it holds special-category data (health, disability, religion, ethnicity, sexual life...): only its group, " +
		"the analyst it is assigned to and the Data Protection Officer then read its text, its diary and its files; other analysts see it masked. " +
		"Say why; the reason is kept in the audit trail."
}

// SpecialReason is the reason field of the special-category form. What was typed comes back only
// when the form sent asked for the change the page offers now: a reason for marking the call is
// not left in the form that takes the mark off (someone else marked it meanwhile).
func (p callPage) SpecialReason() formField {
	f := p.Field("special", "reason")
	if p.Form.Action == "special" && p.Form.Values.Get("special") != strconv.FormatBool(!p.Call.SpecialCategory) {
		f.Value = ""
	}
	return f
}

// specialDone says what the special-category form did, after its redirect, from the call's mark.
func (p callPage) specialDone() string {
	if p.Call.SpecialCategory {
		return "The call is marked as holding special-category data, with your reason in the audit trail: only its group, " +
			"the analyst it is assigned to and the Data Protection Officer read its text now."
	}
	return "The special-category mark is taken off, with your reason in the audit trail: every analyst reads the call's text now."
}

// Levels are the choices of impact and urgency.
func (p callPage) Levels() []desk.Level { return []desk.Level{desk.High, desk.Medium, desk.Low} }

// showCall draws the call page, and records the read in the audit trail (P2).
func (c *Console) showCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.callPage(r.Context(), v, r.PathValue("ref"))
	if err != nil {
		return err
	}
	p.Done = doneWords()[r.URL.Query().Get("done")]
	if r.URL.Query().Get("done") == "special" {
		p.Done = p.specialDone()
	}
	if g, err := strconv.ParseInt(r.URL.Query().Get("assign_group"), 10, 64); err == nil && g > 0 && p.Can("assign") {
		// The assign form's "Show this group's analysts", without JavaScript: the form open on
		// that group, the analyst list its members.
		p.open = "assign"
		p.defaults["assign.group_id"] = strconv.FormatInt(g, 10)
		if !p.Names.IsMember(g, p.Call.AnalystID) {
			p.defaults["assign.analyst_id"] = ""
		}
	}
	if err := c.cannedReplies(r.Context(), r.URL.Query(), &p); err != nil {
		return err
	}
	if err := c.auditCall(r.Context(), v, p, "viewed the call and its diary"); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "call", p)
}

// callPage loads the call ref as it is now, with its diary and what its forms need.
func (c *Console) callPage(ctx context.Context, v *visit, ref string) (callPage, error) {
	call, err := c.Store.FindCallByRef(ctx, ref)
	if err != nil {
		return callPage{}, err
	}
	diary, err := c.Store.Diary(ctx, call.ID, true)
	if err != nil {
		return callPage{}, err
	}
	groups, err := c.Store.GroupsOf(ctx, v.Person.ID)
	if err != nil {
		return callPage{}, err
	}
	level, err := c.Store.ServiceLevelOf(ctx, call)
	if err != nil {
		return callPage{}, err
	}
	rd := v.readerWith(groups)
	diary = access.DiaryFor(rd, call, diary)
	readsCall := access.ReadsCall(rd, call)
	marks := access.MayMarkSpecial(rd, call, !call.SpecialCategory) == nil
	call = access.CallFor(rd, call)
	restricted, err := c.Store.RestrictionOf(ctx, call.CustomerID)
	if err != nil {
		return callPage{}, err
	}
	held, err := c.Store.ActiveHold(ctx, call.ID, 0)
	if err != nil {
		return callPage{}, err
	}
	customerHeld, err := c.Store.ActiveHold(ctx, 0, call.CustomerID)
	if err != nil {
		return callPage{}, err
	}
	for i, j := 0, len(diary)-1; i < j; i, j = i+1, j-1 {
		diary[i], diary[j] = diary[j], diary[i]
	}
	atts, err := c.Store.Attachments(ctx, call.ID, true)
	if err != nil {
		return callPage{}, err
	}
	atts = access.AttachmentsFor(rd, call, atts)
	byEntry := map[int64][]desk.Attachment{}
	for _, a := range atts {
		byEntry[a.EntryID] = append(byEntry[a.EntryID], a)
	}
	for i := range diary {
		diary[i].Attachments = byEntry[diary[i].ID]
	}
	var auth map[int64]desk.MailAuth
	if v.ReadsEmail() && readsCall {
		if auth, err = c.Store.MailAuthOfCall(ctx, call.ID); err != nil {
			return callPage{}, err
		}
	}
	nm, err := c.names(ctx)
	if err != nil {
		return callPage{}, err
	}
	now := c.now()
	p := callPage{page: c.page(v, call.Ref+": "+call.Summary), Call: call, Restricted: restricted, Held: held, CustomerHeld: customerHeld, Diary: diary, Names: nm, Now: now,
		MinUntil: now.In(c.zone().Location()).Format(datetimeLocal), AttachHint: c.attachmentRules().Hint(), MailAuth: auth, me: v.Person.ID, myGroups: groups, readsCall: readsCall, marks: marks, Milestones: c.milestones(call), SLA: newCallSLA(level)}
	p.defaults = map[string]string{
		"assign.group_id":   idValue(call.GroupID),
		"assign.analyst_id": idValue(call.AnalystID),
		"change.profile_id": idValue(call.ProfileID),
		"change.impact":     string(call.Impact),
		"change.urgency":    string(call.Urgency),
	}
	return p, nil
}

// milestones lists the moments the call has reached, in the order of its life.
func (con *Console) milestones(c desk.Call) []milestone {
	var out []milestone
	add := func(label string, at time.Time, note string) {
		if !at.IsZero() {
			out = append(out, milestone{label, at, note})
		}
	}
	add("Logged", c.LoggedAt, "")
	add("Assigned", c.AssignedAt, "")
	add("Accepted", c.AcceptedAt, "")
	hold := ""
	if !c.HoldUntil.IsZero() {
		hold = "until " + con.when(c.HoldUntil)
		if c.HoldReason != "" {
			hold += ": " + c.HoldReason
		}
	}
	add("Held", c.HeldAt, hold)
	add("Off hold", c.OffHoldAt, "")
	add("Resolved", c.ResolvedAt, c.Resolution)
	add("Closed", c.ClosedAt, "")
	add("Cancelled", c.CancelledAt, c.CancelNote)
	add("Reopened", c.ReopenedAt, "")
	return out
}

// actionInput is a posted action form: the call's reference, the version of the call the form
// was drawn from, and the values as typed.
type actionInput struct {
	Ref     string
	Version int64
	Form    url.Values
	// Posted is the whole form, its files included (update and note take files).
	Posted web.Form
}

// get returns a field's value without surrounding spaces.
func (in actionInput) get(name string) string { return strings.TrimSpace(in.Form.Get(name)) }

// id reads a select's id value into *dst: "" is 0; anything but a positive number is an error
// in fields.
func (in actionInput) id(name string, dst *int64, fields map[string]string) {
	s := in.get(name)
	if s == "" {
		return
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		fields[name] = "is not one of the choices"
		return
	}
	*dst = n
}

// act runs one action form: do makes the change; on success the browser is sent back to the call
// page (Post/Redirect/Get). A refused change (invalid input, an action the call's state does not
// allow, or a conflict with someone else's change) redraws the call page as it is now, with the
// form as typed and the reason. Anything else (an unknown call, a failure) is the adapter's.
func (c *Console) act(w http.ResponseWriter, r *http.Request, v *visit, action string, do func(ctx context.Context, in actionInput) error) error {
	pf, readErr := web.ReadForm(w, r, c.attachmentRules())
	in := actionInput{Ref: strings.ToUpper(strings.TrimSpace(r.PathValue("ref"))), Form: pf.Values, Posted: pf}
	var err error
	if readErr != nil {
		err = readErr
	} else if in.Version, err = strconv.ParseInt(in.Form.Get("version"), 10, 64); err != nil || in.Version <= 0 {
		err = desk.Errorf(desk.EINVALID, "the form did not say which version of the call it was drawn from, so nothing was changed; your form is below: send it again")
	} else {
		err = do(r.Context(), in)
	}
	if err == nil {
		return seeOther(w, r, "/calls/"+in.Ref+"?done="+action)
	}
	switch desk.ErrorCode(err) {
	case desk.EINVALID, desk.ECONFLICT:
		return c.refused(w, r, v, action, in, desk.AsError(err))
	}
	return err
}

// mayMove refuses, with EFORBIDDEN, a move of call ref by a visitor who may not read it
// (access.MayMove). The move that follows requires the form's version, so a call changed since
// this check is refused as a conflict rather than moved unchecked.
func (c *Console) mayMove(ctx context.Context, v *visit, call desk.Call, tr desk.Transition) error {
	rd, err := c.reader(ctx, v)
	if err != nil {
		return err
	}
	return access.MayMove(rd, call, tr)
}

// refused redraws the call page, as it is now, after action was refused with de.
func (c *Console) refused(w http.ResponseWriter, r *http.Request, v *visit, action string, in actionInput, de *desk.Error) error {
	p, err := c.callPage(r.Context(), v, in.Ref)
	if err != nil {
		return err
	}
	if err := c.cannedReplies(r.Context(), nil, &p); err != nil {
		return err
	}
	in.Form.Del("version") // the forms carry the current version now
	f := callForm{Action: action, Values: in.Form, Errors: map[string]string{}}
	status := http.StatusUnprocessableEntity
	switch {
	case de.Code == desk.ECONFLICT:
		if p.readsCall && de.Unmasked != nil {
			// The changes with their texts, for a reader of the call (access.ConflictFor).
			de = de.Unmasked
		}
		status, f.Conflict, f.Changes = http.StatusConflict, true, de.Changes
		f.Message = "Call " + p.Call.Ref + " was changed by someone else after you opened it, so nothing you sent was saved."
	case len(de.Fields) == 0 && !p.Can(action):
		// The call's state does not allow the action (now, or ever): nothing to correct in the form.
		status = http.StatusConflict
		f.Message = sentence(de.Message) + " Nothing was changed."
	case in.Posted.TooLarge:
		status = http.StatusRequestEntityTooLarge
		f.Message = sentence(de.Message) + "."
	default:
		f.Message = sentence(de.Message) + "."
	}
	if len(in.Posted.Files) > 0 || len(in.Posted.Refused) > 0 || in.Posted.TooLarge {
		f.Message += " A browser cannot keep chosen files in a redrawn form: choose the files to attach again."
	}
	for name, msg := range de.Fields {
		label, ok := fieldLabels()[action+"."+name]
		if !ok {
			// Not a field of this form: say it in the summary, by the store's name for it.
			f.Summary = append(f.Summary, fieldError{Label: name, Message: msg})
			continue
		}
		f.Errors[name] = msg
		f.Summary = append(f.Summary, fieldError{ID: p.Field(action, name).ID, Label: label, Message: msg})
	}
	slices.SortStableFunc(f.Summary, func(a, b fieldError) int { return strings.Compare(a.Label+a.Message, b.Label+b.Message) })
	if !p.Can(action) {
		f.Kept = web.KeptFields(in.Form, "")
	}
	// The store's and the domain's messages keep instants ("on hold until 2027-07-01T09:00:00Z",
	// a change "at" one): the person reads them in the desk's zone. A change's reason or
	// resolution is shown as it was typed (desk.Zone.ChangeText).
	f.Message = c.zone().Text(f.Message)
	for i := range f.Changes {
		f.Changes[i] = c.zone().ChangeText(f.Changes[i])
	}
	p.Form = f
	if err := c.auditCall(r.Context(), v, p, "viewed the call and its diary (after a refused "+action+")"); err != nil {
		return err
	}
	return c.render(w, r, status, "call", p)
}

// sentence makes a domain message ("cannot hold call F0000001: ...") a sentence.
func sentence(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// auditCall records the reading of a call page for every person it shows (desk.PeopleOnCall),
// and every known person its words name by address, username or directory key (the alternative
// contact, someone an entry names).
func (c *Console) auditCall(ctx context.Context, v *visit, p callPage, detail string) error {
	named, err := c.Store.PeopleNamedIn(ctx, desk.CallTexts(p.Call, p.Diary)...)
	if err != nil {
		return err
	}
	return c.auditRead(v, "call.view", "call", p.Call.Ref, append(desk.PeopleOnCall(p.Call, p.Diary), named...), detail)
}

func customerOf(c desk.Call) []int64 {
	if c.CustomerID == 0 {
		return nil
	}
	return []int64{c.CustomerID}
}

func idValue(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// datetimeLocal is the format of an <input type="datetime-local">'s value.
const datetimeLocal = "2006-01-02T15:04"
