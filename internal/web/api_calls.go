package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// callJSON is a call as the API shows it. Times that have not happened yet are left out.
type callJSON struct {
	Ref          string          `json:"ref"`
	Kind         desk.CallKind   `json:"kind"`
	Summary      string          `json:"summary"`
	Description  string          `json:"description"`
	CustomerID   int64           `json:"customer_id"`
	Customer     desk.Snapshot   `json:"customer"`
	AltEmail     string          `json:"alt_email,omitzero"`
	AltPhone     string          `json:"alt_phone,omitzero"`
	Source       desk.CallSource `json:"source"`
	ProfileID    int64           `json:"profile_id,omitzero"`
	Impact       desk.Level      `json:"impact"`
	Urgency      desk.Level      `json:"urgency"`
	Priority     string          `json:"priority"`
	GroupID      int64           `json:"group_id,omitzero"`
	AnalystID    int64           `json:"analyst_id,omitzero"`
	State        desk.State      `json:"state"`
	Condition    desk.Condition  `json:"condition"`
	Urgent       bool            `json:"urgent"`
	HoldUntil    time.Time       `json:"hold_until,omitzero"`
	HoldReason   string          `json:"hold_reason,omitzero"`
	Resolution   string          `json:"resolution,omitzero"`
	CancelReason string          `json:"cancel_reason,omitzero"`
	LoggedAt     time.Time       `json:"logged_at"`
	LoggedBy     int64           `json:"logged_by,omitzero"`
	AssignedAt   time.Time       `json:"assigned_at,omitzero"`
	AcceptedAt   time.Time       `json:"accepted_at,omitzero"`
	HeldAt       time.Time       `json:"held_at,omitzero"`
	OffHoldAt    time.Time       `json:"off_hold_at,omitzero"`
	ResolvedAt   time.Time       `json:"resolved_at,omitzero"`
	ClosedAt     time.Time       `json:"closed_at,omitzero"`
	CancelledAt  time.Time       `json:"cancelled_at,omitzero"`
	ReopenedAt   time.Time       `json:"reopened_at,omitzero"`
	UpdatedAt    time.Time       `json:"updated_at"`
	// Version is what a transition must send back, so that nobody overwrites a change unseen.
	Version int64 `json:"version"`
	// SpecialCategory says the call holds special-category data (UK GDPR article 9).
	SpecialCategory bool `json:"special_category"`
	// SLA is the call's service level now, in GET of a call and of lists.
	SLA *slaJSON `json:"sla,omitempty"`
}

func callOf(c desk.Call) callJSON {
	return callJSON{Ref: c.Ref, Kind: c.Kind, Summary: c.Summary, Description: c.Description, CustomerID: c.CustomerID,
		Customer: c.Customer, AltEmail: c.AltEmail, AltPhone: c.AltPhone, Source: c.Source, ProfileID: c.ProfileID,
		Impact: c.Impact, Urgency: c.Urgency, Priority: c.Priority.String(), GroupID: c.GroupID, AnalystID: c.AnalystID,
		State: c.State, Condition: c.Condition(), Urgent: c.Urgent, HoldUntil: c.HoldUntil, HoldReason: c.HoldReason,
		Resolution: c.Resolution, CancelReason: c.CancelNote, LoggedAt: c.LoggedAt, LoggedBy: c.LoggedBy,
		AssignedAt: c.AssignedAt, AcceptedAt: c.AcceptedAt, HeldAt: c.HeldAt, OffHoldAt: c.OffHoldAt,
		ResolvedAt: c.ResolvedAt, ClosedAt: c.ClosedAt, CancelledAt: c.CancelledAt, ReopenedAt: c.ReopenedAt,
		UpdatedAt: c.UpdatedAt, Version: c.Version, SpecialCategory: c.SpecialCategory}
}

// callDetail is a call with its whole diary.
type callDetail struct {
	callJSON
	Diary []entryJSON `json:"diary"`
}

// callList is a page of calls.
type callList struct {
	Calls []callJSON `json:"calls"`
	Total int        `json:"total"`
	// TotalExact is false when Total is an estimate (a full-text search with very many hits on
	// PostgreSQL) or a lower bound (TotalMore).
	TotalExact bool `json:"total_exact"`
	// TotalMore says more than Total calls match: lists count up to store.ListCountLimit.
	TotalMore bool `json:"total_more"`
	Limit     int  `json:"limit"`
	Offset    int  `json:"offset"`
	// NextCursor and PrevCursor are the cursor parameters of the pages after and before this
	// one, absent where there is none (issue 21 point 5: keyset paging).
	NextCursor string `json:"next_cursor,omitempty"`
	PrevCursor string `json:"prev_cursor,omitempty"`
}

// newCallRequest is the body of POST /api/v1/calls.
type newCallRequest struct {
	Kind        desk.CallKind   `json:"kind"`
	Summary     string          `json:"summary"`
	Description string          `json:"description"`
	CustomerID  int64           `json:"customer_id"`
	AltEmail    string          `json:"alt_email"`
	AltPhone    string          `json:"alt_phone"`
	Source      desk.CallSource `json:"source"`
	ProfileID   int64           `json:"profile_id"`
	Impact      desk.Level      `json:"impact"`
	Urgency     desk.Level      `json:"urgency"`
	GroupID     int64           `json:"group_id"`
	AnalystID   int64           `json:"analyst_id"`
	// SpecialCategory marks the call as holding special-category data (UK GDPR article 9) from
	// the start: masked for readers who may not see it, sealed at rest under master keys.
	SpecialCategory bool `json:"special_category"`
}

// createCall logs a call: one store transaction, 201 with its address.
func (s *Server) createCall(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req newCallRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	call, err := s.Store.CreateCall(r.Context(), c.Actor, desk.NewCall{Kind: req.Kind, Summary: req.Summary,
		Description: req.Description, CustomerID: req.CustomerID, AltEmail: req.AltEmail, AltPhone: req.AltPhone,
		Source: req.Source, ProfileID: req.ProfileID, Impact: req.Impact, Urgency: req.Urgency,
		GroupID: req.GroupID, AnalystID: req.AnalystID, SpecialCategory: req.SpecialCategory})
	if err != nil {
		return err
	}
	w.Header().Set("Location", APIPrefix+"calls/"+call.Ref)
	return writeJSON(w, http.StatusCreated, callOf(call))
}

// showCall returns a call with its diary, internal notes included for analysts, and records the
// read in the audit trail (P2).
func (s *Server) showCall(w http.ResponseWriter, r *http.Request, c *caller) error {
	call, err := s.Store.FindCallByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	diary, err := s.Store.Diary(r.Context(), call.ID, true) // internal notes too: the route needs access.WorkCalls
	if err != nil {
		return err
	}
	diary = desk.ForReader(access.Can(c.Account, access.ReadEmails), diary)
	rd, err := s.reader(r.Context(), c)
	if err != nil {
		return err
	}
	level, err := s.serviceLevel(r.Context(), call)
	if err != nil {
		return err
	}
	// What the reader is shown (masked where they may not read it) is what their read is audited for.
	call, diary = access.CallFor(rd, call), access.DiaryFor(rd, call, diary)
	if err := s.auditCall(r.Context(), c, call, diary, "viewed the call and its diary"); err != nil {
		return err
	}
	out := callDetail{callJSON: callOf(call), Diary: entriesOf(diary)}
	out.SLA = level
	return writeJSON(w, http.StatusOK, out)
}

// auditCall records the reading of a call for every person it shows (desk.PeopleOnCall), and
// every known person its words name by address, username or directory key (the alternative
// contact, someone an entry names).
func (s *Server) auditCall(ctx context.Context, c *caller, call desk.Call, diary []desk.Entry, detail string) error {
	named, err := s.Store.PeopleNamedIn(ctx, desk.CallTexts(call, diary)...)
	if err != nil {
		return err
	}
	return s.auditReadOf(c, "call.view", "call", call.Ref, append(desk.PeopleOnCall(call, diary), named...), detail)
}

// reader is what the caller may read of calls' text (access.ReaderOf, with their groups).
func (s *Server) reader(ctx context.Context, c *caller) (desk.Reader, error) {
	groups, err := s.Store.GroupsOf(ctx, c.Account.PersonID)
	if err != nil {
		return desk.Reader{}, err
	}
	return access.ReaderOf(c.Account, groups), nil
}

// auditRead writes the audit record of a read of personal data; the read must not be answered
// when it fails.
func (s *Server) auditRead(c *caller, action, objectType, objectID string, person int64, detail string) error {
	var persons []int64
	if person != 0 {
		persons = []int64{person}
	}
	return s.auditReadOf(c, action, objectType, objectID, persons, detail)
}

func (s *Server) auditReadOf(c *caller, action, objectType, objectID string, persons []int64, detail string) error {
	return s.Audit.Add(desk.AuditRecord{At: s.now(), ActorID: c.Actor.PersonID, Actor: c.Actor.Name, Action: action,
		ObjectType: objectType, ObjectID: objectID, Persons: persons, ClientAddr: c.Actor.Addr,
		Reason: c.Actor.Reason, Detail: desk.DetailAPI + detail, Surface: desk.SurfaceAPI})
}

// listCalls returns a page of calls matching the query parameters, and records the read.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request, c *caller) error {
	f, err := callFilterOf(r.URL.Query())
	if err != nil {
		return err
	}
	rd, err := s.reader(r.Context(), c)
	if err != nil {
		return err
	}
	f.Reader = &rd
	page, err := s.Store.FindCallsPage(r.Context(), f)
	if err != nil {
		return err
	}
	page.Calls = access.CallsFor(rd, page.Calls)
	out := callList{Calls: make([]callJSON, len(page.Calls)), Total: page.Total, TotalExact: page.TotalExact, TotalMore: page.TotalAtLeast,
		Limit: f.Limit, Offset: f.Offset, NextCursor: page.Next, PrevCursor: page.Prev}
	var customers []int64
	refs := make([]string, len(page.Calls))
	for i, call := range page.Calls {
		out.Calls[i], refs[i] = callOf(call), call.Ref
		customers = append(customers, call.CustomerID)
	}
	if err := s.serviceLevels(r.Context(), page.Calls, out.Calls); err != nil {
		return err
	}
	// Each call shows its customer's details, so the page is a read of their personal data:
	// one record names every customer on it (P2), as a people search does.
	if len(refs) > 0 {
		if err := s.auditReadOf(c, "call.search", "call", "", customers, "listed "+strings.Join(refs, ", ")+" ("+r.URL.RawQuery+")"); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// callFilterOf reads the query parameters of GET /api/v1/calls; a bad one is a 400 naming it.
func callFilterOf(q url.Values) (store.CallFilter, error) {
	p := params{q: q}
	p.known("group", "analyst", "condition", "customer", "profile", "q", "from", "to", "priority", "open", "sla", "sort", "limit", "offset", "cursor")
	f := store.CallFilter{Limit: 25}
	for _, v := range p.list("group") {
		if id := p.idValue("group", v); id != 0 {
			f.GroupIDs = append(f.GroupIDs, id)
		}
	}
	if v := q.Get("analyst"); v == "none" {
		f.Unassigned = true
	} else {
		f.AnalystID = p.id("analyst", "a person id, or none for calls with no analyst")
	}
	for _, v := range p.list("condition") {
		cond := desk.Condition(v)
		if cond.States() == nil {
			p.bad("condition", "%q is not a condition; conditions are unassigned, pending, on_hold, off_hold, resolved, closed and cancelled", v)
			continue
		}
		f.Conditions = append(f.Conditions, cond)
	}
	f.CustomerID = p.id("customer", "a person id")
	f.ProfileID = p.id("profile", "a problem-profile id")
	f.Text = q.Get("q")
	if len(f.Text) > 500 {
		p.bad("q", "is longer than 500 characters; search for a few distinctive words")
	}
	f.From = p.time("from", false)
	f.To = p.time("to", true)
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		p.bad("to", "must be after from")
	}
	if v := q.Get("priority"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(v), "P"))
		if err != nil || !desk.Priority(n).Valid() {
			p.bad("priority", "%q is not a priority; give 1 to 4 (or P1 to P4)", v)
		}
		f.Priority = desk.Priority(n)
	}
	switch v := q.Get("open"); v {
	case "", "false":
	case "true":
		f.OpenOnly = true
	default:
		p.bad("open", "%q is not accepted: give open=true to list only open calls (to list finished ones use condition=resolved,closed,cancelled)", v)
	}
	switch v := q.Get("sort"); v {
	case "", "newest", "oldest", "priority", "updated", "due":
		f.Sort = v
	default:
		p.bad("sort", "%q is not a sort order; give newest, oldest, priority, updated or due (deadline first)", v)
	}
	switch v := q.Get("sla"); v {
	case "", "at_risk", "breached":
		f.SLA = v
	default:
		p.bad("sla", "%q is not a service-level filter; give at_risk (a clock has used 75%% of its time) or breached (a clock's time ran out)", v)
	}
	f.Limit, f.Offset = p.page(25, 500)
	if f.Cursor = q.Get("cursor"); f.Cursor != "" && f.Offset != 0 {
		p.bad("cursor", "cannot be given with an offset: a cursor names where its page starts")
	}
	return f, p.err()
}
