package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Escalation points (issue 17 point 4): administrators say, under /admin/sla, at what share of a
// call's respond or resolve time calldesk emails the analyst, the group's leads or the
// service-level managers, raises the priority or reassigns the call. Every change needs a
// reason, which the store audits with it; the escalation job (store.Escalate) does the rest.

func (c *Console) adminEscalationRoutes() []route {
	return []route{
		{"GET", "/admin/sla/escalations/new", access.Administer, c.newEscalation},
		{"POST", "/admin/sla/escalations", access.Administer, c.saveEscalation},
		{"GET", "/admin/sla/escalations/{id}", access.Administer, c.editEscalation},
		{"POST", "/admin/sla/escalations/{id}", access.Administer, c.saveEscalation},
		{"POST", "/admin/sla/escalations/{id}/delete", access.Administer, c.deleteEscalation},
	}
}

// pointRow is one escalation point in the list on /admin/sla.
type pointRow struct {
	ID                     int64
	Clock, Percent, Calls  string
	Action, Name           string
	OverDeadline, Reassign bool
}

// escalationRows are the points as /admin/sla lists them.
func (c *Console) escalationRows(ctx context.Context, nm *names) ([]pointRow, error) {
	ps, err := c.Store.EscalationPoints(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]pointRow, 0, len(ps))
	for _, p := range ps {
		row := pointRow{ID: p.ID, Clock: sentence(string(p.Target)), Percent: fmt.Sprintf("%d%%", p.Percent), Calls: "Any priority",
			Action: p.Action.Words(), OverDeadline: p.Percent > 100, Name: p.Used()}
		if p.Priority != 0 {
			row.Calls = p.Priority.String() + " only"
		}
		if p.Action == store.Reassign {
			row.Action = "Reassign the call to " + nm.GroupName(p.GroupID)
		}
		out = append(out, row)
	}
	return out, nil
}

// escalationPage is the form of one escalation point, new or to change.
type escalationPage struct {
	page
	Form      escalationForm
	Names     *names
	Actions   []slaOption
	ErrorList []fieldError
}

// escalationForm is a point as typed.
type escalationForm struct {
	ID                                       int64
	Target, Percent, Priority, Action, Group string
	Reason                                   string
	Errors                                   map[string]string
}

func escalationFormOf(p store.EscalationPoint) escalationForm {
	f := escalationForm{ID: p.ID, Target: string(p.Target), Priority: "", Action: string(p.Action), Group: idValue(p.GroupID), Errors: map[string]string{}}
	if p.Percent != 0 {
		f.Percent = strconv.Itoa(p.Percent)
	}
	if p.Priority != 0 {
		f.Priority = strconv.Itoa(int(p.Priority))
	}
	return f
}

func (c *Console) escalationPage(ctx context.Context, v *visit, title string, f escalationForm) (escalationPage, error) {
	nm, err := c.names(ctx)
	if err != nil {
		return escalationPage{}, err
	}
	p := escalationPage{page: c.page(v, title), Form: f, Names: nm}
	for _, a := range store.EscalationActions() {
		p.Actions = append(p.Actions, slaOption{Value: string(a), Label: a.Words(), Selected: string(a) == f.Action})
	}
	p.Section = "sla"
	return p, nil
}

func (c *Console) newEscalation(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.escalationPage(r.Context(), v, "Add an escalation point",
		escalationFormOf(store.EscalationPoint{Target: store.ResolveTarget, Percent: 75, Action: store.NotifyLeads}))
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "adminslaescalation", p)
}

// pathEscalation is the escalation point the request's path names.
func (c *Console) pathEscalation(r *http.Request) (store.EscalationPoint, error) {
	id, err := slaID(r, "escalation point")
	if err != nil {
		return store.EscalationPoint{}, err
	}
	return c.Store.FindEscalationPoint(r.Context(), id)
}

func (c *Console) editEscalation(w http.ResponseWriter, r *http.Request, v *visit) error {
	pt, err := c.pathEscalation(r)
	if err != nil {
		return err
	}
	p, err := c.escalationPage(r.Context(), v, "Change the escalation point at "+pt.Used(), escalationFormOf(pt))
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "adminslaescalation", p)
}

// escalationFields are the form's fields: the store's field name, control id and label.
func escalationFields() []struct{ name, id, label string } {
	return []struct{ name, id, label string }{
		{"target", "esc-target-respond", "Clock"}, {"percent", "esc-percent", "Share of the allowed time"},
		{"priority", "esc-priority", "Calls"}, {"action", "esc-action-notify_analyst", "Action"},
		{"group_id", "esc-group", "Group to reassign to"}, {"reason", "esc-reason", "Reason for the change"},
	}
}

// saveEscalation creates a point (POST /admin/sla/escalations) or changes one
// (POST /admin/sla/escalations/{id}).
func (c *Console) saveEscalation(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	id, pf, err := slaPost(r, "escalation point")
	if err != nil {
		return err
	}
	f := escalationForm{ID: id, Target: pf.Get("target"), Percent: strings.TrimSpace(pf.Get("percent")), Priority: pf.Get("priority"),
		Action: pf.Get("action"), Group: pf.Get("group_id"), Reason: pf.Get("reason"), Errors: map[string]string{}}
	pt := store.EscalationPoint{ID: id, Target: store.EscalationTarget(f.Target), Action: store.EscalationAction(f.Action)}
	fields := map[string]string{}
	if f.Percent == "" {
		fields["percent"] = "is required: a whole number such as 50, 75 or 100"
	} else if n, err := strconv.Atoi(strings.TrimSuffix(f.Percent, "%")); err != nil {
		fields["percent"] = "must be a whole number such as 50, 75 or 100"
	} else {
		pt.Percent = n
	}
	if f.Priority != "" {
		n, err := strconv.Atoi(f.Priority)
		if err != nil {
			fields["priority"] = "is not one of the choices"
		}
		pt.Priority = desk.Priority(n)
	}
	if f.Group != "" && pt.Action == store.Reassign {
		n, err := strconv.ParseInt(f.Group, 10, 64)
		if err != nil || n <= 0 {
			fields["group_id"] = "is not one of the choices"
		}
		pt.GroupID = n
	}
	fields = mergeSLAFields(fields, store.CheckEscalationPoint(pt, f.Reason))
	err = desk.Invalid("the escalation point cannot be saved", fields)
	done := "escalation-created"
	if err == nil && id == 0 {
		_, err = c.Store.CreateEscalationPoint(ctx, v.Actor, pt, f.Reason)
	} else if err == nil {
		_, err = c.Store.UpdateEscalationPoint(ctx, v.Actor, pt, f.Reason)
		done = "escalation-saved"
	}
	if err == nil {
		return seeOther(w, r, "/admin/sla?done="+done+"#escalations-title")
	}
	de := invalidOnly(err)
	if de == nil {
		return err
	}
	title := "Add an escalation point"
	if id != 0 {
		title = "Change the escalation point"
	}
	p, perr := c.escalationPage(ctx, v, "Error: "+title, f)
	if perr != nil {
		return perr
	}
	for _, fo := range escalationFields() {
		if msg, ok := de.Fields[fo.name]; ok {
			p.Form.Errors[fo.name] = fo.label + ": " + msg
			p.ErrorList = append(p.ErrorList, fieldError{ID: fo.id, Message: fo.label + ": " + msg})
		}
	}
	if len(p.ErrorList) == 0 {
		p.ErrorList = []fieldError{{ID: "esc-percent", Message: sentence(de.Message)}}
	}
	return c.render(w, r, http.StatusUnprocessableEntity, "adminslaescalation", p)
}

func (c *Console) deleteEscalation(w http.ResponseWriter, r *http.Request, v *visit) error {
	pt, err := c.pathEscalation(r)
	if err != nil {
		return err
	}
	id := pt.ID
	p := slaConfirmPage{page: c.page(v, "Delete the escalation point at "+pt.Used()+"?"),
		Question: "Delete the escalation point at " + pt.Used() + "?",
		Explain:  "Calls that cross it from now on are not escalated by it; what it did to calls so far stays in their diaries and the audit trail.",
		Action:   fmt.Sprintf("/admin/sla/escalations/%d/delete", id), Button: "Yes, delete it", Back: "/admin/sla#escalations-title"}
	return c.confirmSLADelete(w, r, p, func(reason string) error { return c.Store.DeleteEscalationPoint(r.Context(), v.Actor, id, reason) }, "escalation-deleted")
}
