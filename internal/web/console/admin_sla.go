package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/sla"
	"calldesk/internal/store"
)

// Service levels, administration (issue 17 point 7): administrators keep the working-time
// calendars (zone, weekly hours, bank holiday region, closures), the service-level rules
// (targets per priority, optionally per profile and customer kind) and which calendar each group
// and profile uses, under /admin/sla; a preview says when a call logged at a chosen time would be
// due. Every change needs a reason, which the store audits with it. Evaluating calls against
// these comes later.

func (c *Console) adminSLARoutes() []route {
	return []route{
		{"GET", "/admin/sla", access.Administer, c.showSLA},
		{"GET", "/admin/sla/preview", access.Administer, c.previewSLA},
		{"POST", "/admin/sla/uses", access.Administer, c.saveCalendarUses},
		{"GET", "/admin/sla/calendars/new", access.Administer, c.newCalendar},
		{"POST", "/admin/sla/calendars", access.Administer, c.saveCalendar},
		{"GET", "/admin/sla/calendars/{id}", access.Administer, c.editCalendar},
		{"POST", "/admin/sla/calendars/{id}", access.Administer, c.saveCalendar},
		{"POST", "/admin/sla/calendars/{id}/delete", access.Administer, c.deleteCalendar},
		{"GET", "/admin/sla/rules/new", access.Administer, c.newRule},
		{"POST", "/admin/sla/rules", access.Administer, c.saveRule},
		{"GET", "/admin/sla/rules/{id}", access.Administer, c.editRule},
		{"POST", "/admin/sla/rules/{id}", access.Administer, c.saveRule},
		{"POST", "/admin/sla/rules/{id}/delete", access.Administer, c.deleteRule},
	}
}

// weekOrder is the order of the weekdays on the pages: Monday first.
func weekOrder() [7]time.Weekday {
	return [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
}

// regionChoice is a bank holiday region as a choice.
type regionChoice struct{ Value, Label string }

func regionChoices() []regionChoice {
	return []regionChoice{{"", "None"}, {string(sla.EnglandAndWales), "England and Wales"}, {string(sla.Scotland), "Scotland"},
		{string(sla.NorthernIreland), "Northern Ireland"}}
}

func regionWords(r sla.Region) string {
	for _, c := range regionChoices() {
		if c.Value == string(r) {
			return c.Label
		}
	}
	return string(r)
}

// withinWords writes a working duration in words: "30 minutes", "4 hours", "1 hour 30 minutes".
func withinWords(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + one + "s"
	}
	switch {
	case h == 0:
		return unit(m, "minute")
	case m == 0:
		return unit(h, "hour")
	}
	return unit(h, "hour") + " " + unit(m, "minute")
}

// slaPage is /admin/sla: the calendars, the rules, and which calendar each group and profile uses.
type slaPage struct {
	page
	Calendars []calendarRow
	Rules     []ruleRow
	Names     *names
	Uses      []useRow
	Points    []pointRow // escalation points (admin_sla_escalations.go)
	Reason    string
	ErrorList []fieldError
	Errors    map[string]string
	Done      string
}

type calendarRow struct {
	ID                      int64
	Name, Zone, Region      string
	Week                    []dayRow
	Closures                []string
	Rules, Groups, Profiles int
}

type dayRow struct{ Day, Spans string }

type ruleRow struct {
	ID                                   int64
	Name, Priority, Profile, Kind        string
	Respond, Resolve, RespondOn          string
	RespondPause, ResolvePause, Calendar string
}

// useRow is one group or profile in the form of which calendar each uses.
type useRow struct {
	Field, ID, Label, Kind string
	Chosen                 string
}

func (p slaPage) CalendarOptions(sel string) []slaOption {
	out := []slaOption{{Value: "", Label: "None", Selected: sel == ""}}
	for _, c := range p.Calendars {
		v := strconv.FormatInt(c.ID, 10)
		out = append(out, slaOption{Value: v, Label: c.Name, Selected: v == sel})
	}
	return out
}

// slaOption is one option of a select drawn by a template.
type slaOption struct {
	Value, Label string
	Selected     bool
}

func stateWords(ss []desk.State) string {
	if len(ss) == 0 {
		return "never"
	}
	var parts []string
	for _, s := range ss {
		parts = append(parts, map[desk.State]string{desk.OnHold: "on hold", desk.Pending: "pending (waiting on the customer)"}[s])
		if parts[len(parts)-1] == "" {
			parts[len(parts)-1] = string(s)
		}
	}
	return strings.Join(parts, ", ")
}

func respondOnWords(r sla.RespondOn) string {
	if r == sla.Acceptance {
		return "an analyst accepts the call"
	}
	return "the first update the customer sees"
}

func kindWords(k desk.PersonKind) string {
	if k == "" {
		return "Any"
	}
	return strings.ToUpper(string(k[:1])) + string(k[1:])
}

func (c *Console) slaPage(ctx context.Context, v *visit, title string) (slaPage, error) {
	nm, err := c.names(ctx)
	if err != nil {
		return slaPage{}, err
	}
	cals, err := c.Store.Calendars(ctx)
	if err != nil {
		return slaPage{}, err
	}
	rules, err := c.Store.Rules(ctx)
	if err != nil {
		return slaPage{}, err
	}
	uses, err := c.Store.CalendarUses(ctx)
	if err != nil {
		return slaPage{}, err
	}
	p := slaPage{page: c.page(v, title), Names: nm, Errors: map[string]string{}}
	p.Section = "sla"
	if p.Points, err = c.escalationRows(ctx, nm); err != nil {
		return slaPage{}, err
	}
	calName := map[int64]string{}
	at := map[int64]int{}
	for _, cal := range cals {
		row := calendarRow{ID: cal.ID, Name: cal.Spec.Name, Zone: cal.Spec.Zone, Region: regionWords(cal.Spec.Region)}
		for _, d := range weekOrder() {
			spans := strings.ReplaceAll(store.SpansText(cal.Spec.Week[d]), ",", ", ")
			if spans == "" {
				spans = "Closed"
			}
			row.Week = append(row.Week, dayRow{d.String(), spans})
		}
		for _, cl := range cal.Spec.Closures {
			s := cl.Date.String() + " " + cl.Name
			if len(cl.Spans) > 0 {
				s += " (" + strings.ReplaceAll(store.SpansText(cl.Spans), ",", ", ") + ")"
			}
			row.Closures = append(row.Closures, s)
		}
		calName[cal.ID] = cal.Spec.Name
		at[cal.ID] = len(p.Calendars)
		p.Calendars = append(p.Calendars, row)
	}
	for _, r := range rules {
		row := ruleRow{ID: r.ID, Name: r.Name, Priority: r.Priority.String(), Profile: "Any", Kind: kindWords(r.CustomerKind),
			Respond: withinWords(r.Respond.Within), Resolve: withinWords(r.Resolve.Within), RespondOn: respondOnWords(r.RespondOn),
			RespondPause: stateWords(r.Respond.PauseIn), ResolvePause: stateWords(r.Resolve.PauseIn), Calendar: "The profile's or group's"}
		if r.ProfileID != 0 {
			row.Profile = nm.ProfilePath(r.ProfileID) + " (and below)"
		}
		if r.CalendarID != 0 {
			row.Calendar = calName[r.CalendarID]
			p.Calendars[at[r.CalendarID]].Rules++
		}
		p.Rules = append(p.Rules, row)
	}
	for _, g := range nm.Groups {
		cal := uses.Groups[g.ID]
		p.Uses = append(p.Uses, useRow{Field: fmt.Sprintf("group.%d", g.ID), ID: fmt.Sprintf("use-group-%d", g.ID), Label: g.Name, Kind: "group", Chosen: idValue(cal)})
		if cal != 0 {
			p.Calendars[at[cal]].Groups++
		}
	}
	for _, pr := range nm.Profiles {
		cal := uses.Profiles[pr.ID]
		p.Uses = append(p.Uses, useRow{Field: fmt.Sprintf("profile.%d", pr.ID), ID: fmt.Sprintf("use-profile-%d", pr.ID), Label: pr.Path, Kind: "profile", Chosen: idValue(cal)})
		if cal != 0 {
			p.Calendars[at[cal]].Profiles++
		}
	}
	return p, nil
}

func (c *Console) showSLA(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.slaPage(r.Context(), v, "Service levels")
	if err != nil {
		return err
	}
	p.Done = map[string]string{
		"calendar-created": "The calendar is saved.", "calendar-saved": "The calendar is changed.", "calendar-deleted": "The calendar is deleted.",
		"rule-created": "The rule is saved.", "rule-saved": "The rule is changed.", "rule-deleted": "The rule is deleted.",
		"escalation-created": "The escalation point is saved.", "escalation-saved": "The escalation point is changed.",
		"escalation-deleted": "The escalation point is deleted.",
		"uses-saved":         "The calendars of the groups and profiles are saved.", "uses-same": "Nothing changed: every group and profile already had the calendar chosen.",
	}[r.URL.Query().Get("done")]
	return c.render(w, r, http.StatusOK, "adminsla", p)
}

// invalidOnly returns the *desk.Error of an EINVALID err, or nil.
func invalidOnly(err error) *desk.Error {
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EINVALID {
		return nil
	}
	return de
}

func (c *Console) saveCalendarUses(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	p, err := c.slaPage(ctx, v, "Service levels")
	if err != nil {
		return err
	}
	u := store.CalendarUses{Groups: map[int64]int64{}, Profiles: map[int64]int64{}}
	fields := map[string]string{}
	for i, row := range p.Uses {
		val := r.PostForm.Get(row.Field)
		p.Uses[i].Chosen = val
		var cal int64
		if val != "" {
			if cal, err = strconv.ParseInt(val, 10, 64); err != nil || cal <= 0 {
				fields[row.Field] = "is not one of the choices"
				continue
			}
		}
		kind, id, _ := strings.Cut(row.Field, ".")
		n, _ := strconv.ParseInt(id, 10, 64)
		if kind == "group" {
			u.Groups[n] = cal
		} else {
			u.Profiles[n] = cal
		}
	}
	reason := r.PostForm.Get("reason")
	err = desk.Invalid("the calendars were not changed", fields)
	n := 0
	if err == nil {
		n, err = c.Store.SetCalendarUses(ctx, v.Actor, u, reason)
	}
	if err == nil {
		done := "uses-saved"
		if n == 0 {
			done = "uses-same"
		}
		return seeOther(w, r, "/admin/sla?done="+done+"#uses-title")
	}
	de := invalidOnly(err)
	if de == nil {
		return err
	}
	p.Title = "Error: Service levels"
	p.Reason = reason
	for _, row := range p.Uses {
		if msg, ok := de.Fields[row.Field]; ok {
			m := row.Label + ": " + msg
			p.Errors[row.Field] = m
			p.ErrorList = append(p.ErrorList, fieldError{ID: row.ID, Message: m})
		}
	}
	if msg, ok := de.Fields["reason"]; ok {
		p.Errors["reason"] = "Reason for the change: " + msg
		p.ErrorList = append(p.ErrorList, fieldError{ID: "uses-reason", Message: "Reason for the change: " + msg})
	}
	if len(p.ErrorList) == 0 {
		p.ErrorList = []fieldError{{ID: "uses-reason", Message: sentence(de.Message)}}
	}
	return c.render(w, r, http.StatusUnprocessableEntity, "adminsla", p)
}

// mergeSLAFields adds to fields the field errors of err (an EINVALID) that fields lacks.
func mergeSLAFields(fields map[string]string, err error) map[string]string {
	if de := invalidOnly(err); de != nil {
		for k, v := range de.Fields {
			if _, ok := fields[k]; !ok {
				fields[k] = v
			}
		}
	}
	return fields
}

// Calendars.

// calendarPage is the form of one calendar, new or to change.
type calendarPage struct {
	page
	Form      calendarForm
	Regions   []regionChoice
	ErrorList []fieldError
}

// calendarForm is a calendar as typed.
type calendarForm struct {
	ID                           int64
	Name, Zone, Region, Closures string
	Reason                       string
	Week                         []dayField
	Errors                       map[string]string
}

// dayField is one weekday's working hours in the form.
type dayField struct {
	Name, ID, Label, Value, Error string
}

func newCalendarForm(spec sla.Spec) calendarForm {
	f := calendarForm{Name: spec.Name, Zone: spec.Zone, Region: string(spec.Region), Errors: map[string]string{}}
	for _, d := range weekOrder() {
		key := strings.ToLower(d.String())
		f.Week = append(f.Week, dayField{Name: "week." + key, ID: "cal-week-" + key, Label: d.String(),
			Value: strings.ReplaceAll(store.SpansText(spec.Week[d]), ",", ", ")})
	}
	var lines []string
	for _, cl := range spec.Closures {
		l := cl.Date.String()
		if len(cl.Spans) > 0 {
			l += " " + store.SpansText(cl.Spans)
		}
		lines = append(lines, l+" "+cl.Name)
	}
	f.Closures = strings.Join(lines, "\n")
	return f
}

func (c *Console) calendarPage(v *visit, title string, f calendarForm) calendarPage {
	p := calendarPage{page: c.page(v, title), Form: f, Regions: regionChoices()}
	p.Section = "sla"
	return p
}

// pathCalendar is the calendar the request's path names.
func (c *Console) pathCalendar(r *http.Request) (store.SLACalendar, error) {
	id, err := slaID(r, "calendar")
	if err != nil {
		return store.SLACalendar{}, err
	}
	return c.Store.FindCalendar(r.Context(), id)
}

// pathRule is the service-level rule the request's path names.
func (c *Console) pathRule(r *http.Request) (store.SLARule, error) {
	id, err := slaID(r, "rule")
	if err != nil {
		return store.SLARule{}, err
	}
	return c.Store.FindRule(r.Context(), id)
}

// slaPost reads a sent calendar or rule form: the id in its path (0 for a new one) and its fields.
func slaPost(r *http.Request, what string) (int64, url.Values, error) {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = slaID(r, what); err != nil {
			return 0, nil, err
		}
	}
	if err := r.ParseForm(); err != nil {
		return 0, nil, desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	return id, r.PostForm, nil
}

func slaID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.Errorf(desk.ENOTFOUND, "there is no %s %q", what, r.PathValue("id"))
	}
	return id, nil
}

func (c *Console) newCalendar(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := newCalendarForm(sla.Spec{Zone: "Europe/London", Region: sla.EnglandAndWales, Week: sla.MondayToFriday(sla.Hours("08:00", "18:00"))})
	return c.render(w, r, http.StatusOK, "adminslacalendar", c.calendarPage(v, "Add a calendar", f))
}

func (c *Console) editCalendar(w http.ResponseWriter, r *http.Request, v *visit) error {
	cal, err := c.pathCalendar(r)
	if err != nil {
		return err
	}
	f := newCalendarForm(cal.Spec)
	f.ID = cal.ID
	return c.render(w, r, http.StatusOK, "adminslacalendar", c.calendarPage(v, "Change the calendar "+cal.Spec.Name, f))
}

// parseClosures reads the closures box: one a line, "2026-12-24 Christmas Eve" for a whole day or
// "2026-12-24 13:00-18:00 Christmas Eve afternoon" for part of one. Errors name the line.
func parseClosures(text string) ([]sla.Closure, []string) {
	var out []sla.Closure
	var errs []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		day, rest, _ := strings.Cut(line, " ")
		d, err := store.ParseDate(day)
		if err != nil {
			errs = append(errs, fmt.Sprintf("line %d: %s", i+1, desk.Message(err)))
			continue
		}
		rest = strings.TrimSpace(rest)
		cl := sla.Closure{Date: d, Name: rest}
		if first, name, _ := strings.Cut(rest, " "); strings.Contains(first, ":") && strings.Contains(first, "-") {
			spans, err := store.ParseSpans(first)
			if err != nil {
				errs = append(errs, fmt.Sprintf("line %d: %s", i+1, desk.Message(err)))
				continue
			}
			cl.Spans, cl.Name = spans, strings.TrimSpace(name)
		}
		out = append(out, cl)
	}
	return out, errs
}

// saveCalendar creates a calendar (POST /admin/sla/calendars) or changes one
// (POST /admin/sla/calendars/{id}).
func (c *Console) saveCalendar(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	id, pf, err := slaPost(r, "calendar")
	if err != nil {
		return err
	}
	spec := sla.Spec{Name: pf.Get("name"), Zone: pf.Get("zone"), Region: sla.Region(pf.Get("region"))}
	fields := map[string]string{}
	for _, d := range weekOrder() {
		key := "week." + strings.ToLower(d.String())
		spans, err := store.ParseSpans(pf.Get(key))
		if err != nil {
			fields[key] = desk.Message(err) + "; several spans are separated by commas, and a day off is left empty"
			continue
		}
		spec.Week[d] = spans
	}
	closures, errs := parseClosures(pf.Get("closures"))
	spec.Closures = closures
	if len(errs) > 0 {
		fields["closures"] = strings.Join(errs, "; ")
	}
	reason := pf.Get("reason")
	if len(fields) > 0 {
		// Say what else is wrong too, as the store would.
		fields = mergeSLAFields(fields, store.CheckCalendar(store.SLACalendar{Spec: spec}, reason))
	}
	err = desk.Invalid("the calendar cannot be saved", fields)
	done := "calendar-created"
	if err == nil && id == 0 {
		_, err = c.Store.CreateCalendar(ctx, v.Actor, store.SLACalendar{Spec: spec}, reason)
	} else if err == nil {
		_, err = c.Store.UpdateCalendar(ctx, v.Actor, store.SLACalendar{ID: id, Spec: spec}, reason)
		done = "calendar-saved"
	}
	if err == nil {
		return seeOther(w, r, "/admin/sla?done="+done)
	}
	de := invalidOnly(err)
	if de == nil {
		return err
	}
	f := calendarForm{ID: id, Name: pf.Get("name"), Zone: pf.Get("zone"), Region: pf.Get("region"), Closures: pf.Get("closures"), Reason: reason, Errors: map[string]string{}}
	title := "Add a calendar"
	if id != 0 {
		title = "Change the calendar"
	}
	p := c.calendarPage(v, "Error: "+title, f)
	add := func(field, id, label string) {
		if msg, ok := de.Fields[field]; ok {
			p.Form.Errors[field] = label + ": " + msg
			p.ErrorList = append(p.ErrorList, fieldError{ID: id, Message: label + ": " + msg})
		}
	}
	add("name", "cal-name", "Name")
	add("zone", "cal-zone", "Time zone")
	add("region", "cal-region", "Bank holidays")
	add("week", "cal-week-monday", "Working hours")
	for _, d := range weekOrder() {
		key := strings.ToLower(d.String())
		day := dayField{Name: "week." + key, ID: "cal-week-" + key, Label: d.String(), Value: pf.Get("week." + key)}
		if msg, ok := de.Fields[day.Name]; ok {
			day.Error = d.String() + ": " + msg
			p.ErrorList = append(p.ErrorList, fieldError{ID: day.ID, Message: day.Error})
		}
		p.Form.Week = append(p.Form.Week, day)
	}
	// Closure errors from the store are per closure ("closures[2]"): name its line.
	var closureErrs []string
	if msg, ok := de.Fields["closures"]; ok {
		closureErrs = append(closureErrs, msg)
	}
	lines := closureLines(pf.Get("closures"))
	for i := range closures {
		if msg, ok := de.Fields[fmt.Sprintf("closures[%d]", i)]; ok {
			closureErrs = append(closureErrs, fmt.Sprintf("line %d: %s", lines[i], msg))
		}
	}
	if len(closureErrs) > 0 {
		m := "Closures: " + strings.Join(closureErrs, "; ")
		p.Form.Errors["closures"] = m
		p.ErrorList = append(p.ErrorList, fieldError{ID: "cal-closures", Message: m})
	}
	add("reason", "cal-reason", "Reason for the change")
	if len(p.ErrorList) == 0 {
		p.ErrorList = []fieldError{{ID: "cal-name", Message: sentence(de.Message)}}
	}
	return c.render(w, r, http.StatusUnprocessableEntity, "adminslacalendar", p)
}

// closureLines gives, for each closure parseClosures reads, its line number.
func closureLines(text string) []int {
	var out []int
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, i+1)
		}
	}
	return out
}

// slaConfirmPage asks for the reason before a calendar or a rule is deleted.
type slaConfirmPage struct {
	page
	Question, Explain    string
	Action, Button, Back string
	Reason, Error        string
	ErrorList            []fieldError
}

func (c *Console) deleteCalendar(w http.ResponseWriter, r *http.Request, v *visit) error {
	cal, err := c.pathCalendar(r)
	if err != nil {
		return err
	}
	id := cal.ID
	p := slaConfirmPage{page: c.page(v, "Delete the calendar "+cal.Spec.Name+"?"), Question: "Delete the calendar “" + cal.Spec.Name + "”?",
		Explain: "A calendar that a rule, a group or a profile uses cannot be deleted: choose another for them first.",
		Action:  fmt.Sprintf("/admin/sla/calendars/%d/delete", id), Button: "Yes, delete it", Back: "/admin/sla"}
	return c.confirmSLADelete(w, r, p, func(reason string) error { return c.Store.DeleteCalendar(r.Context(), v.Actor, id, reason) }, "calendar-deleted")
}

func (c *Console) confirmSLADelete(w http.ResponseWriter, r *http.Request, p slaConfirmPage, del func(reason string) error, done string) error {
	p.Section = "sla"
	if r.PostFormValue("confirm") != "yes" {
		return c.render(w, r, http.StatusOK, "adminslaconfirm", p)
	}
	p.Reason = r.PostFormValue("reason")
	err := del(p.Reason)
	if err == nil {
		return seeOther(w, r, "/admin/sla?done="+done)
	}
	de := invalidOnly(err)
	if de == nil {
		return err
	}
	p.Title = "Error: " + p.Title
	msg := sentence(de.Message)
	if m, ok := de.Fields["reason"]; ok {
		msg = "Reason for the change: " + m
	} else if m, ok := de.Fields["calendar"]; ok {
		msg = sentence(m)
	}
	p.Error = msg
	p.ErrorList = []fieldError{{ID: "delete-reason", Message: msg}}
	return c.render(w, r, http.StatusUnprocessableEntity, "adminslaconfirm", p)
}

// Rules.

// rulePage is the form of one rule, new or to change.
type rulePage struct {
	page
	Form      ruleForm
	Names     *names
	Calendars []store.SLACalendar
	ErrorList []fieldError
}

// ruleForm is a rule as typed.
type ruleForm struct {
	ID                                      int64
	Name, Priority, Profile, Kind, Calendar string
	RespondWithin, ResolveWithin, RespondOn string
	RespondPause, ResolvePause              []string
	Reason                                  string
	Errors                                  map[string]string
}

// Pauses says whether the form pauses clock (respond or resolve) in state s.
func (f ruleForm) Pauses(clock, s string) bool {
	if clock == "respond" {
		return slices.Contains(f.RespondPause, s)
	}
	return slices.Contains(f.ResolvePause, s)
}

// Kinds are the customer kinds a rule may name.
func (rulePage) Kinds() []string {
	return []string{string(desk.Staff), string(desk.Student), string(desk.Partner), string(desk.Visitor)}
}

func ruleFormOf(r store.SLARule) ruleForm {
	f := ruleForm{ID: r.ID, Name: r.Name, Priority: strconv.Itoa(int(r.Priority)), Profile: idValue(r.ProfileID), Kind: string(r.CustomerKind),
		Calendar: idValue(r.CalendarID), RespondOn: string(r.RespondOn), Errors: map[string]string{}}
	if r.Respond.Within > 0 {
		f.RespondWithin = store.WithinText(r.Respond.Within)
	}
	if r.Resolve.Within > 0 {
		f.ResolveWithin = store.WithinText(r.Resolve.Within)
	}
	for _, s := range r.Respond.PauseIn {
		f.RespondPause = append(f.RespondPause, string(s))
	}
	for _, s := range r.Resolve.PauseIn {
		f.ResolvePause = append(f.ResolvePause, string(s))
	}
	return f
}

func (c *Console) rulePage(ctx context.Context, v *visit, title string, f ruleForm) (rulePage, error) {
	nm, err := c.names(ctx)
	if err != nil {
		return rulePage{}, err
	}
	cals, err := c.Store.Calendars(ctx)
	if err != nil {
		return rulePage{}, err
	}
	p := rulePage{page: c.page(v, title), Form: f, Names: nm, Calendars: cals}
	p.Section = "sla"
	return p, nil
}

func (c *Console) newRule(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := ruleFormOf(store.SLARule{Rule: sla.Rule{Priority: 3, RespondOn: sla.FirstPublicAction,
		Respond: sla.Target{PauseIn: []desk.State{desk.OnHold, desk.Pending}}, Resolve: sla.Target{PauseIn: []desk.State{desk.OnHold, desk.Pending}}}})
	p, err := c.rulePage(r.Context(), v, "Add a rule", f)
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "adminslarule", p)
}

func (c *Console) editRule(w http.ResponseWriter, r *http.Request, v *visit) error {
	rule, err := c.pathRule(r)
	if err != nil {
		return err
	}
	p, err := c.rulePage(r.Context(), v, "Change the rule "+rule.Name, ruleFormOf(rule))
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "adminslarule", p)
}

// ruleFields are the rule form's fields: the store's field name, control id and label.
func slaRuleFields() []struct{ name, id, label string } {
	return []struct{ name, id, label string }{
		{"name", "rule-name", "Name"}, {"priority", "rule-priority", "Priority"}, {"profile_id", "rule-profile", "Problem profile"},
		{"customer_kind", "rule-kind", "Customer kind"}, {"respond_within", "rule-respond-within", "Respond within"},
		{"respond_on", "rule-respond-on-first_public_action", "The response is"}, {"respond_pause_in", "rule-respond-pause-on_hold", "Respond clock pauses"},
		{"resolve_within", "rule-resolve-within", "Resolve within"}, {"resolve_pause_in", "rule-resolve-pause-on_hold", "Resolve clock pauses"},
		{"calendar_id", "rule-calendar", "Calendar"}, {"reason", "rule-reason", "Reason for the change"},
	}
}

func (c *Console) saveRule(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	id, pf, err := slaPost(r, "rule")
	if err != nil {
		return err
	}
	f := ruleForm{ID: id, Name: pf.Get("name"), Priority: pf.Get("priority"), Profile: pf.Get("profile_id"), Kind: pf.Get("customer_kind"),
		Calendar: pf.Get("calendar_id"), RespondWithin: pf.Get("respond_within"), ResolveWithin: pf.Get("resolve_within"),
		RespondOn: pf.Get("respond_on"), RespondPause: pf["respond_pause"], ResolvePause: pf["resolve_pause"], Reason: pf.Get("reason"), Errors: map[string]string{}}
	fields := map[string]string{}
	rule := store.SLARule{Rule: sla.Rule{ID: id, Name: f.Name, CustomerKind: desk.PersonKind(f.Kind), RespondOn: sla.RespondOn(f.RespondOn)}}
	prio, err := strconv.Atoi(f.Priority)
	if err != nil || prio < 1 || prio > 4 {
		fields["priority"] = "choose P1 to P4"
	}
	rule.Priority = desk.Priority(prio)
	ids := map[string]*int64{"profile_id": &rule.ProfileID, "calendar_id": &rule.CalendarID}
	for name, dst := range ids {
		if s := pf.Get(name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				fields[name] = "is not one of the choices"
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*time.Duration{"respond_within": &rule.Respond.Within, "resolve_within": &rule.Resolve.Within} {
		if strings.TrimSpace(pf.Get(name)) == "" {
			fields[name] = "is required: working time such as 30m, 4h or 1h30m"
			continue
		}
		d, err := store.ParseWithin(pf.Get(name))
		if err != nil {
			fields[name] = desk.Message(err)
		}
		*dst = d
	}
	for _, s := range f.RespondPause {
		rule.Respond.PauseIn = append(rule.Respond.PauseIn, desk.State(s))
	}
	for _, s := range f.ResolvePause {
		rule.Resolve.PauseIn = append(rule.Resolve.PauseIn, desk.State(s))
	}
	if len(fields) > 0 {
		fields = mergeSLAFields(fields, store.CheckRule(rule, f.Reason))
	}
	err = desk.Invalid("the rule cannot be saved", fields)
	done := "rule-created"
	if err == nil && id == 0 {
		_, err = c.Store.CreateRule(ctx, v.Actor, rule, f.Reason)
	} else if err == nil {
		_, err = c.Store.UpdateRule(ctx, v.Actor, rule, f.Reason)
		done = "rule-saved"
	}
	if err == nil {
		return seeOther(w, r, "/admin/sla?done="+done)
	}
	de := invalidOnly(err)
	if de == nil {
		return err
	}
	title := "Add a rule"
	if id != 0 {
		title = "Change the rule"
	}
	p, perr := c.rulePage(ctx, v, "Error: "+title, f)
	if perr != nil {
		return perr
	}
	for _, fo := range slaRuleFields() {
		if msg, ok := de.Fields[fo.name]; ok {
			p.Form.Errors[fo.name] = fo.label + ": " + msg
			p.ErrorList = append(p.ErrorList, fieldError{ID: fo.id, Message: fo.label + ": " + msg})
		}
	}
	if len(p.ErrorList) == 0 {
		p.ErrorList = []fieldError{{ID: "rule-name", Message: sentence(de.Message)}}
	}
	return c.render(w, r, http.StatusUnprocessableEntity, "adminslarule", p)
}

func (c *Console) deleteRule(w http.ResponseWriter, r *http.Request, v *visit) error {
	rule, err := c.pathRule(r)
	if err != nil {
		return err
	}
	id := rule.ID
	p := slaConfirmPage{page: c.page(v, "Delete the rule "+rule.Name+"?"), Question: "Delete the rule “" + rule.Name + "”?",
		Explain: "Calls it matched will fall under the next most specific rule for their priority.",
		Action:  fmt.Sprintf("/admin/sla/rules/%d/delete", id), Button: "Yes, delete it", Back: "/admin/sla"}
	return c.confirmSLADelete(w, r, p, func(reason string) error { return c.Store.DeleteRule(r.Context(), v.Actor, id, reason) }, "rule-deleted")
}

// Preview.

// previewPage is /admin/sla/preview: when would a call logged at a chosen time be due?
type previewPage struct {
	page
	Names                          *names
	Priority, Profile, Kind, Group string
	Date, Time                     string
	Errors                         map[string]string
	ErrorList                      []fieldError
	Result                         *previewResult
}

// previewResult is the preview's answer.
type previewResult struct {
	Logged, Respond, Resolve     string
	RespondWithin, ResolveWithin string
	RespondOn                    string
	Why, Calendar, CalendarWhy   string
	Closed                       []string
}

// Kinds are the customer kinds the preview offers.
func (previewPage) Kinds() []string { return rulePage{}.Kinds() }

// when writes an instant in the calendar's zone in words: "Friday 4 December 2026 at 17:30 GMT".
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday 2 January 2006 at 15:04 MST")
}

func (c *Console) previewSLA(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	nm, err := c.names(ctx)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := previewPage{page: c.page(v, "Preview the service levels"), Names: nm, Priority: q.Get("priority"), Profile: q.Get("profile_id"),
		Kind: q.Get("customer_kind"), Group: q.Get("group_id"), Date: q.Get("date"), Time: q.Get("time"), Errors: map[string]string{}}
	p.Section = "sla"
	if p.Priority == "" && p.Date == "" && p.Time == "" {
		now := c.now().UTC()
		p.Priority, p.Date, p.Time = "2", now.Format("2006-01-02"), "17:30"
		return c.render(w, r, http.StatusOK, "adminslapreview", p)
	}
	fail := func(field, id, msg string) {
		p.Errors[field] = msg
		p.ErrorList = append(p.ErrorList, fieldError{ID: id, Message: msg})
	}
	prio, err := strconv.Atoi(p.Priority)
	if err != nil || prio < 1 || prio > 4 {
		fail("priority", "preview-priority", "Priority: choose P1 to P4")
	}
	var profile, group int64
	if p.Profile != "" {
		if profile, err = strconv.ParseInt(p.Profile, 10, 64); err != nil || nm.Profile(profile).ID == 0 {
			fail("profile_id", "preview-profile", "Problem profile: is not one of the choices")
		}
	}
	if p.Kind != "" && !desk.PersonKind(p.Kind).Valid() {
		fail("customer_kind", "preview-kind", "Customer kind: is not one of the choices")
	}
	if p.Group != "" {
		if group, err = strconv.ParseInt(p.Group, 10, 64); err != nil || nm.GroupName(group) == "" {
			fail("group_id", "preview-group", "Group: is not one of the choices")
		}
	}
	day, err := store.ParseDate(p.Date)
	if err != nil {
		fail("date", "preview-date", "Date: "+desk.Message(err))
	}
	clock, err := time.Parse("15:04", strings.TrimSpace(p.Time))
	if err != nil {
		fail("time", "preview-time", fmt.Sprintf("Time: %q is not a time of day such as 17:30", p.Time))
	}
	if len(p.ErrorList) > 0 {
		p.Title = "Error: " + p.Title
		return c.render(w, r, http.StatusUnprocessableEntity, "adminslapreview", p)
	}
	rules, err := c.Store.Rules(ctx)
	if err != nil {
		return err
	}
	plain := make([]sla.Rule, len(rules))
	for i, rl := range rules {
		plain[i] = rl.Rule
	}
	facts := sla.Facts{Priority: desk.Priority(prio), ProfileID: profile, CustomerKind: desk.PersonKind(p.Kind)}
	chain := []int64{}
	if profile != 0 {
		facts.ProfilePath = nm.ProfilePath(profile)
		chain = append(chain, profile)
		for pr := nm.Profile(profile); pr.ParentID != 0 && len(chain) < 64; pr = nm.Profile(pr.ParentID) {
			facts.Ancestors = append(facts.Ancestors, pr.ParentID)
			chain = append(chain, pr.ParentID)
		}
	}
	choice, err := sla.Choose(plain, facts)
	if err != nil {
		if desk.ErrorCode(err) != desk.ENOTFOUND {
			return err
		}
		fail("priority", "preview-priority", "Priority: "+desk.Message(err))
		p.Title = "Error: " + p.Title
		return c.render(w, r, http.StatusUnprocessableEntity, "adminslapreview", p)
	}
	var rule store.SLARule
	for _, rl := range rules {
		if rl.ID == choice.Rule.ID {
			rule = rl
		}
	}
	uses, err := c.Store.CalendarUses(ctx)
	if err != nil {
		return err
	}
	calID, calWhy := uses.CalendarFor(rule, chain, group)
	if calID == 0 {
		fail("group_id", "preview-group", "Group: "+calWhy+": choose a group that has a calendar, or give the rule, the profile or the group one on the service levels page")
		p.Title = "Error: " + p.Title
		return c.render(w, r, http.StatusUnprocessableEntity, "adminslapreview", p)
	}
	stored, err := c.Store.FindCalendar(ctx, calID)
	if err != nil {
		return err
	}
	cal, err := stored.Calendar()
	if err != nil {
		return err
	}
	logged := time.Date(day.Year, day.Month, day.Day, clock.Hour(), clock.Minute(), 0, 0, cal.Location())
	res := &previewResult{Logged: when(logged, cal.Location()), Why: choice.Why, Calendar: stored.Spec.Name, CalendarWhy: calWhy,
		RespondWithin: withinWords(rule.Respond.Within), ResolveWithin: withinWords(rule.Resolve.Within), RespondOn: respondOnWords(rule.RespondOn)}
	respond, err := cal.Add(logged, rule.Respond.Within)
	if err != nil {
		fail("date", "preview-date", "Date: "+desk.Message(err))
	}
	resolve, err2 := cal.Add(logged, rule.Resolve.Within)
	if err == nil && err2 != nil {
		fail("date", "preview-date", "Date: "+desk.Message(err2))
	}
	if len(p.ErrorList) > 0 {
		p.Title = "Error: " + p.Title
		return c.render(w, r, http.StatusUnprocessableEntity, "adminslapreview", p)
	}
	res.Respond, res.Resolve = when(respond, cal.Location()), when(resolve, cal.Location())
	// The closures and holidays between the call and its resolve deadline, to explain a long wait.
	end := resolve.In(cal.Location())
	for d := day; ; d = d.AddDays(1) {
		if d.Year > end.Year() || (d.Year == end.Year() && (d.Month > end.Month() || (d.Month == end.Month() && d.Day > end.Day()))) || len(res.Closed) > 20 {
			break
		}
		if names := cal.ClosedOn(d); len(names) > 0 {
			res.Closed = append(res.Closed, d.String()+": "+strings.Join(names, ", "))
		}
	}
	p.Result = res
	return c.render(w, r, http.StatusOK, "adminslapreview", p)
}
