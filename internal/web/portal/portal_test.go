package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/portal"
)

func TestEveryRouteRefusesWithoutSession(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		call := e.call(e.f.Dan, "Outlook will not start")
		c := e.client()
		for _, p := range []string{"/portal/", "/portal/calls/new", "/portal/calls/" + call.Ref} {
			c.get(p).must(t, http.StatusUnauthorized).has(t, "Sign in to SupportMe").lacks(t, "Outlook will not start")
		}
		for _, p := range []string{"/portal/calls/new", "/portal/calls/" + call.Ref + "/update", "/portal/calls/" + call.Ref + "/confirm",
			"/portal/calls/" + call.Ref + "/reopen", "/portal/calls/" + call.Ref + "/withdraw", "/portal/signout"} {
			c.post(p, url.Values{"text": {"x"}, "summary": {"x"}}).must(t, http.StatusUnauthorized)
		}
		if len(e.find(call.Ref).Summary) == 0 {
			t.Fatal("call lost")
		}
		// The console's cookie does not open the portal, nor the portal's the console.
		ann := e.signInConsole(e.f.Ann)
		ann.get("/portal/").must(t, http.StatusUnauthorized)
		dan := e.signIn(e.f.Dan)
		dan.get("/queues/mine").must(t, http.StatusUnauthorized)
		// The privacy notice is public.
		c.get("/portal/privacy").must(t, http.StatusOK).has(t, "How long we keep it", "six years after the call is closed, when it is anonymised")
		// It says what the retention schedule says, as the Data Protection Officer changes it.
		if err := e.s.SetRetentionRule(e.ctx, e.f.Admin, store.ClassClosedCalls, 18, store.Anonymise, "shorter, agreed with the university's records manager"); err != nil {
			t.Fatal(err)
		}
		c.get("/portal/privacy").must(t, http.StatusOK).has(t, "18 months after the call is closed, when it is anonymised")
	})
}

func TestSessionCookie(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		r := e.client().post("/portal/signin", url.Values{"login": {e.f.Dan.Username}, "password": {password}})
		r.must(t, http.StatusSeeOther)
		ck := r.header.Get("Set-Cookie")
		for _, want := range []string{"calldesk_portal=", "Path=/portal/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(ck, want) {
				t.Fatalf("cookie %q lacks %q", ck, want)
			}
		}
		e.client().post("/portal/signin", url.Values{"login": {e.f.Dan.Username}, "password": {"wrong"}}).
			must(t, http.StatusUnauthorized).has(t, "wrong")
	})
}

func TestMyCallsOnlyMine(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		mine := e.call(e.f.Dan, "Outlook will not start")
		done := e.call(e.f.Dan, "Printer jammed")
		e.resolve(done.Ref)
		d := e.find(done.Ref)
		if _, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), done.Ref, d.Version, desk.Transition{Action: desk.ActClose, Reason: "closed"}); err != nil {
			t.Fatal(err)
		}
		e.call(e.f.Eve, "Eve's laptop is slow")
		dan := e.signIn(e.f.Dan)
		r := dan.get("/portal/").must(t, http.StatusOK).has(t, "Outlook will not start", "We&#39;re working on it", "Printer jammed", "Closed").
			lacks(t, "Eve&#39;s laptop")
		if strings.Index(r.body, "Outlook will not start") > strings.Index(r.body, "Printer jammed") {
			t.Fatal("open calls are not listed first")
		}
		_ = mine
		recs, _, err := e.s.FindAudit(e.ctx, storeAudit(e.f.Dan.ID))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, rec := range recs {
			found = found || (rec.Action == "call.search" && strings.Contains(rec.Detail, mine.Ref))
		}
		if !found {
			t.Fatal("the list was not audited")
		}
	})
}

func TestOtherPeoplesCallsAreNotFound(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		call := e.call(e.f.Dan, "Outlook will not start")
		e.resolve(call.Ref)
		before := e.find(call.Ref)
		eve := e.signIn(e.f.Eve)
		eve.get("/portal/calls/"+call.Ref).must(t, http.StatusNotFound).lacks(t, "Outlook")
		eve.get("/portal/calls/F9999999").must(t, http.StatusNotFound)
		eve.get("/portal/calls/nonsense").must(t, http.StatusNotFound)
		for _, a := range []string{"update", "confirm", "reopen", "withdraw"} {
			eve.post("/portal/calls/"+call.Ref+"/"+a, url.Values{"text": {"mine now"}, "version": {"0"}}).must(t, http.StatusNotFound).lacks(t, "Outlook")
		}
		if after := e.find(call.Ref); after.Version != before.Version || after.State != desk.Resolved {
			t.Fatalf("Eve changed Dan's call: %+v", after)
		}
	})
}

func TestInternalNotesNeverShown(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		call := e.call(e.f.Dan, "Outlook will not start")
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), call.Ref, desk.EntryNote, "SECRET internal remark"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), call.Ref, desk.EntryUpdate, "We are looking at your mailbox"); err != nil {
			t.Fatal(err)
		}
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/"+call.Ref).must(t, http.StatusOK).has(t, "We are looking at your mailbox").lacks(t, "SECRET")
	})
}

func TestAskForHelp(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/new").must(t, http.StatusOK).has(t, "Software", "Wi-Fi", "Read the full privacy notice", "/portal/privacy").lacks(t, "Outlook</option>")
		// Missing summary: refused beside the field, the rest kept.
		dan.post("/portal/calls/new", url.Values{"category": {itoa(e.f.Wifi.ID)}, "description": {"no signal in the library"}}).
			must(t, http.StatusUnprocessableEntity).has(t, `id="summary-err"`, "no signal in the library")
		r := dan.post("/portal/calls/new", url.Values{"category": {itoa(e.f.Wifi.ID)}, "summary": {"No wifi in the library"},
			"description": {"no signal on floor 2"}, "alt_phone": {"07700 900123"}}).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		c := e.find(ref)
		if c.CustomerID != e.f.Dan.ID || c.Source != desk.SourcePortal || c.ProfileID != e.f.Wifi.ID || c.AltPhone != "07700 900123" || c.SpecialCategory {
			t.Fatalf("logged %+v", c)
		}
		// The confirmation says what happens next, when, and where the answer goes.
		dan.get(r.location).must(t, http.StatusOK).has(t, "No wifi in the library", "We have your request", `<span class="ref">`+ref+`</span>`,
			"What happens next", portal.DefaultNextSteps, "We will email you at <strong>"+e.f.Dan.Email+"</strong>")
	})
}

func TestSpecialCategoryWarning(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		form := url.Values{"summary": {"Need screen reader"}, "description": {"I have dyslexia and need the software installed"}, "alt_email": {"dan@home.example"}}
		dan.post("/portal/calls/new", form).must(t, http.StatusUnprocessableEntity).
			has(t, `id="special-warning"`, "health", "dyslexia", "I understand, send it anyway", "dan@home.example", "Need screen reader")
		page, err := e.s.FindCallsPage(e.ctx, storeFilter(e.f.Dan.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Calls) > 0 {
			t.Fatal("the call was logged before the person chose to send it")
		}
		form.Set("send_anyway", "1")
		r := dan.post("/portal/calls/new", form).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		if c := e.find(ref); !c.SpecialCategory {
			t.Fatal("the call is not marked as holding special-category data")
		}
		e.signInConsole(e.f.Ann).get("/calls/"+ref).must(t, http.StatusOK).has(t, "Holds special-category data")
		other := e.call(e.f.Dan, "Outlook will not start")
		e.signInConsole(e.f.Ann).get("/calls/"+other.Ref).must(t, http.StatusOK).lacks(t, "Holds special-category data")
	})
}

func TestConfirmReopenWithdraw(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		a := e.call(e.f.Dan, "Outlook will not start")
		// An update from Dan is public.
		dan.post("/portal/calls/"+a.Ref+"/update", url.Values{"text": {"It shows error 0x800"}}).must(t, http.StatusSeeOther)
		dan.post("/portal/calls/"+a.Ref+"/update", url.Values{"text": {""}}).must(t, http.StatusUnprocessableEntity).has(t, `id="update-err"`)
		e.signInConsole(e.f.Ann).get("/calls/"+a.Ref).has(t, "It shows error 0x800")
		// Resolved: reopen needs a reason, then reopens.
		e.resolve(a.Ref)
		dan.get("/portal/calls/"+a.Ref).must(t, http.StatusOK).has(t, "Solved — please confirm", "Yes, it's solved", "reset your mailbox").lacks(t, "Withdraw my call")
		v := itoa(e.find(a.Ref).Version)
		dan.post("/portal/calls/"+a.Ref+"/reopen", url.Values{"version": {v}}).must(t, http.StatusUnprocessableEntity).has(t, `id="reopen-err"`)
		dan.post("/portal/calls/"+a.Ref+"/reopen", url.Values{"version": {v}, "text": {"still broken"}}).must(t, http.StatusSeeOther)
		if s := e.find(a.Ref).State; s == desk.Resolved || s == desk.Closed {
			t.Fatalf("not reopened: %s", s)
		}
		// Resolved again: confirm closes; a stale form is a conflict.
		e.resolve(a.Ref)
		dan.post("/portal/calls/"+a.Ref+"/confirm", url.Values{"version": {v}}).must(t, http.StatusConflict).has(t, "changed while you were looking")
		dan.post("/portal/calls/"+a.Ref+"/confirm", url.Values{"version": {itoa(e.find(a.Ref).Version)}}).must(t, http.StatusSeeOther)
		if s := e.find(a.Ref).State; s != desk.Closed {
			t.Fatalf("confirm left it %s", s)
		}
		dan.get("/portal/calls/"+a.Ref).must(t, http.StatusOK).has(t, "Closed").lacks(t, "Send message", "Withdraw my call")
		// Withdraw an open call (confirmed).
		b := e.call(e.f.Dan, "Printer jammed")
		dan.post("/portal/calls/"+b.Ref+"/withdraw", url.Values{"version": {itoa(b.Version)}, "text": {"fixed it myself"}, "confirmed": {"yes"}}).must(t, http.StatusSeeOther)
		if c := e.find(b.Ref); c.State != desk.Cancelled || !strings.Contains(c.CancelNote, "fixed it myself") {
			t.Fatalf("withdraw: %+v", c)
		}
	})
}

// TestMyCallsListsEveryOpenCall: an open call older than many finished ones is still listed
// with the open calls; finished calls come 25 to a page, newest first, with links between pages.
func TestMyCallsListsEveryOpenCall(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		old := e.call(e.f.Eve, "Old open call about the projector")
		for i := range 60 {
			e.call(e.f.Eve, fmt.Sprintf("Finished call number %02d", i))
		}
		// Everything but the first is finished, and updated after it.
		e.db.MustExec(t, `UPDATE calls SET state = 'closed', updated_at = updated_at + id * 1000000 WHERE customer_id = ? AND id <> ?`, e.f.Eve.ID, old.ID)
		eve := e.signIn(e.f.Eve)
		r := eve.get("/portal/").must(t, http.StatusOK).has(t, "Old open call about the projector", "Finished call number 59",
			"Finished call number 35", `href="/portal/?finished=25#done-title"`).lacks(t, "Finished call number 34", "Newer finished calls")
		if strings.Index(r.body, "Old open call") > strings.Index(r.body, "Finished call number 59") {
			t.Fatal("the open call is not listed before the finished ones")
		}
		eve.get("/portal/?finished=25").must(t, http.StatusOK).has(t, "Old open call about the projector", "Finished call number 34",
			"Finished call number 10", "Newer finished calls", `href="/portal/?finished=50#done-title"`).lacks(t, "Finished call number 35", "Finished call number 09")
		eve.get("/portal/?finished=50").must(t, http.StatusOK).has(t, "Finished call number 09", "Finished call number 00").lacks(t, "Older finished calls")
		eve.get("/portal/?finished=-5").must(t, http.StatusOK).has(t, "Finished call number 59")
		eve.get("/portal/?finished=9999").must(t, http.StatusOK).has(t, "No more finished calls", "Newer finished calls")
	})
}

// TestPortalShowsMyEmails (S13): a customer sees their own emails on their call; an analyst's
// email about the call (internal) does not reach the portal.
func TestPortalShowsMyEmails(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		c := e.call(e.f.Dan, "VPN drops")
		if _, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "m1@mail.example",
			From: e.f.Dan.Email, Subject: "Re: [" + c.Ref + "]", Ref: c.Ref, Text: "It also drops on campus Wi-Fi", Raw: []byte("x")},
			store.IngestRules{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateAccount(e.ctx, e.f.Admin, desk.Account{PersonID: e.f.Bob.ID, Login: "bbaker", Roles: []desk.Role{desk.RoleAnalyst}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 2, MessageID: "m2@mail.example",
			From: e.f.Bob.Email, Subject: "[" + c.Ref + "] vendor", Ref: c.Ref, Text: "INTERNAL asked the vendor", Raw: []byte("y")},
			store.IngestRules{}); err != nil {
			t.Fatal(err)
		}
		e.signIn(e.f.Dan).get("/portal/calls/"+c.Ref).must(t, http.StatusOK).has(t, "It also drops on campus Wi-Fi").lacks(t, "INTERNAL")
	})
}

// TestNextCannotLeaveThePortal: the portal's next= goes through the same check as the console's,
// and stays inside the portal.
func TestNextCannotLeaveThePortal(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		for _, next := range []string{"/portal/../%5Cevil.example", "/portal/..%5Cevil.example", "/portal/%2e%2e/calls/F1",
			"/%2F%2Fevil.example", "/portal/%09/x", "//evil.example", "/portal/../calls/new"} {
			r := e.client().post("/portal/signin", url.Values{"login": {e.f.Dan.Username}, "password": {password}, "next": {next}}).must(t, http.StatusSeeOther)
			if r.location != "/portal/" {
				t.Errorf("signing in with next=%q went to %q", next, r.location)
			}
		}
	})
}

// TestNoNewRequestWhileRestricted (issue 13 point 3): a person whose processing is restricted
// cannot ask for help through the portal; the form says why, keeping what was typed.
func TestNoNewRequestWhileRestricted(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		if err := e.s.Restrict(e.ctx, storetest.Actor(e.f.Ann), e.f.Dan.ID, true, "Dan contests his record"); err != nil {
			t.Fatal(err)
		}
		dan := e.signIn(e.f.Dan)
		dan.post("/portal/calls/new", url.Values{"summary": {"Printer jammed"}, "description": {"Room 2.14, paper stuck"}}).
			must(t, http.StatusUnprocessableEntity).
			has(t, "Nothing was sent: SupportMe cannot take a new request from you while the processing of your personal data is restricted",
				"The Data Protection Officer must lift the restriction first", `value="Printer jammed"`, "Room 2.14, paper stuck").lacks(t, "customer_id")
		if _, n, err := e.s.FindCalls(e.ctx, storeFilter(e.f.Dan.ID)); err != nil || n != 0 {
			t.Fatalf("%d calls for Dan (%v)", n, err)
		}
	})
}
