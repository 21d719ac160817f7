package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// htmx fetches path as htmx does (HX-Request), for the parts of a page it swaps.
func (c *client) htmx(path, target string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.url+path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", target)
	return c.do(req)
}

func TestCustomerLookup(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		dan := e.f.Dan
		choice := fmt.Sprintf(`href="/calls/new?customer=%d"`, dan.ID)
		for _, q := range []string{
			"20231234", "2023", // student number, whole and while typing
			"ddawson", "ddaw", // username
			"ddawson@uni.example", "DDawson@uni", // email
			"01234 567890", "01234-567", // phone, however it is written
			"Dan Dawson", "daw", // name
		} {
			r := c.get("/calls/new?q="+url.QueryEscape(q)).must(t, http.StatusOK)
			r.has(t, `id="lookup-results"`, choice, "Dan Dawson", `role="status"`)
		}
		// Only Dan has that student number; nobody matches nonsense, and the page says so.
		c.get("/calls/new?q=20231234").has(t, "1 person found").lacks(t, fmt.Sprintf("customer=%d", e.f.Eve.ID))
		c.get("/calls/new?q=zzzz").must(t, http.StatusOK).has(t, "Nobody matches").lacks(t, `class="choices"`)
		// The htmx lookup gets the same page; the box is wired to it.
		r := c.htmx("/calls/new?q=ddawson", "lookup-results").must(t, http.StatusOK)
		r.has(t, choice, `hx-get="/calls/new" hx-trigger="input changed delay:250ms, search" hx-target="#lookup-results"`,
			`<label for="lookup-q">Find the customer</label>`)

		// Every lookup that showed people is recorded as a search of them.
		recs := e.audited(dan, "person.search")
		if len(recs) < 10 || recs[0].ActorID != e.f.Ann.ID || !strings.Contains(recs[0].Detail, "customer lookup") {
			t.Fatalf("lookups audited as %+v", recs)
		}
	})
}

func TestLogCallOnBehalf(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		dan := e.f.Dan
		// Choosing the customer shows their details from the record before anything is saved.
		r := c.get(fmt.Sprintf("/calls/new?customer=%d", dan.ID)).must(t, http.StatusOK)
		r.has(t, `name="customer_id" value="`+fmt.Sprint(dan.ID)+`"`, "Dan Dawson", "ddawson@uni.example", "20231234",
			"Computing", "01234 567890", "student", `value="phone" id="source-phone" checked`,
			fmt.Sprintf(`<option value="%d">Software &gt; Email &gt; Outlook</option>`, e.f.Outlook.ID))
		if recs := e.audited(dan, "person.view"); len(recs) != 1 || !strings.Contains(recs[0].Detail, "customer of a call") {
			t.Fatalf("choosing the customer audited as %+v", recs)
		}
		// Filtering the profiles (an htmx swap of the profile list, the customer riding along)
		// does not show their details again, and is not recorded as another view.
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/calls/new?customer=%d&profile_q=wi", e.url, dan.ID), nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", "profile-choices")
		c.do(req).must(t, http.StatusOK).has(t, "Wi-Fi")
		if recs := e.audited(dan, "person.view"); len(recs) != 1 {
			t.Fatalf("a profile filter swap audited %d customer views, want still 1", len(recs))
		}
		// The profile filter narrows the tree.
		c.get("/calls/new?profile_q=outl").must(t, http.StatusOK).has(t, "1 profile matches", "Software &gt; Email &gt; Outlook").
			lacks(t, "Wi-Fi")

		r = c.post("/calls/new", url.Values{"customer_id": {fmt.Sprint(dan.ID)}, "kind": {"request"}, "source": {"phone"},
			"profile_id": {fmt.Sprint(e.f.Outlook.ID)}, "summary": {"Needs a shared mailbox"}, "description": {"For the open day team"},
			"impact": {"low"}, "urgency": {""}, "alt_email": {"dan.home@example.org"}, "alt_phone": {"07700 900123"},
			"group_id": {fmt.Sprint(e.f.ServiceDesk.ID)}, "analyst_id": {fmt.Sprint(e.f.Bob.ID)}})
		r.must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/calls/"), "?done=logged")
		call, err := e.s.FindCallByRef(e.ctx, ref)
		if err != nil {
			t.Fatalf("the call at %q: %v", r.location, err)
		}
		if call.Customer != desk.SnapshotOf(dan) || call.CustomerID != dan.ID || call.Source != desk.SourcePhone ||
			call.Kind != desk.Request || call.ProfileID != e.f.Outlook.ID || call.Impact != desk.Low ||
			call.Urgency != desk.Medium || call.AltEmail != "dan.home@example.org" || call.AltPhone != "07700 900123" ||
			call.GroupID != e.f.ServiceDesk.ID || call.AnalystID != e.f.Bob.ID || call.LoggedBy != e.f.Ann.ID ||
			call.Description != "For the open day team" {
			t.Fatalf("logged %+v", call)
		}

		// Face to face, with nothing optional.
		r = c.post("/calls/new", url.Values{"customer_id": {fmt.Sprint(e.f.Eve.ID)}, "kind": {"fault"}, "source": {"face_to_face"},
			"summary": {"Screen flickers"}}).must(t, http.StatusSeeOther)
		if call, err := e.s.FindCallByRef(e.ctx, strings.TrimSuffix(strings.TrimPrefix(r.location, "/calls/"), "?done=logged")); err != nil ||
			call.Source != desk.SourceFaceToFace || call.State != desk.Unassigned || call.CustomerID != e.f.Eve.ID {
			t.Fatalf("face to face call %+v, %v", call, err)
		}
	})
}

func TestLogCallValidation(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		dan := e.f.Dan
		before := e.count(t)
		// Everything typed comes back, with each message beside its field and a summary on top.
		r := c.post("/calls/new", url.Values{"customer_id": {fmt.Sprint(dan.ID)}, "kind": {"fault"}, "source": {"email"},
			"summary": {"  "}, "description": {"Keep <this> text & all"}, "alt_email": {"not an address"},
			"alt_phone": {"07700 900123"}, "impact": {"high"}, "group_id": {fmt.Sprint(e.f.Networks.ID)},
			"analyst_id": {fmt.Sprint(e.f.Ann.ID)}, "profile_id": {fmt.Sprint(e.f.Wifi.ID)}})
		r.must(t, http.StatusUnprocessableEntity)
		r.has(t, `class="alert error-summary" role="alert"`, `<a href="#summary">Summary is required</a>`,
			`id="summary-err">Summary is required`, `id="alt-email-err">Email is not a valid email address`,
			`id="source-err">Source must be by phone or face to face`,
			`>Keep &lt;this&gt; text &amp; all</textarea>`, `value="not an address"`, `value="07700 900123"`,
			`<option value="high" selected>`, fmt.Sprintf(`<option value="%d" selected>Networks`, e.f.Networks.ID),
			fmt.Sprintf(`<option value="%d" selected>Wi-Fi`, e.f.Wifi.ID),
			`name="customer_id" value="`+fmt.Sprint(dan.ID)+`"`, "ddawson@uni.example", `aria-invalid="true"`)
		// A rule only the store knows (Ann is not in Networks) is shown the same way.
		r = c.post("/calls/new", url.Values{"customer_id": {fmt.Sprint(dan.ID)}, "kind": {"fault"}, "source": {"phone"},
			"summary": {"Wired port dead"}, "group_id": {fmt.Sprint(e.f.Networks.ID)}, "analyst_id": {fmt.Sprint(e.f.Ann.ID)}})
		r.must(t, http.StatusUnprocessableEntity).has(t, `id="analyst-err">Analyst Ann Archer is not a member of Networks`, `value="Wired port dead"`)
		// No customer: the lookup is shown again, marked.
		r = c.post("/calls/new", url.Values{"kind": {"fault"}, "source": {"phone"}, "summary": {"Who am I"}})
		r.must(t, http.StatusUnprocessableEntity).has(t, `id="customer-err">Customer is required`, `id="lookup-q"`, `value="Who am I"`)
		if after := e.count(t); after != before {
			t.Fatalf("a refused form logged %d calls", after-before)
		}
	})
}

// count is how many calls there are.
func (e *env) count(t *testing.T) int {
	t.Helper()
	_, n, err := e.s.FindCalls(e.ctx, store.CallFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPersonPage(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		dan := e.f.Dan
		first := e.call("Printer offline", e.f.ServiceDesk.ID)
		for i := range 21 {
			e.clock.Advance(1)
			e.call(fmt.Sprintf("Password reset %02d", i), 0)
		}
		other, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Summary: "Eve's call", CustomerID: e.f.Eve.ID})
		if err != nil {
			t.Fatal(err)
		}
		c := e.signIn(e.f.Ann)
		r := c.get(fmt.Sprintf("/people/%d", dan.ID)).must(t, http.StatusOK)
		r.has(t, `<h1><span dir="auto">Dan Dawson</span>`, "Active", "20231234", "ddawson@uni.example", "01234 567890", "Computing", "student",
			"Typed in by hand", "Last updated", "Calls 1–20 of 22, newest first", "Password reset 20",
			`class="cond cond-unassigned">Unassigned`, `rel="next"`, fmt.Sprintf(`href="/calls/new?customer=%d"`, dan.ID))
		r.lacks(t, other.Ref, "Printer offline")
		c.get(fmt.Sprintf("/people/%d?page=2", dan.ID)).must(t, http.StatusOK).
			has(t, "Calls 21–22 of 22", first.Ref, "Printer offline", `class="cond cond-pending">In progress`, `rel="prev"`)
		c.get("/people/999999").must(t, http.StatusNotFound)
		c.get("/people/abc").must(t, http.StatusNotFound)

		recs := e.audited(dan, "person.view")
		if len(recs) != 2 || recs[0].ActorID != e.f.Ann.ID || recs[0].ObjectID != fmt.Sprint(dan.ID) {
			t.Fatalf("person views audited as %+v", recs)
		}
		// A person who left, from the directory.
		gone := dan
		gone.Active, gone.Source, gone.DirectoryKey = false, desk.FromDirectory, "uid=ddawson"
		if _, err := e.s.UpdatePerson(e.ctx, e.f.Admin, gone); err != nil {
			t.Fatal(err)
		}
		c.get(fmt.Sprintf("/people/%d", dan.ID)).must(t, http.StatusOK).
			has(t, "Left", "Directory import", "Last changed by a directory import", "uid=ddawson", "This person has left")
	})
}

func TestSearch(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		call := e.call("Printer in the library is jammed", e.f.ServiceDesk.ID)
		evil, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{CustomerID: e.f.Dan.ID,
			Summary:     `<script>alert("printer")</script> Printer & scanner`,
			Description: strings.Repeat("Staff said the queue was slow all morning. ", 30) + "The <b>printer</b> toner ran out. " + strings.Repeat("More words here. ", 30)})
		if err != nil {
			t.Fatal(err)
		}
		e.call("Wi-Fi drops in halls", 0)

		// A reference goes straight to the call, however it is typed; one of no call says so.
		c.get("/search?q="+strings.ToLower(call.Ref)).must(t, http.StatusSeeOther)
		if r := c.get("/search?q=+" + call.Ref + "+"); r.status != http.StatusSeeOther || r.location != "/calls/"+call.Ref {
			t.Fatalf("search for the reference: %d %q", r.status, r.location)
		}
		c.get("/search?q=F9999999").must(t, http.StatusOK).has(t, "There is no call F9999999")

		// Words: the marked words, escaped text around them, and no script of anyone's.
		r := c.get("/search?q=printer").must(t, http.StatusOK)
		r.has(t, call.Ref, evil.Ref, "<mark>Printer</mark> in the library is jammed",
			`&lt;script&gt;alert(&#34;<mark>printer</mark>&#34;)&lt;/script&gt; <mark>Printer</mark> &amp; scanner`,
			`The &lt;b&gt;<mark>printer</mark>&lt;/b&gt; toner ran out.`, "…", `value="printer"`)
		r.lacks(t, `<script>alert`, "<b>printer", "Wi-Fi drops")
		c.get("/search?q=toner+printer").must(t, http.StatusOK).has(t, evil.Ref).lacks(t, call.Ref+"<")

		// A call matching only in its diary shows the diary entry, marked.
		diaryOnly := e.call("Cannot log in", e.f.ServiceDesk.ID)
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), diaryOnly.Ref, desk.EntryNote, "Reset the Kerberos ticket cache on the laptop"); err != nil {
			t.Fatal(err)
		}
		c.get("/search?q=kerberos").must(t, http.StatusOK).has(t, diaryOnly.Ref, "Reset the <mark>Kerberos</mark> ticket cache")

		// People, by name, username, student number and phone.
		for _, q := range []string{"dawson", "ddawson", "20231234", "01234567890"} {
			c.get("/search?q="+url.QueryEscape(q)).must(t, http.StatusOK).has(t, fmt.Sprintf(`href="/people/%d"`, e.f.Dan.ID), "Dan Dawson")
		}
		c.get("/search?q=nobodyatall").must(t, http.StatusOK).has(t, "Nobody matches", "No call holds every one of")
		c.get("/search").must(t, http.StatusOK).has(t, "What you can search for")

		// What a search showed is recorded: the people and the calls' customers.
		if recs := e.audited(e.f.Dan, "person.search"); len(recs) == 0 || !strings.Contains(recs[0].Detail, "console search") {
			t.Fatalf("people shown by search audited as %+v", recs)
		}
		if recs := e.audited(e.f.Dan, "call.search"); len(recs) < 2 || !strings.Contains(recs[len(recs)-1].Detail, evil.Ref) {
			t.Fatalf("calls shown by search audited as %+v", recs)
		}
	})
}

func TestSearchPriorityClass(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		e.call("Keyboard sticky", 0) // Outlook: P2
		c.get("/search?q=keyboard").must(t, http.StatusOK).has(t, `class="prio prio-2">P2`)
		c.get(fmt.Sprintf("/people/%d", e.f.Dan.ID)).must(t, http.StatusOK).has(t, `class="prio prio-2">P2`)
	})
}
