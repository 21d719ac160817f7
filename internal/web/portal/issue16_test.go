package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
	"calldesk/internal/web/portal"
)

// TestWithdrawAsksFirstAndCanBeUndone (issue 16, defect 4): withdrawing a call asks first (the
// call page links to a confirmation page; a post without the confirmation changes nothing); once
// withdrawn, the call page offers to put it back, which restores its state, audited; once the
// desk has acted, the offer goes and a stale undo is refused.
func TestWithdrawAsksFirstAndCanBeUndone(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		c := e.call(e.f.Dan, "Printer jammed")
		dan.get("/portal/calls/"+c.Ref).must(t, http.StatusOK).has(t, `href="/portal/calls/`+c.Ref+`/withdraw"`).lacks(t, `action="/portal/calls/`+c.Ref+`/withdraw"`)
		dan.get("/portal/calls/"+c.Ref+"/withdraw").must(t, http.StatusOK).has(t, "Withdraw your call?", "Yes, withdraw my call", "No, keep it",
			`name="confirmed" value="yes"`, "put it back as it was")
		// Without the confirmation: the question again, nothing done.
		dan.post("/portal/calls/"+c.Ref+"/withdraw", url.Values{"version": {itoa(c.Version)}, "text": {"sorted"}}).must(t, http.StatusOK).has(t, "Withdraw your call?", `value="sorted"`)
		if s := e.find(c.Ref).State; s != desk.Assigned {
			t.Fatalf("an unconfirmed withdrawal left the call %s", s)
		}
		r := dan.post("/portal/calls/"+c.Ref+"/withdraw", url.Values{"version": {itoa(c.Version)}, "text": {"sorted"}, "confirmed": {"yes"}}).must(t, http.StatusSeeOther)
		if r.location != "/portal/calls/"+c.Ref+"?done=withdrawn" {
			t.Fatalf("after withdrawing: %q", r.location)
		}
		if s := e.find(c.Ref).State; s != desk.Cancelled {
			t.Fatalf("withdrawn: %s", s)
		}
		dan.get(r.location).must(t, http.StatusOK).has(t, "Your call has been withdrawn", "Changed your mind?", "Put my call back", "Withdrawn")
		r = dan.post("/portal/calls/"+c.Ref+"/restore", nil).must(t, http.StatusSeeOther)
		got := e.find(c.Ref)
		if got.State != desk.Assigned || got.CancelNote != "" {
			t.Fatalf("put back: %s %q", got.State, got.CancelNote)
		}
		dan.get(r.location).must(t, http.StatusOK).has(t, "back as it was").lacks(t, "Put my call back")
		recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{PersonID: e.f.Dan.ID, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		restored := false
		for _, rec := range recs {
			restored = restored || rec.Action == "call.restore" && rec.ObjectID == c.Ref && rec.Surface == desk.SurfacePortal
		}
		if !restored {
			t.Fatalf("the undo is not audited: %+v", recs)
		}
		// Withdrawn again, then Ann writes on it: no undo any more.
		dan.post("/portal/calls/"+c.Ref+"/withdraw", url.Values{"version": {itoa(got.Version)}, "confirmed": {"yes"}}).must(t, http.StatusSeeOther)
		e.clock.Advance(time.Minute)
		if _, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), c.Ref, desk.EntryNote, "customer phoned: withdrawn"); err != nil {
			t.Fatal(err)
		}
		dan.get("/portal/calls/"+c.Ref).must(t, http.StatusOK).lacks(t, "Put my call back")
		dan.post("/portal/calls/"+c.Ref+"/restore", nil).must(t, http.StatusConflict).has(t, "the service desk has acted on it since you withdrew it")
		if s := e.find(c.Ref).State; s != desk.Cancelled {
			t.Fatalf("a refused undo left the call %s", s)
		}
		// Eve cannot undo Dan's.
		e.signIn(e.f.Eve).post("/portal/calls/"+c.Ref+"/restore", nil).must(t, http.StatusNotFound)
	})
}

// TestMyCallsShowReferencesAndConditions (issue 16, the portal): every call on My calls and on its
// page shows its reference, status, priority, last update and, on hold, until when.
func TestMyCallsShowReferencesAndConditions(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		a := e.call(e.f.Dan, "Outlook will not start")
		b := e.call(e.f.Dan, "Laptop screen cracked")
		b, err := e.s.UpdateCall(e.ctx, storetest.Actor(e.f.Ann), b.Ref, b.Version, desk.Transition{Action: desk.ActHold,
			Until: start.Add(48 * time.Hour), Reason: "waiting for the part"})
		if err != nil {
			t.Fatal(err)
		}
		dan := e.signIn(e.f.Dan)
		page := dan.get("/portal/").must(t, http.StatusOK)
		page.has(t, "<dt>Reference</dt><dd>"+a.Ref+"</dd>", "<dt>Reference</dt><dd>"+b.Ref+"</dd>", "<dt>Priority</dt>", "<dt>Last update</dt>",
			"<dt>On hold until</dt><dd>Wed 4 Mar 2026 09:00 ", "We&#39;re working on it", "On hold")
		if n := strings.Count(page.body, "<dt>Status</dt>"); n != 2 {
			t.Fatalf("%d statuses for 2 calls", n)
		}
		dan.get("/portal/calls/"+b.Ref).must(t, http.StatusOK).has(t, "<dt>Reference</dt><dd>"+b.Ref+"</dd>", `id="call-hold"`, "<dt>Priority</dt>")
	})
}

// TestContactBlockOnEveryPage (issue 16): the desk's contact block, as configured, is on every
// portal page, the sign-in page and the error page included, with the phone as a link.
func TestContactBlockOnEveryPage(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		c := e.call(e.f.Dan, "Outlook will not start")
		anon := e.client()
		for _, path := range []string{"/portal/signin", "/portal/privacy", "/portal/password/forgot", "/portal/no-such-page"} {
			anon.get(path).has(t, `id="desk-contact"`, `href="tel:01234567890"`, "01234 567890", "Library, ground floor", "Monday to Friday, 8:30 to 17:00",
				"servicedesk@uni.example")
		}
		dan := e.signIn(e.f.Dan)
		for _, path := range []string{"/portal/", "/portal/calls/new", "/portal/calls/" + c.Ref, "/portal/calls/" + c.Ref + "/withdraw", "/portal/me", "/portal/me/seen"} {
			dan.get(path).must(t, http.StatusOK).has(t, `id="desk-contact"`, "01234 567890", "Library, ground floor")
		}
	})
}

// TestPortalFormErrorsFollowThePattern (issue 16, defect 5): the portal's forms leave checking to
// the server (novalidate, no required attribute), and a refused form opens with the error summary
// (focused: autofocus), its errors in the order of the form, each linking to its field, and the
// title starts "Error:".
func TestPortalFormErrorsFollowThePattern(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		form := dan.get("/portal/calls/new").must(t, http.StatusOK)
		form.has(t, "novalidate").lacks(t, " required")
		page := dan.post("/portal/calls/new", url.Values{"category": {"999999"}, "summary": {""}, "alt_email": {"not an address"}}).must(t, http.StatusUnprocessableEntity)
		page.has(t, `<div class="error-summary" role="alert" tabindex="-1" autofocus id="error-summary"`, "<title>Error: Ask for help")
		links := regexp.MustCompile(`<li><a href="#([a-z_]+)">`).FindAllStringSubmatch(page.body[strings.Index(page.body, "error-summary"):], -1)
		var got []string
		for _, l := range links {
			got = append(got, l[1])
		}
		if strings.Join(got, ",") != "category,summary,alt_email" {
			t.Fatalf("the summary lists %v, want category, summary, alt_email (the form's order)", got)
		}
		me := dan.post("/portal/me/rectify", url.Values{"should": {""}}).must(t, http.StatusUnprocessableEntity)
		me.has(t, `id="error-summary"`, `href="#field-first"`, `id="field-first"`, "novalidate")
		if i, j := strings.Index(me.body, `href="#field-first"`), strings.Index(me.body, `href="#should"`); i < 0 || j < 0 || i > j {
			t.Fatalf("My details' errors are not in the form's order")
		}
		c := e.call(e.f.Dan, "Outlook will not start")
		dan.post("/portal/calls/"+c.Ref+"/update", url.Values{"text": {""}}).must(t, http.StatusUnprocessableEntity).
			has(t, `id="error-summary"`, `href="#update-text"`, `id="update-err"`)
		e.client().post("/portal/signin", url.Values{"login": {"ddawson"}, "password": {"wrong"}}).
			has(t, `id="error-summary"`, `href="#login"`, "<title>Error: Sign in", "novalidate")
	})
}

// TestForgottenPassword (issue 16): "Forgotten your password?" on the sign-in page leads to a
// form that answers the same whether or not the account exists; an existing one gets a link by
// email (the outbox), which works once, sets the password, ends the sessions and lets the person
// sign in with the new one; the ask and the change are audited.
func TestForgottenPassword(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		anon := e.client()
		anon.get("/portal/signin").must(t, http.StatusOK).has(t, `href="/portal/password/forgot"`, "Forgotten your password?")
		anon.get("/portal/password/forgot").must(t, http.StatusOK).has(t, "Username or email address", "novalidate")
		anon.post("/portal/password/forgot", url.Values{"login": {""}}).must(t, http.StatusUnprocessableEntity).has(t, `id="error-summary"`, `href="#login"`)
		unknown := anon.post("/portal/password/forgot", url.Values{"login": {"nobody"}}).must(t, http.StatusOK)
		old := e.signIn(e.f.Dan) // a session the reset ends
		known := anon.post("/portal/password/forgot", url.Values{"login": {e.f.Dan.Email}}).must(t, http.StatusOK)
		if strings.ReplaceAll(unknown.body, "nobody", e.f.Dan.Email) != known.body {
			t.Fatal("the answer differs for an account that exists: it tells who has an account")
		}
		out, err := e.s.OutMail(e.ctx, desk.MailPending, 0, 10)
		if err != nil || len(out) != 1 || out[0].Kind != desk.MailPasswordReset || out[0].To != e.f.Dan.Email {
			t.Fatalf("outbox: %+v %v", out, err)
		}
		// A staff account (an analyst with a local password) gets the same answer and no link: an
		// emailed link would give whoever reads that mailbox the console.
		staff := anon.post("/portal/password/forgot", url.Values{"login": {e.f.Ann.Email}}).must(t, http.StatusOK)
		if strings.ReplaceAll(unknown.body, "nobody", e.f.Ann.Email) != staff.body {
			t.Fatal("the answer for a staff account differs")
		}
		if again, err := e.s.OutMail(e.ctx, desk.MailPending, 0, 10); err != nil || len(again) != 1 {
			t.Fatalf("a staff account was emailed a reset link: %+v %v", again, err)
		}
		m := regexp.MustCompile(regexp.QuoteMeta(e.url) + `(/portal/password/reset/[A-Za-z0-9_-]+)`).FindStringSubmatch(out[0].Text)
		if m == nil {
			t.Fatalf("no link in the email:\n%s", out[0].Text)
		}
		link := m[1]
		anon.get(link).must(t, http.StatusOK).has(t, "Choose a new password", "novalidate")
		anon.post(link, url.Values{"password": {"short"}, "repeat": {"short"}}).must(t, http.StatusUnprocessableEntity).has(t, "at least 12 characters", `href="#password"`)
		anon.post(link, url.Values{"password": {"a long new passphrase"}, "repeat": {"a long new passphrase!"}}).must(t, http.StatusUnprocessableEntity).has(t, `href="#repeat"`)
		r := anon.post(link, url.Values{"password": {"a long new passphrase"}, "repeat": {"a long new passphrase"}}).must(t, http.StatusSeeOther)
		if r.location != "/portal/signin?reset=1" {
			t.Fatalf("after the reset: %q", r.location)
		}
		anon.get(r.location).has(t, "Your password has been changed")
		old.get("/portal/").must(t, http.StatusUnauthorized)
		// Once only.
		anon.get(link).must(t, http.StatusGone).has(t, "This link has ended")
		anon.post(link, url.Values{"password": {"another long passphrase"}, "repeat": {"another long passphrase"}}).must(t, http.StatusGone)
		if r := e.client().post("/portal/signin", url.Values{"login": {"ddawson"}, "password": {"a long new passphrase"}, "next": {"/portal/"}}); r.status != http.StatusSeeOther {
			t.Fatalf("signing in with the new password: %d", r.status)
		}
		recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{PersonID: e.f.Dan.ID, Limit: 30})
		if err != nil {
			t.Fatal(err)
		}
		var asked, changed bool
		for _, rec := range recs {
			asked = asked || rec.Action == "account.reset_ask"
			changed = changed || rec.Action == "account.password" && strings.Contains(rec.Detail, "emailed link")
		}
		if !asked || !changed {
			t.Fatalf("audited: asked %v, changed %v", asked, changed)
		}
	})
}

// TestForgottenPasswordWithoutLocalPasswords (issue 16): where customers sign in through single
// sign-on only, or no email can be sent, the page says how to get back in with the desk's contact
// details, and emails nothing.
func TestForgottenPasswordWithoutLocalPasswords(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(_ *env, _ *console.Console, p *portal.Portal) { p.PublicURL = "" })
		e.client().get("/portal/password/forgot").must(t, http.StatusOK).has(t, `id="forgot-desk"`, "Contact the IT service desk", "01234 567890").lacks(t, `name="login"`)
		e.client().post("/portal/password/forgot", url.Values{"login": {"ddawson"}}).must(t, http.StatusOK).has(t, `id="forgot-desk"`)
		if out, err := e.s.OutMail(e.ctx, desk.MailPending, 0, 10); err != nil || len(out) != 0 {
			t.Fatalf("outbox: %+v %v", out, err)
		}
	})
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(_ *env, _ *console.Console, p *portal.Portal) { p.Sessions.Passwords = access.PasswordsOff })
		e.client().get("/portal/password/forgot").must(t, http.StatusOK).has(t, `id="forgot-sso"`, "university account", "01234 567890")
		e.client().get("/portal/signin").lacks(t, `href="/portal/password/forgot"`)
	})
}
