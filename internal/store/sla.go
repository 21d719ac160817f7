package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/sla"
)

// Service levels, administration (issue 17 point 7): the working-time calendars, their one-off
// closures and the service-level rules (targets) that administrators keep, and which calendar each
// support group and problem profile uses. internal/sla checks them (NewCalendar, Rule.Validate)
// and does the maths; sla_calls.go evaluates calls against them. Every change is one transaction
// with its audit record and needs a reason, which the record keeps.

// SLACalendar is a stored working-time calendar: its Spec (name, zone, weekly spans, bank holiday
// region, closures) as the administrator gave it. Spec.Exceptions are not stored: an extra or
// moved bank holiday is a whole-day closure.
type SLACalendar struct {
	ID                   int64
	Spec                 sla.Spec
	CreatedAt, UpdatedAt time.Time
}

// Calendar builds the checked calendar of c.
func (c SLACalendar) Calendar() (*sla.Calendar, error) { return sla.NewCalendar(c.Spec) }

// SLARule is a stored service-level rule: the sla.Rule and, optionally, its own calendar
// (CalendarID 0: the calendar of the call's profile, else of its group).
type SLARule struct {
	sla.Rule
	CalendarID           int64
	CreatedAt, UpdatedAt time.Time
}

// CalendarUses says which calendar each support group and problem profile uses: id -> calendar
// id. A group or profile missing from the maps uses none.
type CalendarUses struct {
	Groups, Profiles map[int64]int64
	// Default is the calendar of a call whose rule, profile and group name none (an unassigned
	// call of no profile, say): the first calendar made. CalendarUses fills it; SetCalendarUses
	// ignores it.
	Default int64
}

// MaxSLAName bounds the name of a calendar, a closure and a rule.
const MaxSLAName = 80

// MaxReason bounds the reason given for a change of the service levels.
const MaxReason = 500

func checkReason(reason string, f map[string]string) string {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		f["reason"] = "is required: say why you are making the change, for the audit trail"
	case utf8.RuneCountInString(reason) > MaxReason:
		f["reason"] = fmt.Sprintf("must be at most %d characters", MaxReason)
	}
	return reason
}

func checkName(name string, f map[string]string, what string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		f["name"] = "is required: " + what
	case utf8.RuneCountInString(name) > MaxSLAName:
		f["name"] = fmt.Sprintf("must be at most %d characters", MaxSLAName)
	}
	return name
}

// mergeInvalid returns an EINVALID error with the fields of f and of err (an EINVALID from
// internal/sla), or err when it is of another kind.
func mergeInvalid(msg string, f map[string]string, err error) error {
	if err != nil {
		de := desk.AsError(err)
		if de == nil || de.Code != desk.EINVALID {
			return err
		}
		for k, v := range de.Fields {
			if _, ok := f[k]; !ok {
				f[k] = v
			}
		}
	}
	return desk.Invalid(msg, f)
}

func (c *SLACalendar) validate(reason string) (string, error) {
	f := map[string]string{}
	c.Spec.Name = checkName(c.Spec.Name, f, "what the desk calls it, such as \"Service Desk hours\"")
	c.Spec.Zone = strings.TrimSpace(c.Spec.Zone)
	reason = checkReason(reason, f)
	for i := range c.Spec.Closures {
		c.Spec.Closures[i].Name = strings.TrimSpace(c.Spec.Closures[i].Name)
		if utf8.RuneCountInString(c.Spec.Closures[i].Name) > MaxSLAName {
			f[fmt.Sprintf("closures[%d]", i)] = fmt.Sprintf("the name must be at most %d characters", MaxSLAName)
		}
	}
	c.Spec.Exceptions = nil
	_, err := sla.NewCalendar(c.Spec)
	return reason, mergeInvalid("the calendar cannot be saved", f, err)
}

// EncodeWeek writes a week's spans as stored: Sunday first, days separated by '|', a day's spans
// by ','.
func EncodeWeek(w [7][]sla.Span) string {
	days := make([]string, 7)
	for d, spans := range w {
		days[d] = SpansText(spans)
	}
	return strings.Join(days, "|")
}

// SpansText writes spans as "08:00-12:30,13:30-18:00" ("" for none).
func SpansText(spans []sla.Span) string {
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = s.String()
	}
	return strings.Join(parts, ",")
}

// ParseSpans reads spans separated by commas ("08:00-12:30, 13:30-18:00"); "" is none.
func ParseSpans(s string) ([]sla.Span, error) {
	var out []sla.Span
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		sp, err := sla.ParseSpan(part)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

func decodeWeek(s string) ([7][]sla.Span, error) {
	var w [7][]sla.Span
	days := strings.Split(s, "|")
	if len(days) != 7 {
		return w, fmt.Errorf("sla calendar week %q has %d days", s, len(days))
	}
	for d, text := range days {
		spans, err := ParseSpans(text)
		if err != nil {
			return w, fmt.Errorf("sla calendar week %q: %w", s, err)
		}
		w[d] = spans
	}
	return w, nil
}

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (sla.Date, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return sla.Date{}, desk.Errorf(desk.EINVALID, "%q is not a date of the form 2026-12-24", strings.TrimSpace(s))
	}
	return sla.D(t.Year(), t.Month(), t.Day()), nil
}

func (c SLACalendar) summary() string {
	region := string(c.Spec.Region)
	if region == "" {
		region = "no bank holidays"
	}
	var days []string
	for d, spans := range c.Spec.Week {
		if len(spans) > 0 {
			days = append(days, time.Weekday(d).String()[:3]+" "+SpansText(spans))
		}
	}
	return fmt.Sprintf("%s, %s, %s, %d closure(s)", c.Spec.Zone, strings.Join(days, " "), region, len(c.Spec.Closures))
}

func calendarNameTaken(name string) error {
	return desk.Invalid("the calendar cannot be saved", map[string]string{"name": fmt.Sprintf("a calendar called %q already exists: choose another name", name)})
}

func withReason(actor desk.Actor, reason string) desk.Actor {
	actor.Reason = reason
	return actor
}

func (t *Tx) writeClosures(ctx context.Context, c SLACalendar) error {
	if _, err := t.exec(ctx, `DELETE FROM sla_closures WHERE calendar_id = ?`, c.ID); err != nil {
		return err
	}
	for _, cl := range c.Spec.Closures {
		if _, err := t.exec(ctx, `INSERT INTO sla_closures (calendar_id, day, name, spans) VALUES (?, ?, ?, ?)`,
			c.ID, cl.Date.String(), cl.Name, SpansText(cl.Spans)); err != nil {
			return err
		}
	}
	return nil
}

// CreateCalendar adds a calendar, checked by sla.NewCalendar, with the reason, audited in the same
// transaction.
func (s *Store) CreateCalendar(ctx context.Context, actor desk.Actor, c SLACalendar, reason string) (SLACalendar, error) {
	reason, err := c.validate(reason)
	if err != nil {
		return c, err
	}
	err = s.slaConfigTx(ctx, func(t *Tx) error {
		c.CreatedAt, c.UpdatedAt = t.Now, t.Now
		err := t.queryRow(ctx, `INSERT INTO sla_calendars (name, zone, week, region, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Spec.Name, c.Spec.Zone, EncodeWeek(c.Spec.Week), string(c.Spec.Region), t.Now.UnixMicro(), t.Now.UnixMicro()).Scan(&c.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return calendarNameTaken(c.Spec.Name)
		}
		if err != nil {
			return err
		}
		if err := t.writeClosures(ctx, c); err != nil {
			return err
		}
		return t.audit(ctx, withReason(actor, reason), "sla.calendar.create", "sla_calendar", c.ID, nil,
			"created the calendar "+c.Spec.Name+" ("+c.summary()+"): "+reason)
	})
	return c, err
}

// UpdateCalendar replaces calendar c.ID's name, zone, week, region and closures, with the reason,
// audited.
func (s *Store) UpdateCalendar(ctx context.Context, actor desk.Actor, c SLACalendar, reason string) (SLACalendar, error) {
	reason, err := c.validate(reason)
	if err != nil {
		return c, err
	}
	err = s.slaConfigTx(ctx, func(t *Tx) error {
		old, err := t.calendar(ctx, c.ID)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `UPDATE sla_calendars SET name = ?, zone = ?, week = ?, region = ?, updated_at = ? WHERE id = ?`,
			c.Spec.Name, c.Spec.Zone, EncodeWeek(c.Spec.Week), string(c.Spec.Region), t.Now.UnixMicro(), c.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return calendarNameTaken(c.Spec.Name)
		}
		if err != nil {
			return err
		}
		if err := t.writeClosures(ctx, c); err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = old.CreatedAt, t.Now
		return t.audit(ctx, withReason(actor, reason), "sla.calendar.update", "sla_calendar", c.ID, nil,
			"changed the calendar "+old.Spec.Name+" (was "+old.summary()+"; now "+c.Spec.Name+", "+c.summary()+"): "+reason)
	})
	return c, err
}

// reasonOnly checks the reason of a change that has nothing else to check: EINVALID headed by
// refused (what was not done) when it is missing or too long.
func reasonOnly(reason, refused string) (string, error) {
	f := map[string]string{}
	reason = checkReason(reason, f)
	return reason, desk.Invalid(refused, f)
}

// DeleteCalendar deletes calendar id and its closures, with the reason, audited. A calendar that a
// rule, a group or a profile uses cannot be deleted (EINVALID saying which use it).
func (s *Store) DeleteCalendar(ctx context.Context, actor desk.Actor, id int64, reason string) error {
	reason, err := reasonOnly(reason, "the calendar cannot be deleted")
	if err != nil {
		return err
	}
	return s.slaConfigTx(ctx, func(t *Tx) error {
		old, err := t.calendar(ctx, id)
		if err != nil {
			return err
		}
		var rules, groups, profiles int
		if err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM sla_rules WHERE calendar_id = ?), (SELECT COUNT(*) FROM sla_group_calendars WHERE calendar_id = ?),
			(SELECT COUNT(*) FROM sla_profile_calendars WHERE calendar_id = ?)`, id, id, id).Scan(&rules, &groups, &profiles); err != nil {
			return err
		}
		if rules+groups+profiles > 0 {
			return desk.Invalid("the calendar cannot be deleted", map[string]string{"calendar": fmt.Sprintf(
				"%s is used by %d rule(s), %d group(s) and %d profile(s): choose another calendar for them first", old.Spec.Name, rules, groups, profiles)})
		}
		if _, err := t.exec(ctx, `DELETE FROM sla_closures WHERE calendar_id = ?`, id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM sla_calendars WHERE id = ?`, id); err != nil {
			return err
		}
		return t.audit(ctx, withReason(actor, reason), "sla.calendar.delete", "sla_calendar", id, nil, "deleted the calendar "+old.Spec.Name+": "+reason)
	})
}

const slaCalendarCols = `id, name, zone, week, region, created_at, updated_at`

func scanCalendar(r scanner) (SLACalendar, error) {
	var c SLACalendar
	var week, region string
	var created, updated int64
	if err := r.Scan(&c.ID, &c.Spec.Name, &c.Spec.Zone, &week, &region, &created, &updated); err != nil {
		return c, err
	}
	c.Spec.Region = sla.Region(region)
	c.CreatedAt, c.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	var err error
	c.Spec.Week, err = decodeWeek(week)
	return c, err
}

type querier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// calendars reads the calendars matching where (with args), with their closures, by name.
func calendars(ctx context.Context, q querier, where string, args ...any) ([]SLACalendar, error) {
	rows, err := q.query(ctx, `SELECT `+slaCalendarCols+` FROM sla_calendars`+where+` ORDER BY lower(name), id`, args...)
	if err != nil {
		return nil, err
	}
	var out []SLACalendar
	at := map[int64]int{}
	for rows.Next() {
		c, err := scanCalendar(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		at[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	rows, err = q.query(ctx, `SELECT calendar_id, day, name, spans FROM sla_closures ORDER BY calendar_id, day, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var day, name, spans string
		if err := rows.Scan(&id, &day, &name, &spans); err != nil {
			return nil, err
		}
		i, ok := at[id]
		if !ok {
			continue
		}
		d, err := ParseDate(day)
		if err != nil {
			return nil, fmt.Errorf("closure of calendar %d: %w", id, err)
		}
		sp, err := ParseSpans(spans)
		if err != nil {
			return nil, fmt.Errorf("closure of calendar %d: %w", id, err)
		}
		out[i].Spec.Closures = append(out[i].Spec.Closures, sla.Closure{Date: d, Name: name, Spans: sp})
	}
	return out, rows.Err()
}

func (t *Tx) calendar(ctx context.Context, id int64) (SLACalendar, error) {
	cs, err := calendars(ctx, t, ` WHERE id = ?`, id)
	if err == nil && len(cs) == 0 {
		err = notFound("no calendar with id %d", id)
	}
	if err != nil {
		return SLACalendar{}, err
	}
	return cs[0], nil
}

// FindCalendar returns calendar id with its closures, or ENOTFOUND.
func (s *Store) FindCalendar(ctx context.Context, id int64) (SLACalendar, error) {
	cs, err := calendars(ctx, s, ` WHERE id = ?`, id)
	if err == nil && len(cs) == 0 {
		err = notFound("no calendar with id %d", id)
	}
	if err != nil {
		return SLACalendar{}, err
	}
	return cs[0], nil
}

// Calendars lists every calendar with its closures, by name.
func (s *Store) Calendars(ctx context.Context) ([]SLACalendar, error) { return calendars(ctx, s, "") }

// Rules.

// ParseWithin reads a working duration as an administrator types it: "30m", "4h", "1h30m", "90"
// (minutes), with spaces and "min" allowed ("4 h", "30 min"). It must be whole minutes.
func ParseWithin(s string) (time.Duration, error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	t = strings.ReplaceAll(strings.ReplaceAll(t, "mins", "m"), "min", "m")
	t = strings.ReplaceAll(strings.ReplaceAll(t, "hours", "h"), "hour", "h")
	if n, err := strconv.Atoi(t); err == nil {
		t = strconv.Itoa(n) + "m"
	}
	d, err := time.ParseDuration(t)
	if err != nil || strings.ContainsAny(t, "nuµs") || d <= 0 || d%time.Minute != 0 {
		return 0, desk.Errorf(desk.EINVALID, "%q is not a working time such as 30m, 4h or 1h30m (whole minutes)", strings.TrimSpace(s))
	}
	return d, nil
}

// WithinText writes a working duration as "4h", "1h30m", "30m".
func WithinText(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

func statesText(ss []desk.State) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

func parseStates(s string) []desk.State {
	var out []desk.State
	for part := range strings.SplitSeq(s, ",") {
		if part != "" {
			out = append(out, desk.State(part))
		}
	}
	return out
}

func (r *SLARule) validate(reason string) (string, error) {
	f := map[string]string{}
	r.Name = checkName(r.Name, f, "what the desk calls it, such as \"P2 standard\"")
	reason = checkReason(reason, f)
	for name, d := range map[string]time.Duration{"respond_within": r.Respond.Within, "resolve_within": r.Resolve.Within} {
		if d > 0 && d%time.Minute != 0 {
			f[name] = "must be whole minutes"
		}
	}
	if r.CalendarID < 0 {
		f["calendar_id"] = "is not one of the choices"
	}
	return reason, mergeInvalid(fmt.Sprintf("the rule %q cannot be saved", r.Name), f, r.Rule.Validate())
}

func (t *Tx) checkRuleRefs(ctx context.Context, r SLARule) (calendar, profile string, err error) {
	f := map[string]string{}
	calendar, profile = "the call's profile's or group's calendar", "any profile"
	if r.CalendarID != 0 {
		c, err := t.calendar(ctx, r.CalendarID)
		if isNotFound(err) {
			f["calendar_id"] = "is not one of the choices"
		} else if err != nil {
			return "", "", err
		}
		calendar = "calendar " + c.Spec.Name
	}
	if r.ProfileID != 0 {
		err := t.queryRow(ctx, `SELECT path FROM profiles WHERE id = ?`, r.ProfileID).Scan(&profile)
		if err == sql.ErrNoRows {
			f["profile_id"] = "is not one of the choices"
		} else if err != nil {
			return "", "", err
		}
	}
	return calendar, profile, desk.Invalid(fmt.Sprintf("the rule %q cannot be saved", r.Name), f)
}

func (r SLARule) summary(calendar, profile string) string {
	kind := string(r.CustomerKind)
	if kind == "" {
		kind = "any customer"
	}
	return fmt.Sprintf("%s, %s, %s: respond within %s (on %s, paused %s), resolve within %s (paused %s), %s", r.Priority, profile, kind,
		WithinText(r.Respond.Within), r.RespondOn, orNone(statesText(r.Respond.PauseIn)), WithinText(r.Resolve.Within), orNone(statesText(r.Resolve.PauseIn)), calendar)
}

func orNone(s string) string {
	if s == "" {
		return "never"
	}
	return "in " + s
}

func ruleNameTaken(name string) error {
	return desk.Invalid("the rule cannot be saved", map[string]string{"name": fmt.Sprintf("a rule called %q already exists: choose another name", name)})
}

func ruleArgs(r SLARule) []any {
	return []any{r.Name, int(r.Priority), nullID(r.ProfileID), string(r.CustomerKind), int64(r.Respond.Within / time.Minute), int64(r.Resolve.Within / time.Minute),
		string(r.RespondOn), statesText(r.Respond.PauseIn), statesText(r.Resolve.PauseIn), nullID(r.CalendarID)}
}

// CreateRule adds a service-level rule, checked by sla.Rule.Validate, with the reason, audited.
func (s *Store) CreateRule(ctx context.Context, actor desk.Actor, r SLARule, reason string) (SLARule, error) {
	reason, err := r.validate(reason)
	if err != nil {
		return r, err
	}
	err = s.slaConfigTx(ctx, func(t *Tx) error {
		calendar, profile, err := t.checkRuleRefs(ctx, r)
		if err != nil {
			return err
		}
		r.CreatedAt, r.UpdatedAt = t.Now, t.Now
		err = t.queryRow(ctx, `INSERT INTO sla_rules (name, priority, profile_id, customer_kind, respond_minutes, resolve_minutes, respond_on,
			respond_pause, resolve_pause, calendar_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			append(ruleArgs(r), t.Now.UnixMicro(), t.Now.UnixMicro())...).Scan(&r.ID)
		if t.s.d.constraint(err) == constraintUnique {
			return ruleNameTaken(r.Name)
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, withReason(actor, reason), "sla.rule.create", "sla_rule", r.ID, nil,
			"created the service-level rule "+r.Name+" ("+r.summary(calendar, profile)+"): "+reason)
	})
	return r, err
}

// UpdateRule replaces rule r.ID, with the reason, audited.
func (s *Store) UpdateRule(ctx context.Context, actor desk.Actor, r SLARule, reason string) (SLARule, error) {
	reason, err := r.validate(reason)
	if err != nil {
		return r, err
	}
	err = s.slaConfigTx(ctx, func(t *Tx) error {
		old, err := scanRule(t.queryRow(ctx, `SELECT `+slaRuleCols+` FROM sla_rules r LEFT JOIN profiles p ON p.id = r.profile_id
			LEFT JOIN sla_calendars c ON c.id = r.calendar_id WHERE r.id = ?`, r.ID))
		if err == sql.ErrNoRows {
			return notFound("no service-level rule with id %d", r.ID)
		} else if err != nil {
			return err
		}
		calendar, profile, err := t.checkRuleRefs(ctx, r)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `UPDATE sla_rules SET name = ?, priority = ?, profile_id = ?, customer_kind = ?, respond_minutes = ?, resolve_minutes = ?,
			respond_on = ?, respond_pause = ?, resolve_pause = ?, calendar_id = ?, updated_at = ? WHERE id = ?`, append(ruleArgs(r), t.Now.UnixMicro(), r.ID)...)
		if t.s.d.constraint(err) == constraintUnique {
			return ruleNameTaken(r.Name)
		}
		if err != nil {
			return err
		}
		r.CreatedAt, r.UpdatedAt = old.CreatedAt, t.Now
		return t.audit(ctx, withReason(actor, reason), "sla.rule.update", "sla_rule", r.ID, nil,
			"changed the service-level rule "+old.Name+" (was "+old.summary(old.calendarWords(), old.profileWords())+"; now "+r.Name+", "+r.summary(calendar, profile)+"): "+reason)
	})
	return r, err
}

// DeleteRule deletes rule id, with the reason, audited.
func (s *Store) DeleteRule(ctx context.Context, actor desk.Actor, id int64, reason string) error {
	reason, err := reasonOnly(reason, "the rule cannot be deleted")
	if err != nil {
		return err
	}
	return s.slaConfigTx(ctx, func(t *Tx) error {
		var name string
		err := t.queryRow(ctx, `SELECT name FROM sla_rules WHERE id = ?`, id).Scan(&name)
		if err == sql.ErrNoRows {
			return notFound("no service-level rule with id %d", id)
		} else if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM sla_rules WHERE id = ?`, id); err != nil {
			return err
		}
		return t.audit(ctx, withReason(actor, reason), "sla.rule.delete", "sla_rule", id, nil, "deleted the service-level rule "+name+": "+reason)
	})
}

// ruleRow is a rule with the names its summary shows.
type ruleRow struct {
	SLARule
	profilePath, calendarName string
}

func (r ruleRow) calendarWords() string {
	if r.CalendarID == 0 {
		return "the call's profile's or group's calendar"
	}
	return "calendar " + r.calendarName
}

func (r ruleRow) profileWords() string {
	if r.ProfileID == 0 {
		return "any profile"
	}
	return r.profilePath
}

const slaRuleCols = `r.id, r.name, r.priority, COALESCE(r.profile_id, 0), r.customer_kind, r.respond_minutes, r.resolve_minutes, r.respond_on,
	r.respond_pause, r.resolve_pause, COALESCE(r.calendar_id, 0), r.created_at, r.updated_at, COALESCE(p.path, ''), COALESCE(c.name, '')`

func scanRule(sc scanner) (ruleRow, error) {
	var r ruleRow
	var prio int
	var kind, on, rp, sp string
	var respond, resolve, created, updated int64
	err := sc.Scan(&r.ID, &r.Name, &prio, &r.ProfileID, &kind, &respond, &resolve, &on, &rp, &sp, &r.CalendarID, &created, &updated,
		&r.profilePath, &r.calendarName)
	r.Priority, r.CustomerKind, r.RespondOn = desk.Priority(prio), desk.PersonKind(kind), sla.RespondOn(on)
	r.Respond = sla.Target{Within: time.Duration(respond) * time.Minute, PauseIn: parseStates(rp)}
	r.Resolve = sla.Target{Within: time.Duration(resolve) * time.Minute, PauseIn: parseStates(sp)}
	r.CreatedAt, r.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return r, err
}

// FindRule returns rule id, or ENOTFOUND.
func (s *Store) FindRule(ctx context.Context, id int64) (SLARule, error) {
	r, err := scanRule(s.queryRow(ctx, `SELECT `+slaRuleCols+` FROM sla_rules r LEFT JOIN profiles p ON p.id = r.profile_id
		LEFT JOIN sla_calendars c ON c.id = r.calendar_id WHERE r.id = ?`, id))
	if err == sql.ErrNoRows {
		return SLARule{}, notFound("no service-level rule with id %d", id)
	}
	return r.SLARule, err
}

// Rules lists every service-level rule by priority, then from the least to the most specific
// (no profile before a profile, any customer before a kind), then by name.
func (s *Store) Rules(ctx context.Context) ([]SLARule, error) { return rules(ctx, s) }

func rules(ctx context.Context, q querier) ([]SLARule, error) {
	rows, err := q.query(ctx, `SELECT `+slaRuleCols+` FROM sla_rules r LEFT JOIN profiles p ON p.id = r.profile_id
		LEFT JOIN sla_calendars c ON c.id = r.calendar_id ORDER BY r.priority, COALESCE(p.path, ''), r.customer_kind, lower(r.name), r.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SLARule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.SLARule)
	}
	return out, rows.Err()
}

// Calendar uses.

// CalendarUses returns which calendar each group and profile uses.
func (s *Store) CalendarUses(ctx context.Context) (CalendarUses, error) { return calendarUses(ctx, s) }

func calendarUses(ctx context.Context, q querier) (CalendarUses, error) {
	u := CalendarUses{Groups: map[int64]int64{}, Profiles: map[int64]int64{}}
	for _, x := range []struct {
		q string
		m map[int64]int64
	}{{`SELECT group_id, calendar_id FROM sla_group_calendars`, u.Groups}, {`SELECT profile_id, calendar_id FROM sla_profile_calendars`, u.Profiles}} {
		rows, err := q.query(ctx, x.q)
		if err != nil {
			return u, err
		}
		for rows.Next() {
			var id, cal int64
			if err := rows.Scan(&id, &cal); err != nil {
				rows.Close()
				return u, err
			}
			x.m[id] = cal
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return u, err
		}
	}
	rows, err := q.query(ctx, `SELECT MIN(id) FROM sla_calendars`)
	if err != nil {
		return u, err
	}
	defer rows.Close()
	var def sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&def); err != nil {
			return u, err
		}
	}
	u.Default = def.Int64
	return u, rows.Err()
}

// SetCalendarUses makes the groups and profiles named in u use the calendars it gives (0: none),
// with the reason, in one transaction audited once with every change. Groups and profiles that u
// does not name keep their calendar. Unknown groups, profiles or calendars are EINVALID, named
// "group.ID", "profile.ID".
func (s *Store) SetCalendarUses(ctx context.Context, actor desk.Actor, u CalendarUses, reason string) (int, error) {
	f := map[string]string{}
	reason = checkReason(reason, f)
	if err := desk.Invalid("the calendars were not changed", f); err != nil {
		return 0, err
	}
	changed := 0
	err := s.slaConfigTx(ctx, func(t *Tx) error {
		cals := map[int64]string{}
		cs, err := calendars(ctx, t, "")
		if err != nil {
			return err
		}
		for _, c := range cs {
			cals[c.ID] = c.Spec.Name
		}
		var changes []string
		for _, x := range []struct {
			kind, table, col, names string
			m                       map[int64]int64
		}{
			{"group", "sla_group_calendars", "group_id", `SELECT name FROM support_groups WHERE id = ?`, u.Groups},
			{"profile", "sla_profile_calendars", "profile_id", `SELECT path FROM profiles WHERE id = ?`, u.Profiles},
		} {
			ids := make([]int64, 0, len(x.m))
			for id := range x.m {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				cal := x.m[id]
				key := fmt.Sprintf("%s.%d", x.kind, id)
				var name string
				if err := t.queryRow(ctx, x.names, id).Scan(&name); err == sql.ErrNoRows {
					f[key] = "is not a " + x.kind
					continue
				} else if err != nil {
					return err
				}
				if _, ok := cals[cal]; cal != 0 && !ok {
					f[key] = "is not one of the calendars"
					continue
				}
				var old int64
				err := t.queryRow(ctx, `SELECT calendar_id FROM `+x.table+` WHERE `+x.col+` = ?`, id).Scan(&old)
				if err != nil && err != sql.ErrNoRows {
					return err
				}
				if old == cal {
					continue
				}
				if _, err := t.exec(ctx, `DELETE FROM `+x.table+` WHERE `+x.col+` = ?`, id); err != nil {
					return err
				}
				if cal != 0 {
					if _, err := t.exec(ctx, `INSERT INTO `+x.table+` (`+x.col+`, calendar_id) VALUES (?, ?)`, id, cal); err != nil {
						return err
					}
				}
				words := func(c int64) string {
					if c == 0 {
						return "none"
					}
					return cals[c]
				}
				changes = append(changes, fmt.Sprintf("%s %s: %s (was %s)", x.kind, name, words(cal), words(old)))
			}
		}
		if err := desk.Invalid("the calendars were not changed", f); err != nil {
			return err
		}
		changed = len(changes)
		if changed == 0 {
			return nil
		}
		return t.audit(ctx, withReason(actor, reason), "sla.calendar.uses", "sla_calendar", "uses", nil,
			"changed the calendars used: "+strings.Join(changes, "; ")+": "+reason)
	})
	return changed, err
}

// CalendarFor says which calendar a call's clocks run on, and why: the rule's own calendar if it
// has one, else the calendar of the call's profile or its nearest ancestor that has one
// (profiles: the profile's id then its ancestors', nearest first), else its group's, else the
// default (u.Default). 0 when there is no calendar at all. Evaluating calls (sla_calls.go) and the
// administration's preview use it alike.
func (u CalendarUses) CalendarFor(r SLARule, profiles []int64, groupID int64) (calendarID int64, why string) {
	if r.CalendarID != 0 {
		return r.CalendarID, "the rule's own calendar"
	}
	for i, p := range profiles {
		if c := u.Profiles[p]; c != 0 {
			if i == 0 {
				return c, "the calendar of the call's profile"
			}
			return c, fmt.Sprintf("the calendar of the call's profile's ancestor %d level(s) up", i)
		}
	}
	if c := u.Groups[groupID]; c != 0 {
		return c, "the calendar of the call's group"
	}
	if u.Default != 0 {
		return u.Default, "the desk's default calendar (the first one made): neither the rule, the profile nor the group names one"
	}
	return 0, "neither the rule, the profile nor the group names a calendar"
}

// CheckCalendar checks c and the reason as CreateCalendar would, without the database: for a
// form to report every problem at once.
func CheckCalendar(c SLACalendar, reason string) error {
	_, err := c.validate(reason)
	return err
}

// CheckRule checks r and the reason as CreateRule would, without the database.
func CheckRule(r SLARule, reason string) error {
	_, err := r.validate(reason)
	return err
}
