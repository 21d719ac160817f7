package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func TestMyDetailsShowsRecordSourceAndAudits(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/").must(t, http.StatusOK).has(t, `href="/portal/me"`, "My details")
		dan.get("/portal/me").must(t, http.StatusOK).
			has(t, "Dan", "Dawson", "ddawson", "ddawson@uni.example", "20231234", "Computing", "01234 567890", "Student",
				"Typed in by hand", "Last changed", "Something here is wrong", `name="field" value="email"`).
			lacks(t, "Evans", "eevans")
		recs, _, err := e.s.FindAudit(e.ctx, storeAudit(e.f.Dan.ID))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, rec := range recs {
			found = found || (rec.Action == "person.view" && rec.ActorID == e.f.Dan.ID && rec.ObjectID == itoa(e.f.Dan.ID))
		}
		if !found {
			t.Fatalf("no person.view audit record for Dan's own details: %+v", recs)
		}
		// Eve sees only her own record: /portal/me has no person in it, and a ?id= changes nothing.
		eve := e.signIn(e.f.Eve)
		eve.get("/portal/me?id="+itoa(e.f.Dan.ID)).must(t, http.StatusOK).has(t, "Evans", "eevans").lacks(t, "Dawson", "20231234", "ddawson")
		eve.get("/portal/me/"+itoa(e.f.Dan.ID)).must(t, http.StatusNotFound).lacks(t, "Dawson")
	})
}

func TestRectificationRaisesCall(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		// Nothing chosen: refused, with what was typed kept, and no call.
		dan.post("/portal/me/rectify", url.Values{"other": {""}, "should": {"Daniel"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "Please tick what is wrong", `value="Daniel"`)
		r := dan.post("/portal/me/rectify", url.Values{"field": {"first_name", "phone"}, "should": {"Daniel, 07700 900123"},
			"other": {"I changed my number"}}).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		call := e.find(ref)
		if call.CustomerID != e.f.Dan.ID || call.Source != desk.SourcePortal || call.GroupID != e.f.ServiceDesk.ID {
			t.Fatalf("call %+v", call)
		}
		if call.Summary != "Correction of my details: First name, Phone number" {
			t.Fatalf("summary %q", call.Summary)
		}
		for _, want := range []string{"Daniel, 07700 900123", "I changed my number", "typed in by hand"} {
			if !strings.Contains(call.Description, want) {
				t.Fatalf("description lacks %q:\n%s", want, call.Description)
			}
		}
		dan.get(r.location).must(t, http.StatusOK).has(t, "Correction of my details")

		// A record from the directory: the call says the fix is made in the directory.
		p, err := e.s.FindPerson(e.ctx, e.f.Eve.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Source, p.DirectoryKey = desk.FromDirectory, "uid=eevans"
		if _, err := e.s.UpdatePerson(e.ctx, e.f.Admin, p); err != nil {
			t.Fatal(err)
		}
		eve := e.signIn(e.f.Eve)
		eve.get("/portal/me").must(t, http.StatusOK).has(t, "university directory", "uid=eevans")
		r = eve.post("/portal/me/rectify", url.Values{"field": {"job_title"}, "should": {"Lecturer"}}).must(t, http.StatusSeeOther)
		call = e.find(strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged"))
		if !strings.Contains(call.Description, "the fix must be made in the university directory") || call.CustomerID != e.f.Eve.ID {
			t.Fatalf("description:\n%s", call.Description)
		}
	})
}

// TestMyDetailsSayWhereEachFieldCameFrom (S17): a person the directory keeps sees, field by field,
// which come from the directory (so must be corrected there) and which the service desk typed in;
// a correction of a directory field says the fix belongs in the directory.
func TestMyDetailsSayWhereEachFieldCameFrom(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		res, err := e.s.SyncPeople(e.ctx, []store.DirectoryRecord{{Line: 2, Person: desk.Person{DirectoryKey: "emp-7", FirstName: "Gina",
			LastName: "Green", Username: "ggreen", Email: "ggreen@uni.example", Department: "History", Kind: desk.Staff}}},
			store.SyncOptions{Source: "campus-csv", Full: true, By: "test"})
		if err != nil || res.Created != 1 {
			t.Fatalf("sync: %+v %v", res, err)
		}
		people, _ := e.s.FindPeopleByIdentity(e.ctx, store.ByUsername, "ggreen")
		gina := people[0]
		// The desk types her phone number in by hand.
		gina.Phone = "01234 567000"
		if _, err := e.s.UpdatePerson(e.ctx, e.f.Admin, gina); err != nil {
			t.Fatal(err)
		}
		hash, err := access.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateAccount(e.ctx, e.f.Admin, desk.Account{PersonID: gina.ID, Login: "ggreen", PasswordHash: hash,
			Roles: []desk.Role{desk.RoleCustomer}}); err != nil {
			t.Fatal(err)
		}
		c := e.signIn(gina)
		page := c.get("/portal/me").must(t, http.StatusOK).has(t, "where it came from", "The university directory (campus-csv)")
		row := func(label string) string {
			i := strings.Index(page.body, label)
			if i < 0 {
				t.Fatalf("no %s row", label)
			}
			return page.body[i : i+strings.Index(page.body[i:], "</tr>")]
		}
		if !strings.Contains(row("Department"), "university directory") || !strings.Contains(row("Phone number"), "The service desk") {
			t.Fatalf("department: %s\nphone: %s", row("Department"), row("Phone number"))
		}
		r := c.post("/portal/me/rectify", url.Values{"field": {"department"}, "should": {"Classics"}}).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		if call := e.find(ref); !strings.Contains(call.Description, "must be made in the university directory") ||
			!strings.Contains(call.Description, "campus-csv") {
			t.Fatalf("the correction call:\n%s", call.Description)
		}
		// A correction of the phone, typed in by hand, can be made in calldesk.
		r = c.post("/portal/me/rectify", url.Values{"field": {"phone"}, "should": {"01234 567001"}}).must(t, http.StatusSeeOther)
		ref = strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		if call := e.find(ref); !strings.Contains(call.Description, "can be corrected in calldesk") {
			t.Fatalf("the phone correction call:\n%s", call.Description)
		}
		// The console's person page says the same, field by field.
		e.signInConsole(e.f.Ann).get(fmt.Sprintf("/people/%d", gina.ID)).must(t, http.StatusOK).
			has(t, "Directory (campus-csv)", "Typed in by hand")
	})
}

// TestWhoHasSeenMyData (P2, issue 7 item 6): a person sees on the portal who looked at or changed
// their data, what, when and through which screen, their own looks as "You".
func TestWhoHasSeenMyData(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		c := e.call(e.f.Dan, "Printer jammed")
		e.signInConsole(e.f.Ann).get("/calls/"+c.Ref).must(t, http.StatusOK)
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/"+c.Ref).must(t, http.StatusOK)
		dan.get("/portal/me").must(t, http.StatusOK).has(t, `href="/portal/me/seen"`)
		dan.get("/portal/me/seen").must(t, http.StatusOK).has(t, "Who has seen my data", "Ann Archer looked at the call "+c.Ref,
			"Through: the analysts&#39; console", "You looked at the call "+c.Ref, "Through: SupportMe").lacks(t, "Eve Evans")
		// Eve sees her own, not Dan's.
		e.signIn(e.f.Eve).get("/portal/me/seen").must(t, http.StatusOK).lacks(t, c.Ref, "Ann Archer")
	})
}

// TestAskForACopyOfMyData (issue 7 item 1): from My details, a person asks for a copy of their
// data; the request reaches the Data Protection Officer's register, and My details follows it.
// After a password sign-in the identity is not yet proved, so no deadline runs yet.
func TestAskForACopyOfMyData(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/me").must(t, http.StatusOK).has(t, "A copy of my data", `action="/portal/me/request"`, "once we have checked who you are")
		r := dan.post("/portal/me/request", url.Values{"kind": {"access"}}).must(t, http.StatusSeeOther)
		dan.get(r.location).must(t, http.StatusOK).has(t, "has reached the Data Protection Officer", "A copy of your data",
			"We are checking who you are")
		reqs, err := e.s.SubjectRequests(e.ctx, start, store.RequestFilter{View: "unverified"})
		if err != nil || len(reqs) != 1 || reqs[0].PersonID != e.f.Dan.ID || reqs[0].Channel != "portal" {
			t.Fatalf("the register: %+v %v", reqs, err)
		}
		e.signIn(e.f.Eve).get("/portal/me").must(t, http.StatusOK).lacks(t, "We are checking who you are")
	})
}

// TestWhoHasSeenMyDataSaysWhereAndFolds (issue 15 point 9): each line of "who has seen my data"
// names the surface the look or change came through, the person's own portal actions included
// (they read "the analysts' console or the API" before), and the same viewer's repeated views of
// the same thing within ten minutes are one line with their count and times.
func TestWhoHasSeenMyDataSaysWhereAndFolds(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		e.clock.Set(day)
		c := e.call(e.f.Dan, "Printer jammed")
		ann := e.signInConsole(e.f.Ann)
		for _, m := range []int{2, 4, 6, 9, 25} { // four views within ten minutes, then one later
			e.clock.Set(day.Add(time.Duration(m) * time.Minute))
			ann.get("/calls/"+c.Ref).must(t, http.StatusOK)
		}
		dan := e.signIn(e.f.Dan)
		dan.post("/portal/calls/"+c.Ref+"/update", url.Values{"text": {"It shows error 0x800"}}).must(t, http.StatusSeeOther)
		page := dan.get("/portal/me/seen").must(t, http.StatusOK)
		page.has(t, "You added a public update to the call "+c.Ref+"<br><span class=\"muted from\">Through: SupportMe",
			"Ann Archer looked at the call "+c.Ref+": viewed 4 times between 10:02 UTC and 10:09 UTC<br><span class=\"muted from\">Through: the analysts&#39; console")
		if n := strings.Count(page.body, "Ann Archer looked at the call "+c.Ref); n != 2 {
			t.Fatalf("Ann's five views are %d lines, want 2 (four folded, one alone):\n%s", n, page.body)
		}

		// Through the API, Ann reads the call, its diary, the call, the diary: one action
		// (call.view), two things seen. Only the reads of the same thing fold: two rows of two.
		acct, err := e.s.FindAccountByLogin(e.ctx, e.f.Ann.Username)
		if err != nil {
			t.Fatal(err)
		}
		token, hash, err := access.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateToken(e.ctx, e.f.Admin, acct.ID, "script", hash, time.Time{}); err != nil {
			t.Fatal(err)
		}
		for i, path := range []string{"", "/entries", "", "/entries"} {
			e.clock.Set(day.Add(time.Hour + time.Duration(i)*time.Minute))
			if st := e.api(token, "/api/v1/calls/"+c.Ref+path); st != http.StatusOK {
				t.Fatalf("API %s: %d", path, st)
			}
		}
		page = e.signIn(e.f.Dan).get("/portal/me/seen").must(t, http.StatusOK)
		for _, between := range []string{"between 11:00 UTC and 11:02 UTC", "between 11:01 UTC and 11:03 UTC"} {
			page.has(t, "Ann Archer looked at the call "+c.Ref+": viewed 2 times "+between+"<br><span class=\"muted from\">Through: the API")
		}
	})
}
