package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/web/pages"
)

// Bulk actions (issue 16): an analyst ticks calls on a queue page (or every call of the page) and
// acts on them all at once: assign them, set their priority, or add the same internal note to
// each. Each call is changed through the same store operation as its own page's form, in its own
// transaction with its own audit record, so one call's conflict or refusal leaves the others
// changed; the result page says what happened to each. No JavaScript is needed: the queue's
// ticks are a GET form that opens the bulk page, whose form is posted.

func (c *Console) bulkRoutes() []route {
	return []route{
		{"GET", "/calls/bulk", access.WorkCalls, c.bulkForm},
		{"POST", "/calls/bulk", access.WorkCalls, c.bulkApply},
		{"GET", "/calls/bulk/done", access.WorkCalls, c.bulkDone},
	}
}

// maxBulk is the most calls one bulk action takes: four queue pages.
const maxBulk = 100

// bulkPage is the bulk page: the calls chosen, the three actions' fields, and what was wrong
// with a refused post.
type bulkPage struct {
	page
	Calls []desk.Call
	// Missing are the references chosen that name no call.
	Missing []string
	Names   *names
	// From is the queue page to go back to.
	From   string
	Values url.Values
	Errors map[string]string
	// ErrorList is the error summary, in the order of the form.
	ErrorList []fieldError
	// Action is the action refused ("" when none was).
	Action string
}

// Chosen reports whether ref is ticked: every call on a first drawing, those sent after a
// refused post.
func (p bulkPage) Chosen(ref string) bool {
	if p.Action == "" {
		return true
	}
	for _, r := range p.Values["ref"] {
		if r == ref {
			return true
		}
	}
	return false
}

// Value is what was typed in field name.
func (p bulkPage) Value(name string) string { return p.Values.Get(name) }

// Priorities are the choices of the priority field.
func (p bulkPage) Priorities() []desk.Priority { return []desk.Priority{1, 2, 3, 4} }

// bulkRefs reads the references chosen: ref (the ticks), or with all=1 every page_ref (the calls
// of the queue page); upper-cased, each once, in order.
func bulkRefs(q url.Values) []string {
	src := q["ref"]
	if q.Get("all") != "" {
		src = q["page_ref"]
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range src {
		r = strings.ToUpper(strings.TrimSpace(r))
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// safeFrom is a queue page to go back to, or /queues/mine: never another site.
func safeFrom(s string) string {
	if p := pages.LocalPath(s, "/"); strings.HasPrefix(p, "/queues/") {
		return p
	}
	return "/queues/mine"
}

// bulkForm draws the bulk page for the calls ticked on a queue page.
func (c *Console) bulkForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	p, err := c.bulkPage(r, v, bulkRefs(q), q.Get("from"))
	if err != nil {
		return err
	}
	if len(p.Calls) == 0 && len(p.Missing) == 0 {
		p.Errors = map[string]string{"ref": "Select at least one call: tick the calls on the queue page, or choose \"Select all on this page\""}
		p.ErrorList = []fieldError{{ID: "bulk-calls", Label: "", Message: p.Errors["ref"]}}
		return c.render(w, r, http.StatusUnprocessableEntity, "bulk", p)
	}
	return c.render(w, r, http.StatusOK, "bulk", p)
}

// bulkPage loads the calls refs name, as the visitor may read them, and records the listing.
func (c *Console) bulkPage(r *http.Request, v *visit, refs []string, from string) (bulkPage, error) {
	ctx := r.Context()
	p := bulkPage{page: c.page(v, "Act on several calls"), From: safeFrom(from), Values: url.Values{}, Errors: map[string]string{}}
	p.Section = "queues"
	if len(refs) > maxBulk {
		return p, desk.Errorf(desk.EINVALID, "at most %d calls can be changed at once; you chose %d", maxBulk, len(refs))
	}
	nm, err := c.names(ctx)
	if err != nil {
		return p, err
	}
	p.Names = nm
	rd, err := c.reader(ctx, v)
	if err != nil {
		return p, err
	}
	for _, ref := range refs {
		call, err := c.Store.FindCallByRef(ctx, ref)
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			p.Missing = append(p.Missing, ref)
			continue
		} else if err != nil {
			return p, err
		}
		p.Calls = append(p.Calls, access.CallFor(rd, call))
	}
	return p, c.auditList(r, v, p.Calls, "console bulk action")
}

// bulkOutcome is what a bulk action did to one call.
type bulkOutcome string

// The outcomes of a bulk action on a call.
const (
	bulkDone      bulkOutcome = "done"
	bulkSame      bulkOutcome = "same"      // nothing to change: already as asked (priority, or group and analyst)
	bulkConflict  bulkOutcome = "conflict"  // changed by someone else since the queue was drawn
	bulkForbidden bulkOutcome = "forbidden" // the visitor may not do it (special category) or the customer's data is frozen
	bulkState     bulkOutcome = "state"     // the call's state does not allow it
	bulkRefused   bulkOutcome = "refused"   // refused for another reason
	bulkMissing   bulkOutcome = "missing"   // no such call
)

// bulkActionWords name the bulk actions.
func bulkActionWords() map[string]string {
	return map[string]string{"assign": "Assign", "priority": "Set the priority", "note": "Add an internal note"}
}

// bulkApply applies the posted action to each call chosen, one transaction per call, and sends
// the browser to the result page (Post/Redirect/Get).
func (c *Console) bulkApply(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	ctx := r.Context()
	form := r.PostForm
	refs := bulkRefs(url.Values{"ref": form["ref"]})
	if len(refs) > maxBulk {
		return desk.Errorf(desk.EINVALID, "at most %d calls can be changed at once; you chose %d: nothing was changed", maxBulk, len(refs))
	}
	action := form.Get("action")
	var tr desk.Transition
	var prio desk.Priority
	text := strings.TrimSpace(form.Get("text"))
	errs := map[string]string{}
	var list []fieldError
	if len(refs) == 0 {
		errs["ref"] = "Select at least one call"
		list = append(list, fieldError{ID: "bulk-calls", Message: errs["ref"]})
	}
	switch action {
	case "assign":
		tr.Action = desk.ActAssign
		f := map[string]string{}
		in := actionInput{Form: form}
		in.id("group_id", &tr.GroupID, f)
		in.id("analyst_id", &tr.AnalystID, f)
		if tr.GroupID == 0 && f["group_id"] == "" {
			f["group_id"] = "Choose the group to assign the calls to"
		} else if f["group_id"] != "" {
			f["group_id"] = "Group " + f["group_id"]
		}
		if f["analyst_id"] != "" {
			f["analyst_id"] = "Analyst " + f["analyst_id"]
		} else if tr.AnalystID != 0 && tr.GroupID != 0 {
			members, err := c.Store.Members(ctx, tr.GroupID)
			if err != nil {
				return err
			}
			if !containsID(members, tr.AnalystID) {
				f["analyst_id"] = "The analyst must be a member of the group chosen"
			}
		}
		for _, k := range []string{"group_id", "analyst_id"} {
			if f[k] != "" {
				errs[k] = f[k]
				list = append(list, fieldError{ID: "bulk-" + strings.ReplaceAll(k, "_", "-"), Message: f[k]})
			}
		}
	case "priority":
		n, err := strconv.Atoi(form.Get("priority"))
		if prio = desk.Priority(n); err != nil || !prio.Valid() {
			errs["priority"] = "Choose a priority, P1 to P4"
			list = append(list, fieldError{ID: "bulk-priority", Message: errs["priority"]})
		}
	case "note":
		if text == "" {
			errs["text"] = "Enter the note to add to each call"
			list = append(list, fieldError{ID: "bulk-text", Message: errs["text"]})
		}
	default:
		errs["action"] = "Choose what to do: assign, set the priority or add a note"
		list = append(list, fieldError{ID: "bulk-assign", Message: errs["action"]})
	}
	if len(list) > 0 {
		// The calls the page listed, ticked or not, so an unticked one stays on the page.
		listed := bulkRefs(url.Values{"ref": append(append([]string{}, form["listed"]...), refs...)})
		p, err := c.bulkPage(r, v, listed, form.Get("from"))
		if err != nil {
			return err
		}
		p.Title = "Error: " + p.Title
		p.Values, p.Errors, p.ErrorList, p.Action = form, errs, list, action
		if p.Action == "" {
			p.Action = "none"
		}
		return c.render(w, r, http.StatusUnprocessableEntity, "bulk", p)
	}
	rd, err := c.reader(ctx, v)
	if err != nil {
		return err
	}
	done := url.Values{"action": {action}, "from": {safeFrom(form.Get("from"))}}
	for _, ref := range refs {
		out, err := c.bulkOne(ctx, v, rd, ref, form.Get("v."+ref), action, tr, prio, text)
		if err != nil {
			return err
		}
		done.Add("r", ref+"."+string(out))
	}
	return seeOther(w, r, "/calls/bulk/done?"+done.Encode())
}

// bulkOne applies the action to one call, as its own page's form would, and says how it went;
// an error is returned only for a failure that is not the call's (the database).
func (c *Console) bulkOne(ctx context.Context, v *visit, rd desk.Reader, ref, version, action string, tr desk.Transition, prio desk.Priority, text string) (bulkOutcome, error) {
	call, err := c.Store.FindCallByRef(ctx, ref)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return bulkMissing, nil
	} else if err != nil {
		return "", err
	}
	ver, _ := strconv.ParseInt(version, 10, 64)
	if ver <= 0 && action != "note" {
		// The form did not say which version it was drawn from: nothing may change unchecked.
		return bulkConflict, nil
	}
	switch action {
	case "assign":
		err = access.MayMove(rd, call, tr)
		if err == nil && call.GroupID == tr.GroupID && call.AnalystID == tr.AnalystID && call.State != desk.Unassigned && desk.ActAssign.Allowed(call.State) {
			// Already there: assigning it again would put an accepted call back to assigned
			// and take a call on hold off its hold, which nobody asked for.
			if ver != call.Version {
				return bulkConflict, nil
			}
			return bulkSame, nil
		}
		if err == nil {
			_, err = c.Store.UpdateCall(ctx, v.Actor, ref, ver, tr)
		}
	case "priority":
		if ver != call.Version {
			return bulkConflict, nil
		}
		if call.Priority == prio {
			return bulkSame, nil
		}
		impact, urgency := desk.LevelsOf(prio)
		_, err = c.Store.UpdateCall(ctx, v.Actor, ref, ver, desk.Transition{Action: desk.ActChange, Impact: impact, Urgency: urgency})
		if err != nil && !desk.ActChange.Allowed(call.State) {
			return bulkState, nil
		}
	case "note":
		_, err = c.Store.AddEntry(ctx, v.Actor, ref, desk.EntryNote, text)
	}
	switch desk.ErrorCode(err) {
	case "":
		if err != nil {
			return "", err
		}
		return bulkDone, nil
	case desk.ECONFLICT:
		return bulkConflict, nil
	case desk.EFORBIDDEN:
		return bulkForbidden, nil
	case desk.ENOTFOUND:
		return bulkMissing, nil
	case desk.EINVALID:
		if action == "assign" && !desk.ActAssign.Allowed(call.State) {
			return bulkState, nil
		}
		return bulkRefused, nil
	}
	return "", err
}

// bulkResult is one call's line on the result page.
type bulkResult struct {
	Ref     string
	Done    bool
	Message string
}

// bulkDonePage is the result page of a bulk action.
type bulkDonePage struct {
	page
	Action         string
	From           string
	Done, NotDone  []bulkResult
	DoneN, Refused int
}

// bulkDone draws the result of a bulk action, as the redirect after it names it: each call's
// reference and outcome. Anything in r that is not a call reference is left out, so a link made
// by hand cannot put words of its own on the desk's page.
func (c *Console) bulkDone(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	action := q.Get("action")
	words, ok := bulkActionWords()[action]
	if !ok {
		return desk.Errorf(desk.ENOTFOUND, "there is no bulk action %q: choose calls on a queue page to act on them", action)
	}
	p := bulkDonePage{page: c.page(v, words+": the result"), Action: words, From: safeFrom(q.Get("from"))}
	p.Section = "queues"
	doneWords := map[string]string{"assign": "assigned", "priority": "priority set", "note": "note added"}
	for _, s := range q["r"] {
		ref, out, _ := strings.Cut(s, ".")
		if _, _, err := desk.ParseReference(ref); err != nil {
			// Not one the bulk action wrote: a link made by hand shows no text of its own.
			continue
		}
		res := bulkResult{Ref: ref}
		switch bulkOutcome(out) {
		case bulkDone:
			res.Done, res.Message = true, doneWords[action]
		case bulkSame:
			res.Done, res.Message = true, "already at that priority; not changed"
			if action == "assign" {
				res.Message = "already assigned there; not changed"
			}
		case bulkConflict:
			res.Message = "someone else changed it after you chose it; not changed. Open it to see what changed"
		case bulkForbidden:
			res.Message = "you may not change it (it holds special-category information for another group, or its customer's data is frozen); not changed"
		case bulkState:
			res.Message = "its state does not allow this (it is resolved, closed or cancelled); not changed"
		case bulkMissing:
			res.Message = "there is no call with this reference; nothing changed"
		default:
			res.Message = "refused; not changed. Open it to act on it alone"
		}
		if res.Done {
			p.Done = append(p.Done, res)
		} else {
			p.NotDone = append(p.NotDone, res)
		}
	}
	p.DoneN, p.Refused = len(p.Done), len(p.NotDone)
	return c.render(w, r, http.StatusOK, "bulkdone", p)
}
