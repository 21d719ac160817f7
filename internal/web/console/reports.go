package console

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/report"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// reportRoutes are the statistical reports (issue 18): every analyst reads them as aggregates;
// a service-level manager (access.SeeNamedReports) sees analysts' names and drills from a
// figure to the calls behind it (S11). The export follows the same rules; views that name
// people, drill-downs and every download are audited.
func (c *Console) reportRoutes() []route {
	return []route{
		{"GET", "/reports", access.WorkCalls, c.reports},
		{"GET", "/reports/export", access.WorkCalls, c.reportExport},
		{"GET", "/reports/calls", access.SeeNamedReports, c.reportCalls},
		{"POST", "/reports/subscriptions", access.WorkCalls, c.subscribe},
		{"POST", "/reports/subscriptions/{id}/delete", access.WorkCalls, c.unsubscribe},
	}
}

// reportsPage is the report picker with its filters and, once asked, the report.
type reportsPage struct {
	page
	Form      url.Values
	Errors    map[string]string
	ErrorList []fieldError
	Kinds     []report.Kind
	Groups    []desk.Group
	Profiles  []desk.Profile
	Sources   []desk.CallSource
	Kinds2    []desk.PersonKind
	Named     bool
	Result    *report.Result
	Charts    []template.HTML
	Export    template.URL // the export's query string
	// Subscriptions are the reports emailed to this analyst (issue 18 item 5); Done says what
	// the last subscription form did, SubError why it did nothing.
	Subscriptions  []subscriptionRow
	Done, SubError string
}

// subscriptionRow is a subscription as the page lists it.
type subscriptionRow struct {
	ID                 int64
	Title, Every, What string
	Next               time.Time
}

// reportFields are the form's fields in the order they appear, for the error summary.
var reportFields = []struct{ Name, ID string }{
	{"kind", "report-kind"}, {"from", "report-from"}, {"to", "report-to"}, {"every", "report-every"},
	{"group", "report-group"}, {"profile", "report-profile"}, {"priority", "report-priority"},
	{"source", "report-source"}, {"kind_of_customer", "report-customer"},
}

// reportParams reads a report's parameters from a query (report.ParamsFrom); dates are
// YYYY-MM-DD in the desk's zone.
func (c *Console) reportParams(q url.Values) (report.Params, error) {
	return report.ParamsFrom(q, c.zone())
}

func (c *Console) reporter() report.Reporter {
	return report.Reporter{Store: c.Store, Zone: c.zone(), Now: c.now, FirstContactWindow: c.FirstContactWindow}
}

func (c *Console) reports(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := reportsPage{page: c.page(v, "Reports"), Form: q, Errors: map[string]string{}, Kinds: report.Kinds(),
		Sources: []desk.CallSource{desk.SourcePortal, desk.SourceEmail, desk.SourcePhone, desk.SourceFaceToFace, desk.SourceAPI},
		Kinds2:  []desk.PersonKind{desk.Staff, desk.Student, desk.Partner, desk.Visitor},
		Named:   access.Can(v.Account, access.SeeNamedReports)}
	p.Section = "reports"
	var err error
	if p.Groups, err = c.Store.Groups(ctx); err != nil {
		return err
	}
	if p.Profiles, err = c.Store.Profiles(ctx); err != nil {
		return err
	}
	if p.Subscriptions, err = c.subscriptionRows(ctx, v, p.Groups, p.Profiles); err != nil {
		return err
	}
	switch q.Get("done") {
	case "subscribed":
		p.Done = "You will get this report's summary by email; the list below says when."
	case "stopped":
		p.Done = "That report will not be emailed to you any more."
	}
	p.SubError = q.Get("sub_error")
	if q.Get("kind") == "" {
		// The picker, with this month so far as the range.
		today := c.now().In(c.zone().Location())
		p.Form = url.Values{"kind": {string(report.Volume)}, "from": {today.Format("2006-01") + "-01"}, "to": {today.Format("2006-01-02")}, "every": {"day"}}
		return c.render(w, r, http.StatusOK, "reports", p)
	}
	params, err := c.reportParams(q)
	if err == nil {
		var res report.Result
		res, err = c.reporter().Run(ctx, params, report.Viewer{Named: p.Named})
		if err == nil {
			p.Result = &res
			p.Charts = []template.HTML{res.Chart.SVG("chart-" + string(res.Kind))}
			p.Export = template.URL(q.Encode()) // #nosec: url.Values.Encode escapes every value
			p.Title = res.Title
			if len(res.Analysts) > 0 {
				if err := c.auditRead(v, "report.view", "report", string(res.Kind), res.Analysts,
					"report: "+res.Title+", "+res.Range+" (names analysts)"); err != nil {
					return err
				}
			}
			return c.render(w, r, http.StatusOK, "reports", p)
		}
	}
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EINVALID {
		return err
	}
	for k, m := range de.Fields {
		p.Errors[k] = m
	}
	for _, f := range reportFields {
		if m := p.Errors[f.Name]; m != "" {
			p.ErrorList = append(p.ErrorList, fieldError{ID: f.ID, Message: m})
		}
	}
	if len(p.ErrorList) == 0 {
		p.ErrorList = []fieldError{{ID: "report-kind", Message: sentence(de.Message)}}
	}
	p.Title = "Error: Reports"
	return c.render(w, r, http.StatusUnprocessableEntity, "reports", p)
}

// reportExport sends the report's tables as CSV (format=csv or none: one table after another
// with a blank line between) or as an XLSX workbook (format=xlsx: a sheet per table), every text
// cell neutralised against formula injection (csvsafe); the same role rules as the page
// (aggregates only without SeeNamedReports). Every download is audited, naming the analysts
// when the file names them.
func (c *Console) reportExport(w http.ResponseWriter, r *http.Request, v *visit) error {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "csv", "xlsx":
	default:
		return desk.Invalid("the report cannot be exported as asked", map[string]string{"format": "Choose csv or xlsx."})
	}
	if format == "" {
		format = "csv"
	}
	params, err := c.reportParams(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := c.reporter().Run(r.Context(), params, report.Viewer{Named: access.Can(v.Account, access.SeeNamedReports)})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = report.XLSXType
		err = report.WriteXLSX(&b, res)
	} else {
		err = report.WriteCSV(&b, res)
	}
	if err != nil {
		return err
	}
	if err := c.auditRead(v, "report.export", "report", string(res.Kind), res.Analysts,
		"report exported as "+strings.ToUpper(format)+": "+res.Title+", "+res.Range); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", web.ContentDisposition("calldesk-"+string(res.Kind)+"-"+params.From.Format("2006-01-02")+"-"+params.To.Format("2006-01-02")+"."+format))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(b.Bytes())
	return err
}

// reportCallsPage lists the calls behind one figure (a service-level manager's drill-down).
type reportCallsPage struct {
	page
	What  string
	Calls []desk.Call
	More  bool
}

// reportCallsMax bounds a drill-down's list.
const reportCallsMax = 200

// reportCalls is the drill-down from a figure: the calls it counts, with their customers and
// analysts, audited as a view of every person it names (S11).
func (c *Console) reportCalls(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	q := r.URL.Query()
	unix := func(name string) (time.Time, error) {
		n, err := strconv.ParseInt(q.Get(name), 10, 64)
		if err != nil {
			return time.Time{}, desk.Errorf(desk.EINVALID, "the link to the calls behind a figure is damaged (%s); go back to the report and follow it again", name)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	from, err := unix("from")
	if err != nil {
		return err
	}
	to, err := unix("to")
	if err != nil {
		return err
	}
	f := store.ReportFilter{Source: desk.CallSource(q.Get("source")), CustomerKind: desk.PersonKind(q.Get("customer"))}
	f.GroupID, _ = strconv.ParseInt(q.Get("group"), 10, 64)
	f.ProfileID, _ = strconv.ParseInt(q.Get("profile"), 10, 64)
	pr, _ := strconv.Atoi(q.Get("priority"))
	f.Priority = desk.Priority(pr)
	event := q.Get("event")
	var refs []string
	switch event {
	case store.EventFirstLineFix, store.EventFirstContact:
		refs, err = c.Store.ReportFirstContactRefs(ctx, f, c.reporter().FirstContactRule(), event, from, to, reportCallsMax+1)
	default:
		refs, err = c.Store.ReportCallRefs(ctx, f, event, from, to, reportCallsMax+1)
	}
	if err != nil {
		return err
	}
	p := reportCallsPage{page: c.page(v, "Calls behind a figure"), More: len(refs) > reportCallsMax}
	p.Section = "reports"
	p.What = "Calls " + eventWords(event) + " from " + c.when(from) + " to " + c.when(to)
	if p.More {
		refs = refs[:reportCallsMax]
	}
	rd, err := c.reader(ctx, v)
	if err != nil {
		return err
	}
	var persons []int64
	for _, ref := range refs {
		call, err := c.Store.FindCallByRef(ctx, ref)
		if err != nil {
			return err
		}
		call = access.CallFor(rd, call)
		p.Calls = append(p.Calls, call)
		persons = append(persons, call.CustomerID)
	}
	if len(refs) > 0 {
		if err := c.auditRead(v, "report.drill", "report", event, persons, "report drill-down: "+p.What+": "+strings.Join(refs, ", ")); err != nil {
			return err
		}
	}
	return c.render(w, r, http.StatusOK, "reportcalls", p)
}

// subscriptionRows lists v's subscriptions with their filters in words.
func (c *Console) subscriptionRows(ctx context.Context, v *visit, groups []desk.Group, profiles []desk.Profile) ([]subscriptionRow, error) {
	subs, err := c.Store.Subscriptions(ctx, v.Account.ID)
	if err != nil {
		return nil, err
	}
	var out []subscriptionRow
	for _, s := range subs {
		q, _ := url.ParseQuery(s.Filter)
		var what []string
		if id := q.Get("group"); id != "" {
			for _, g := range groups {
				if strconv.FormatInt(g.ID, 10) == id {
					what = append(what, g.Name)
				}
			}
		}
		if id := q.Get("profile"); id != "" {
			for _, pr := range profiles {
				if strconv.FormatInt(pr.ID, 10) == id {
					what = append(what, pr.Path)
				}
			}
		}
		if pr := q.Get("priority"); pr != "" {
			what = append(what, "P"+pr)
		}
		for _, k := range []string{"source", "kind_of_customer"} {
			if x := q.Get(k); x != "" {
				what = append(what, x)
			}
		}
		every := "every Monday, for the week before"
		if s.Every == string(report.EveryMonth) {
			every = "on the 1st of each month, for the month before"
		}
		out = append(out, subscriptionRow{ID: s.ID, Title: report.Kind(s.Kind).Title(), Every: every, What: strings.Join(what, ", "), Next: s.NextAt})
	}
	return out, nil
}

// subscribe makes a subscription to the report the form names, for the analyst signed in, and
// goes back to the report; a refusal (the same one twice, too many) comes back as a message.
func (c *Console) subscribe(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
	}
	f := r.PostForm
	back := url.Values{}
	for _, k := range []string{"kind", "from", "to", "every", "group", "profile", "priority", "source", "kind_of_customer"} {
		if x := f.Get(k); x != "" {
			back.Set(k, x)
		}
	}
	kind, filter, err := report.SubscriptionQuery(f, c.zone())
	every := report.SubscriptionEvery(f.Get("send"))
	if err == nil && every != report.EveryWeek && every != report.EveryMonth {
		err = desk.Invalid("the subscription cannot be made", map[string]string{"send": "Choose every week or every month."})
	}
	if err == nil {
		_, err = c.Store.Subscribe(r.Context(), v.Actor, store.ReportSubscription{AccountID: v.Account.ID, Kind: string(kind),
			Every: string(every), Filter: filter, NextAt: report.NextDue(every, c.now(), c.zone().Location())})
	}
	switch de := desk.AsError(err); {
	case err == nil:
		back.Set("done", "subscribed")
	case de != nil && (de.Code == desk.EINVALID || de.Code == desk.ECONFLICT):
		msg := sentence(de.Message)
		for _, m := range de.Fields {
			msg = sentence(m)
		}
		back.Set("sub_error", strings.TrimSuffix(msg, ".")+".")
	default:
		return err
	}
	return seeOther(w, r, "/reports?"+back.Encode()+"#subscriptions")
}

// unsubscribe stops one of the analyst's own subscriptions.
func (c *Console) unsubscribe(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.Errorf(desk.ENOTFOUND, "there is no report subscription %q", r.PathValue("id"))
	}
	if err := c.Store.Unsubscribe(r.Context(), v.Actor, v.Account.ID, id); err != nil {
		return err
	}
	return seeOther(w, r, "/reports?done=stopped#subscriptions")
}

// eventWords says what a drill-down's event counts: "resolved", or for the first-contact
// figures "resolved as first-line fixes" and "resolved at the first contact".
func eventWords(event string) string {
	switch event {
	case store.EventFirstLineFix:
		return "resolved as first-line fixes"
	case store.EventFirstContact:
		return "resolved at the first contact"
	}
	return event
}
