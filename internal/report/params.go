package report

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// ParamsFrom reads a report's parameters from a query, as the console's form and the API send
// them: kind, from and to (YYYY-MM-DD, days in zone), every (day, week, month), and the filters
// group, profile, priority (1..4), source and kind_of_customer. Every fault is named by its field.
func ParamsFrom(q url.Values, zone desk.Zone) (Params, error) {
	errs := map[string]string{}
	loc := zone.Location()
	p := Params{Kind: Kind(q.Get("kind")), Every: Every(q.Get("every"))}
	date := func(name, words string) time.Time {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			errs[name] = "Enter the " + words + " as a real date, like 2027-03-01."
		}
		return t
	}
	p.From, p.To = date("from", "first day"), date("to", "last day")
	id := func(name, words string) int64 {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			errs[name] = "Choose a " + words + " from the list."
		}
		return n
	}
	p.Filter.GroupID = id("group", "group")
	p.Filter.ProfileID = id("profile", "profile")
	p.Filter.Priority = desk.Priority(id("priority", "priority"))
	p.Filter.Source = desk.CallSource(q.Get("source"))
	p.Filter.CustomerKind = desk.PersonKind(q.Get("kind_of_customer"))
	if p.Every == "" {
		p.Every = Daily
	}
	if err := p.Validate(); err != nil {
		if de := desk.AsError(err); de != nil {
			for k, m := range de.Fields {
				if errs[k] == "" {
					errs[k] = m
				}
			}
		}
	}
	if len(errs) > 0 {
		return p, desk.Invalid("the report cannot be run as asked", errs)
	}
	return p, nil
}
