package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// TestFirstContactKeptByEveryConsolePath (issue 18): the record the first-contact report reads
// (a call's reassignments and resolver) is kept by every console path that changes a call's
// group or resolves it: the assign form, the bulk assignment, taking a call, resolving, and
// reopening (which forgets the resolver until the next resolution). A new analyst in the same
// group is no reassignment.
func TestFirstContactKeptByEveryConsolePath(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		f := e.f
		facts := func(c desk.Call) (int, int64) {
			t.Helper()
			x, err := e.s.FindCallFirstContact(e.ctx, c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			return x.Reassigned, x.ResolvedBy
		}
		call := e.call("Printer jam", f.ServiceDesk.ID)
		if n, by := facts(call); n != 0 || by != 0 {
			t.Fatalf("a new call: reassigned %d, resolved by %d", n, by)
		}
		ann := e.signIn(f.Ann)
		// The assign form: Service Desk -> Networks.
		ann.post("/calls/"+call.Ref+"/assign", url.Values{"version": {fmt.Sprint(call.Version)},
			"group_id": {fmt.Sprint(f.Networks.ID)}}).must(t, http.StatusSeeOther)
		call = e.refreshed(call)
		if n, _ := facts(call); n != 1 || call.GroupID != f.Networks.ID {
			t.Fatalf("after the assign form: reassigned %d, group %d", n, call.GroupID)
		}
		// The same group with an analyst: no reassignment.
		ann.post("/calls/"+call.Ref+"/assign", url.Values{"version": {fmt.Sprint(call.Version)},
			"group_id": {fmt.Sprint(f.Networks.ID)}, "analyst_id": {fmt.Sprint(f.Cat.ID)}}).must(t, http.StatusSeeOther)
		call = e.refreshed(call)
		if n, _ := facts(call); n != 1 {
			t.Fatalf("an analyst in the same group counted as a reassignment: %d", n)
		}
		// The bulk assignment: Networks -> Service Desk.
		ann.post("/calls/bulk", bulkForm("assign", []desk.Call{call},
			url.Values{"group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)}})).must(t, http.StatusSeeOther)
		call = e.refreshed(call)
		if n, _ := facts(call); n != 2 || call.GroupID != f.ServiceDesk.ID {
			t.Fatalf("after the bulk assignment: reassigned %d, group %d", n, call.GroupID)
		}
		// Taking a call of another group moves it to the taker's group.
		other := e.call("No wifi", f.Networks.ID)
		ann.post("/calls/"+other.Ref+"/take", url.Values{"version": {fmt.Sprint(other.Version)}}).must(t, http.StatusSeeOther)
		other = e.refreshed(other)
		if n, _ := facts(other); n != 1 || other.GroupID != f.ServiceDesk.ID {
			t.Errorf("after taking: reassigned %d, group %d", n, other.GroupID)
		}
		// Resolving records the resolver; reopening forgets them; resolving again records the new one.
		ann.post("/calls/"+other.Ref+"/resolve", url.Values{"version": {fmt.Sprint(other.Version)}, "resolution": {"Reset the router"}}).must(t, http.StatusSeeOther)
		other = e.refreshed(other)
		if _, by := facts(other); by != f.Ann.ID {
			t.Errorf("resolved by %d, want Ann (%d)", by, f.Ann.ID)
		}
		ann.post("/calls/"+other.Ref+"/reopen", url.Values{"version": {fmt.Sprint(other.Version)}, "reason": {"again"}}).must(t, http.StatusSeeOther)
		other = e.refreshed(other)
		if _, by := facts(other); by != 0 {
			t.Errorf("a reopened call is still resolved by %d", by)
		}
		bob := e.signIn(f.Bob)
		bob.post("/calls/"+other.Ref+"/resolve", url.Values{"version": {fmt.Sprint(other.Version)}, "resolution": {"Replaced the router"}}).must(t, http.StatusSeeOther)
		if _, by := facts(e.refreshed(other)); by != f.Bob.ID {
			t.Errorf("resolved again by %d, want Bob (%d)", by, f.Bob.ID)
		}
	})
}

// TestAdminGroupsFirstLine (issue 18): an administrator marks a group first line on the support
// groups page and unmarks it; each change is audited and the page says what it did. Analysts may
// not.
func TestAdminGroupsFirstLine(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		e.grant(se, f.Cat, "analyst,admin")
		e.signIn(f.Ann).get("/admin/groups").must(t, http.StatusForbidden)
		admin := e.signIn(f.Cat)
		admin.get("/admin/groups").must(t, http.StatusOK).has(t, "Support groups", "Service Desk", "Networks", "Make first line").lacks(t, "Not first line")
		path := fmt.Sprintf("/admin/groups/%d/first-line", f.ServiceDesk.ID)
		admin.post(path, url.Values{"first_line": {"maybe"}}).must(t, http.StatusUnprocessableEntity)
		admin.follow(admin.post(path, url.Values{"first_line": {"yes"}})).must(t, http.StatusOK).
			has(t, "Service Desk is now a first-line group.", `aria-label="Not first line: Service Desk"`)
		if g, err := e.s.FindGroup(e.ctx, f.ServiceDesk.ID); err != nil || !g.FirstLine {
			t.Fatalf("Service Desk: %+v %v", g, err)
		}
		admin.follow(admin.post(path, url.Values{"first_line": {"no"}})).must(t, http.StatusOK).has(t, "Service Desk is no longer a first-line group.")
		if g, err := e.s.FindGroup(e.ctx, f.ServiceDesk.ID); err != nil || g.FirstLine {
			t.Fatalf("Service Desk still first line: %+v %v", g, err)
		}
		admin.post("/admin/groups/999999/first-line", url.Values{"first_line": {"yes"}}).must(t, http.StatusNotFound)
	})
}

// TestFirstContactReportByRole (S11): an analyst sees the first-contact report as aggregates
// (the small group suppressed, no drill-down) with its definitions; a service-level manager
// drills from the first-contact figure to its calls, audited for their customers; the export
// follows the same rules.
func TestFirstContactReportByRole(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		calls := storetest.FirstContactCalls(t, se)
		e.grant(se, e.f.Bob, "analyst,service_manager")
		ann, bob := e.signIn(e.f.Ann), e.signIn(e.f.Bob)
		q := "/reports?kind=first-contact&from=2027-03-08&to=2027-03-14"
		ann.get(q).must(t, http.StatusOK).
			has(t, "First-contact resolution and first-line fix", "First-line fix: 75%, down 25 points on the previous week",
				"What these figures mean", "the denominator is every call resolved in the range", "Service Desk (first line)",
				"suppressed", `role="img"`).
			lacks(t, "/reports/calls?")
		from, to := storetest.FirstContactWeek[0].Unix(), storetest.FirstContactWeek[1].Unix()
		drill := fmt.Sprintf("/reports/calls?event=first_contact&from=%d&to=%d", from, to)
		ann.get(drill).must(t, http.StatusForbidden)
		bob.get(q).must(t, http.StatusOK).has(t, `href="/reports/calls?event=first_contact&amp;from=`, `href="/reports/calls?event=first_line_fix&amp;from=`)
		bob.get(drill).must(t, http.StatusOK).has(t, "Calls resolved at the first contact", calls["G1"].Ref, calls["G7"].Ref, calls["G8"].Ref).
			lacks(t, calls["G2"].Ref, calls["G4"].Ref)
		if got := e.audited(e.f.Eve, "report.drill"); len(got) != 1 || !strings.Contains(got[0].Detail, calls["G7"].Ref) {
			t.Errorf("the drill-down audited for Eve: %+v", got)
		}
		ann.get("/reports/export?kind=first-contact&from=2027-03-08&to=2027-03-14").must(t, http.StatusOK).
			has(t, "All priorities,8,6,75%,3,37%", "suppressed")
	})
}
