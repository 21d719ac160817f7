package console_test

import (
	"testing"

	"calldesk/internal/store/storetest"
)

// TestBrowserReports (issue 18): each report (the line chart of the backlog's trend among them), as the service-level manager and as an analyst,
// and the form sent with a bad date, axe-clean at 1280, 375 and 320 px (tab.Check), with a
// screenshot of each chart in artefacts/browser.
func TestBrowserReports(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	storetest.ReportMoreCalls(t, se, storetest.ReportCalls(t, se))
	e.grant(se, e.f.Bob, "analyst,service_manager")
	b := e.tab(t)
	b.signIn(e.f.Bob.Username)
	b.Open("/reports")
	b.MustSee("Reports", "Run the report")
	b.Check("the report picker", "reports-picker")
	for _, k := range []struct{ kind, see string }{
		{"volume", "Calls logged: 6"},
		{"backlog", "Open calls: 5"},
		{"workload", "Cat Carter"},
		{"backlog-trend", "Open calls: 5 now, up from 1 at its start."},
		{"reopens", "Reopen rate: 100%"},
		{"cancellations", "Calls cancelled: 1"},
		{"customers", "the most from Computing (4)"},
		{"holds", "Median time on hold: 24 h 0 min"},
		{"service-levels", "No response or resolution target fell due in this range."},
		{"times", "No call with a resolution target was resolved in this range"},
	} {
		b.Open("/reports?kind=" + k.kind + "&from=2027-03-01&to=2027-03-07&every=day")
		b.MustSee(k.see)
		if !b.Has("svg[role=img] title") || !b.Has("table caption") {
			t.Errorf("%s: no chart with a title, or no table with a caption", k.kind)
		}
		b.Check("the "+k.kind+" report, named", "report-"+k.kind+"-named")
	}
	b.Open("/reports?kind=volume&from=2027-03-01&to=2027-03-31&every=week&source=phone")
	b.MustSee("Calls logged: 3")
	b.Check("the volume report per week, filtered", "report-volume-weekly")

	b.Open("/reports?kind=volume&from=2027-03-01&to=2027-03-07")
	b.SetField("#report-from", "2027-02-30")
	b.Click("form.report-form button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("The report was not run", "Enter the first day as a real date")
	b.Check("the report form with a bad date", "reports-bad-date")

	// Subscribing beneath a report (issue 18 item 5).
	b.Open("/reports?kind=volume&from=2027-03-01&to=2027-03-07&every=day&source=phone")
	b.Click("form.subscribe button[type=submit]")
	b.MustSee("You will get this report's summary by email", "Call volume (phone), every Monday, for the week before")
	b.Check("the reports page after subscribing", "reports-subscribed")

	a := e.tab(t)
	a.signIn(e.f.Ann.Username)
	a.Open("/reports?kind=workload&from=2027-03-01&to=2027-03-07")
	a.MustSee("Analyst A")
	a.Check("the workload report, aggregates only", "report-workload-aggregate")
	a.Open("/reports?kind=backlog&from=2027-03-01&to=2027-03-07")
	a.MustSee("suppressed")
	a.Check("the backlog report, aggregates only", "report-backlog-aggregate")
	a.Open("/reports?kind=customers&from=2027-03-01&to=2027-03-07")
	a.MustSee("2 department(s) with fewer than 5")
	a.Check("the customers report, aggregates only", "report-customers-aggregate")
	a.Open("/reports?kind=backlog-trend&from=2027-03-01&to=2027-03-31&every=week")
	a.MustSee("Open calls at the end of each week")
	a.Check("the backlog trend per week, aggregates only", "report-backlog-trend-weekly")
}

// TestBrowserWallboard (issue 18 item 7): an administrator makes a wallboard link; the screen
// opens it signed in as nobody and shows the figures in large type, axe-clean at 1280, 375 and
// 320 px, with a screenshot in artefacts/browser.
func TestBrowserWallboard(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	storetest.ReportCalls(t, se)
	e.grant(se, e.f.Cat, "analyst,admin")
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/admin/wallboards")
	b.MustSee("Wallboards", "No wallboard links yet.")
	b.Check("the wallboards page", "wallboards-empty")
	b.SetField("#board-name", "Service Desk office")
	b.Click("form[action='/admin/wallboards'] button[type=submit]")
	b.MustSee("shown this once")
	b.Check("the wallboards page with a new link", "wallboards-made")
	link := b.Text("a.board-link")
	screen := e.tab(t)
	screen.Open(link)
	screen.MustSee("Service Desk office", "Open calls", "Unassigned", "Breached", "Logged today", "Open calls by state")
	screen.Check("the wallboard", "wallboard")
}

// TestBrowserFirstContact (issue 18): the first-contact resolution and first-line fix report
// as the service-level manager (with its drill-down) and as an analyst (aggregates), its
// definitions opened, and the support groups page where an administrator marks the first line,
// axe-clean at 1280, 375 and 320 px (tab.Check), with screenshots in artefacts/browser.
func TestBrowserFirstContact(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	storetest.FirstContactCalls(t, se)
	e.grant(se, e.f.Bob, "analyst,service_manager")
	e.grant(se, e.f.Cat, "analyst,admin")
	b := e.tab(t)
	b.signIn(e.f.Bob.Username)
	b.Open("/reports?kind=first-contact&from=2027-03-08&to=2027-03-14&every=day")
	b.MustSee("First-line fix: 75%", "Service Desk (first line)")
	if !b.Has("svg[role=img] title") || !b.Has("table caption") || !b.Has("a[href^='/reports/calls?event=first_contact']") {
		t.Error("first contact: no chart with a title, no table with a caption, or no drill-down")
	}
	b.reveal("details.about p")
	b.MustSee("the denominator is every call resolved in the range")
	b.Check("the first-contact report, named, its definitions open", "report-first-contact-named")
	b.Open("/reports/calls?event=first_contact&from=1804464000&to=1805068800")
	b.MustSee("Calls resolved at the first contact")
	b.Check("the calls behind the first-contact figure", "report-first-contact-drill")

	a := e.tab(t)
	a.signIn(e.f.Ann.Username)
	a.Open("/reports?kind=first-contact&from=2027-03-08&to=2027-03-14")
	a.MustSee("suppressed", "First-contact resolution: 37%")
	a.Check("the first-contact report, aggregates only", "report-first-contact-aggregate")

	c := e.tab(t)
	c.signIn(e.f.Cat.Username)
	c.Open("/admin/groups")
	c.MustSee("Support groups", "Not first line")
	c.Check("the support groups page", "admin-groups")
	c.Click("form[action$='/first-line'] button[type=submit]")
	c.MustSee("Networks is now a first-line group.")
	c.Check("the support groups page after a change", "admin-groups-changed")
}
