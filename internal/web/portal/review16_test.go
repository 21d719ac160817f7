package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"calldesk/internal/desk"
)

// TestForgottenPasswordThrottledPerAddress: one client asking for reset links for many accounts
// is stopped after the sign-in's per-address limit (20 in 15 minutes by default), whatever
// accounts it names, with an error it can read (429, the error summary) and no email sent; the
// answer before the limit stays the same for every account, so nothing tells who has one.
func TestForgottenPasswordThrottledPerAddress(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		anon := e.client()
		for i := range 20 {
			anon.post("/portal/password/forgot", url.Values{"login": {fmt.Sprintf("nobody%d", i)}}).must(t, http.StatusOK).has(t, "Check your email")
		}
		anon.post("/portal/password/forgot", url.Values{"login": {e.f.Dan.Email}}).must(t, http.StatusTooManyRequests).
			has(t, `id="error-summary"`, `href="#login"`, "many reset links were asked for from your connection").lacks(t, "Check your email")
		if out, err := e.s.OutMail(e.ctx, desk.MailPending, 0, 10); err != nil || len(out) != 0 {
			t.Fatalf("a link was emailed past the limit: %+v %v", out, err)
		}
	})
}

// TestPutBackTwiceFromTwoTabs: a call withdrawn, then put back from one tab, and the same "Put
// my call back" button pressed in another tab (or twice): the second press says the call is
// back, not that the service desk has acted on it, and changes nothing more.
func TestPutBackTwiceFromTwoTabs(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		c := e.call(e.f.Dan, "Printer jammed")
		dan.post("/portal/calls/"+c.Ref+"/withdraw", url.Values{"version": {itoa(c.Version)}, "confirmed": {"yes"}}).must(t, http.StatusSeeOther)
		dan.post("/portal/calls/"+c.Ref+"/restore", nil).must(t, http.StatusSeeOther)
		back := e.find(c.Ref)
		r := dan.post("/portal/calls/"+c.Ref+"/restore", nil).must(t, http.StatusSeeOther)
		dan.get(r.location).must(t, http.StatusOK).has(t, "back as it was").lacks(t, "has acted on it")
		if now := e.find(c.Ref); now.State != desk.Assigned || now.Version != back.Version {
			t.Fatalf("the second press changed the call: %s v%d, was v%d", now.State, now.Version, back.Version)
		}
	})
}

// TestResetLiftsTheLoginsThrottle: a student who typed a wrong password too often, and so may
// not sign in for a while, uses "Forgotten your password?" and chooses a new one: they sign in
// with it at once, rather than being told there were too many failed sign-ins (the link proved
// the mailbox is theirs; the guesses before were against the old password).
func TestResetLiftsTheLoginsThrottle(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		for range 5 {
			e.client().post("/portal/signin", url.Values{"login": {"ddawson"}, "password": {"wrong password here"}, "next": {"/portal/"}}).must(t, http.StatusUnauthorized)
		}
		e.client().post("/portal/signin", url.Values{"login": {"ddawson"}, "password": {"wrong password here"}, "next": {"/portal/"}}).must(t, http.StatusTooManyRequests)
		e.client().post("/portal/password/forgot", url.Values{"login": {"ddawson"}}).must(t, http.StatusOK)
		out, err := e.s.OutMail(e.ctx, desk.MailPending, 0, 10)
		if err != nil || len(out) != 1 {
			t.Fatalf("outbox: %+v %v", out, err)
		}
		m := regexp.MustCompile(regexp.QuoteMeta(e.url) + `(/portal/password/reset/[A-Za-z0-9_-]+)`).FindStringSubmatch(out[0].Text)
		if m == nil {
			t.Fatalf("no link in the email:\n%s", out[0].Text)
		}
		e.client().post(m[1], url.Values{"password": {"a long new passphrase"}, "repeat": {"a long new passphrase"}}).must(t, http.StatusSeeOther)
		e.client().post("/portal/signin", url.Values{"login": {"DDawson"}, "password": {"a long new passphrase"}, "next": {"/portal/"}}).must(t, http.StatusSeeOther)
	})
}

// TestWithdrawReasonTooLong: the reason for withdrawing a call is checked on the server (the
// form's maxlength is the browser's, and any client can send more): a reason over 500
// characters is refused with the error summary beside the field, what was typed kept, and the
// call is not withdrawn.
func TestWithdrawReasonTooLong(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		dan := e.signIn(e.f.Dan)
		c := e.call(e.f.Dan, "Printer jammed")
		long := strings.Repeat("é", 501)
		dan.post("/portal/calls/"+c.Ref+"/withdraw", url.Values{"version": {itoa(c.Version)}, "text": {long}, "confirmed": {"yes"}}).
			must(t, http.StatusUnprocessableEntity).has(t, `id="error-summary"`, `href="#withdraw-text"`, "500 characters or fewer", `aria-invalid="true"`, long)
		if s := e.find(c.Ref).State; s != desk.Assigned {
			t.Fatalf("withdrawn with a reason of 501 characters: %s", s)
		}
		dan.post("/portal/calls/"+c.Ref+"/withdraw", url.Values{"version": {itoa(c.Version)}, "text": {strings.Repeat("é", 500)}, "confirmed": {"yes"}}).
			must(t, http.StatusSeeOther)
	})
}
