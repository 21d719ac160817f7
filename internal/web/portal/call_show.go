package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

func (p *Portal) callRoutes() []route {
	return []route{
		{"GET", prefix + "calls/{ref}", access.UsePortal, p.showCall},
		{"POST", prefix + "calls/{ref}/update", access.UsePortal, p.addUpdate},
		{"POST", prefix + "calls/{ref}/confirm", access.UsePortal, p.confirmCall},
		{"POST", prefix + "calls/{ref}/reopen", access.UsePortal, p.reopenCall},
		{"GET", prefix + "calls/{ref}/withdraw", access.UsePortal, p.withdrawForm},
		{"POST", prefix + "calls/{ref}/withdraw", access.UsePortal, p.withdrawCall},
		{"POST", prefix + "calls/{ref}/restore", access.UsePortal, p.restoreCall},
		{"GET", prefix + "calls/{ref}/attachments/{id}", access.UsePortal, p.showAttachment},
	}
}

// callPage is one of the person's calls with its public diary (never an internal note) and what
// they can do: add an update, confirm or reopen a solved call, withdraw an open one.
type callPage struct {
	page
	Call  desk.Call
	Diary []desk.Entry // public entries, newest first, with their files
	// Files are the files of the public entries (never an internal note's).
	Files []desk.Attachment
	// FileHint says which files may be attached, and how large.
	FileHint string
	Done     string
	// Logged says the call was just logged: the page opens with the confirmation, what happens
	// next (NextSteps) and where the replies go (ReplyTo).
	Logged             bool
	NextSteps, ReplyTo string
	// Undoable says the person withdrew the call on SupportMe and may still put it back: nobody
	// at the desk has acted on it since.
	Undoable bool
	// Form is the form that was refused, with its message and what was typed.
	Form actionForm
	// Expect says when to expect a reply and a resolution (call_expect.go); empty when no
	// target applies.
	Expect []string
}

// Errors is the refused form's error for the error summary at the top of the page, linking to
// its field (none for a conflict, which has its own message).
func (p callPage) Errors() []fieldError {
	var out []fieldError
	if p.Form.Conflict || p.Form.Action == "" {
		return nil
	}
	ids := map[string]string{"reopen": "reopen-text", "update": "update-text", "withdraw": "withdraw-start", "restore": "restore"}
	if p.Form.Message != "" {
		out = append(out, fieldError{ID: ids[p.Form.Action], Message: p.Form.Message})
	}
	if p.Form.FileMessage != "" {
		out = append(out, fieldError{ID: "update-files", Message: p.Form.FileMessage + " Please choose the files again."})
	}
	return out
}

// actionForm is a refused action form: which one, what was typed and why it was refused.
type actionForm struct {
	Action, Text, Message string
	// FileMessage says why the files were refused (the update form's file field).
	FileMessage string
	Conflict    bool
}

// CanConfirm and the other Can* say which forms the call's state offers.
func (p callPage) CanConfirm() bool  { return p.Call.State == desk.Resolved }
func (p callPage) CanWithdraw() bool { return isOpen(p.Call.State) && p.Call.State != desk.Resolved }
func (p callPage) CanUpdate() bool   { return isOpen(p.Call.State) }

// Typed is what was typed in action's form when it was refused.
func (p callPage) Typed(action string) string {
	if p.Form.Action == action {
		return p.Form.Text
	}
	return ""
}

// ErrorOf is the message for action's form when it was refused.
func (p callPage) ErrorOf(action string) string {
	if p.Form.Action == action && !p.Form.Conflict {
		return p.Form.Message
	}
	return ""
}

// EntryWords says what a diary entry is, for the person.
func (p callPage) EntryWords(e desk.Entry) string {
	switch {
	case e.Kind != desk.EntryUpdate && e.Kind != desk.EntryEmail:
		return "Status"
	case e.AuthorID == p.Call.CustomerID:
		return "You wrote"
	case e.Author != "":
		return e.Author + " wrote"
	}
	return "Service desk"
}

func doneWords(key string) string {
	return map[string]string{
		"logged":    "Thank you: we have your request and will be in touch.",
		"update":    "Your message has been added.",
		"confirmed": "Thank you for confirming. The call is now closed.",
		"reopened":  "We have reopened your call and will look at it again.",
		"withdrawn": "Your call has been withdrawn: the service desk will not work on it any more.",
		"restored":  "Your call is back as it was before you withdrew it: the service desk will carry on with it.",
	}[key]
}

// ownCall loads ref when it is the person's own call. Anyone else's call, and a reference that
// is unknown or malformed, is the same "not found": the portal never confirms a call exists.
func (p *Portal) ownCall(ctx context.Context, v *visit, ref string) (desk.Call, error) {
	call, err := p.Store.FindCallByRef(ctx, ref)
	if err != nil {
		if c := desk.ErrorCode(err); c == desk.ENOTFOUND || c == desk.EINVALID {
			return desk.Call{}, desk.Errorf(desk.ENOTFOUND, "no such call")
		}
		return desk.Call{}, err
	}
	if call.CustomerID != v.Person.ID {
		return desk.Call{}, desk.Errorf(desk.ENOTFOUND, "no such call")
	}
	return call, nil
}

func (p *Portal) callPage(ctx context.Context, v *visit, ref string) (callPage, error) {
	call, err := p.ownCall(ctx, v, ref)
	if err != nil {
		return callPage{}, err
	}
	diary, err := p.Store.Diary(ctx, call.ID, false)
	if err != nil {
		return callPage{}, err
	}
	public := diary[:0]
	for _, e := range diary {
		if e.Public { // Diary(internal=false) gives public entries only; this keeps it so
			public = append(public, e)
		}
	}
	for i, j := 0, len(public)-1; i < j; i, j = i+1, j-1 {
		public[i], public[j] = public[j], public[i]
	}
	by, files, err := p.publicAttachments(ctx, call.ID)
	if err != nil {
		return callPage{}, err
	}
	for i := range public {
		public[i].Attachments = by[public[i].ID]
	}
	undo, err := p.Store.Undoable(ctx, call)
	if err != nil {
		return callPage{}, err
	}
	level, err := p.Store.ServiceLevelOf(ctx, call)
	if err != nil {
		return callPage{}, err
	}
	return callPage{page: p.page(v, call.Summary), Call: call, Diary: public, Files: files, FileHint: p.attachmentRules().Hint(), Undoable: undo,
		Expect: p.expectations(level, call)}, nil
}

func (p *Portal) showCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg, err := p.callPage(r.Context(), v, r.PathValue("ref"))
	if err != nil {
		return err
	}
	done := r.URL.Query().Get("done")
	pg.Done = doneWords(done)
	if done == "logged" {
		pg.Logged, pg.Done, pg.NextSteps = true, "", p.nextSteps()
		pg.ReplyTo = pg.Call.AltEmail
		if pg.ReplyTo == "" {
			pg.ReplyTo = v.Person.Email
		}
	}
	if err := p.auditRead(v, "call.view", "call", pg.Call.Ref, []int64{pg.Call.CustomerID}, "portal: viewed own call and its public diary"); err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, "call", pg)
}

// act runs one of the call page's forms on the person's own call: on success back to the call
// page; a refusal re-renders it with the message beside the form and what was typed kept.
func (p *Portal) act(w http.ResponseWriter, r *http.Request, v *visit, action, done string,
	do func(ctx context.Context, call desk.Call, version int64, text string, posted postedForm) error) error {
	ref := r.PathValue("ref")
	call, err := p.ownCall(r.Context(), v, ref)
	if err != nil {
		return err
	}
	posted := p.readForm(w, r)
	text := strings.TrimSpace(posted.Values.Get("text"))
	version, _ := strconv.ParseInt(posted.Values.Get("version"), 10, 64)
	if version == 0 {
		version = call.Version
	}
	if posted.Unread && action != "update" { // the update form says it beside its files
		err = desk.Errorf(desk.EINVALID, "%s", posted.FileError)
	} else {
		err = do(r.Context(), call, version, text, posted)
	}
	if err == nil {
		return seeOther(w, r, prefix+"calls/"+call.Ref+"?done="+done)
	}
	var de *desk.Error
	if !errors.As(err, &de) || (de.Code != desk.EINVALID && de.Code != desk.ECONFLICT) {
		return err
	}
	pg, perr := p.callPage(r.Context(), v, ref)
	if perr != nil {
		return perr
	}
	pg.Form = actionForm{Action: action, Text: text}
	status := posted.Status()
	pg.Failed = true
	if de.Code == desk.ECONFLICT {
		status = http.StatusConflict
		pg.Form.Conflict = true
		pg.Form.Message = "Your call changed while you were looking at it, so we did not do that. Here it is as it is now: please check and try again."
		if action == "restore" {
			pg.Form.Message = "We could not put your call back: the service desk has acted on it since you withdrew it. " +
				"If you still need help, ask for help again or contact the service desk."
		}
	} else {
		fields := map[string]string{}
		mergeFields(fields, err)
		pg.Form.Message = fields["text"]
		if pg.Form.Message == "" {
			pg.Form.Message = fields["reason"]
		}
		if m := de.Fields["files"]; m != "" {
			pg.Form.FileMessage = sentence(strings.ToUpper(m[:1]) + m[1:])
		}
		if pg.Form.Message == "" && pg.Form.FileMessage == "" {
			pg.Form.Message = sentence(de.Message)
		}
	}
	return p.render(w, r, status, "call", pg)
}

// addUpdate adds a public update from the person to the call's diary.
func (p *Portal) addUpdate(w http.ResponseWriter, r *http.Request, v *visit) error {
	return p.act(w, r, v, "update", "update", func(ctx context.Context, call desk.Call, _ int64, text string, posted postedForm) error {
		if !isOpen(call.State) {
			return desk.Errorf(desk.ECONFLICT, "the call is %s", call.State)
		}
		f := map[string]string{}
		if text == "" {
			f["text"] = "is empty: please write your message"
		}
		if posted.FileError != "" {
			f["files"] = posted.FileError
		}
		if err := desk.Invalid("nothing was added", f); err != nil {
			return err
		}
		_, err := p.Store.AddEntryWithAttachments(ctx, v.Actor, call.Ref, desk.EntryUpdate, text, posted.Files, p.attachmentRules())
		return err
	})
}

// confirmCall closes a solved call: the person confirms the fix.
func (p *Portal) confirmCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return p.act(w, r, v, "confirm", "confirmed", func(ctx context.Context, call desk.Call, version int64, text string, _ postedForm) error {
		reason := "the customer confirmed the resolution"
		if text != "" {
			reason += ": " + text
		}
		_, err := p.Store.UpdateCall(ctx, v.Actor, call.Ref, version, desk.Transition{Action: desk.ActClose, Reason: reason})
		return err
	})
}

// reopenCall reopens a solved call, with the person's reason.
func (p *Portal) reopenCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return p.act(w, r, v, "reopen", "reopened", func(ctx context.Context, call desk.Call, version int64, text string, _ postedForm) error {
		if text == "" {
			return desk.Invalid("a reason is needed", map[string]string{"reason": "is needed: please tell us what is still wrong"})
		}
		_, err := p.Store.UpdateCall(ctx, v.Actor, call.Ref, version, desk.Transition{Action: desk.ActReopen, Reason: text})
		return err
	})
}

// withdrawPage asks the person to confirm that they no longer need help with a call, before it is
// withdrawn, and says that it can be put back until the desk acts.
type withdrawPage struct {
	page
	Call   desk.Call
	Text   string
	Errors []fieldError
}

// maxWithdrawReason is the most characters the reason for withdrawing a call may have (the form's
// maxlength, checked again here: a browser's limit is no limit).
const maxWithdrawReason = 500

// withdrawForm is the confirmation step before a call is withdrawn.
func (p *Portal) withdrawForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	call, err := p.ownCall(r.Context(), v, r.PathValue("ref"))
	if err != nil {
		return err
	}
	if !isOpen(call.State) || call.State == desk.Resolved {
		return seeOther(w, r, prefix+"calls/"+call.Ref)
	}
	return p.render(w, r, http.StatusOK, "withdraw", withdrawPage{page: p.page(v, "Withdraw your call?"), Call: call})
}

// withdrawCall cancels an open call at the person's request ("I don't need help any more"), once
// they have confirmed it on the confirmation page (a post without the confirmation shows that
// page); the call page then offers to put it back.
func (p *Portal) withdrawCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	reason := strings.TrimSpace(r.PostForm.Get("text"))
	if n := utf8.RuneCountInString(reason); n > maxWithdrawReason {
		call, err := p.ownCall(r.Context(), v, r.PathValue("ref"))
		if err != nil {
			return err
		}
		pg := withdrawPage{page: p.page(v, "Withdraw your call?"), Call: call, Text: reason,
			Errors: []fieldError{{ID: "withdraw-text", Message: fmt.Sprintf("Your reason must be %d characters or fewer (it has %d): shorten it, or leave it out", maxWithdrawReason, n)}}}
		pg.Failed = true
		return p.render(w, r, http.StatusUnprocessableEntity, "withdraw", pg)
	}
	if r.PostForm.Get("confirmed") != "yes" {
		call, err := p.ownCall(r.Context(), v, r.PathValue("ref"))
		if err != nil {
			return err
		}
		return p.render(w, r, http.StatusOK, "withdraw", withdrawPage{page: p.page(v, "Withdraw your call?"), Call: call, Text: reason})
	}
	return p.act(w, r, v, "withdraw", "withdrawn", func(ctx context.Context, call desk.Call, version int64, text string, _ postedForm) error {
		reason := "withdrawn by the customer"
		if text != "" {
			reason += ": " + text
		}
		_, err := p.Store.WithdrawCall(ctx, v.Actor, call.Ref, version, reason)
		return err
	})
}

// restoreCall undoes the person's withdrawal of a call, while nobody at the desk has acted on it
// since (store.UndoWithdrawal): the call is back in the state it was withdrawn from.
func (p *Portal) restoreCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return p.act(w, r, v, "restore", "restored", func(ctx context.Context, call desk.Call, _ int64, _ string, _ postedForm) error {
		if call.State != desk.Cancelled {
			// Already back: the same button in another tab, or a second click, put it back
			// (nothing else takes a call out of Cancelled). Saying the desk acted would be wrong.
			return nil
		}
		_, err := p.Store.UndoWithdrawal(ctx, v.Actor, call.Ref)
		return err
	})
}
