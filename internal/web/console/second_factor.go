package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// Two-factor sign-in pages (issue 20 item 2): the code asked after a right password, enrolment
// (voluntary from "Your account", or mandatory right after the password for the roles the
// setting names), and an administrator's reset on a person's page.

func (c *Console) secondFactorRoutes() []route {
	return []route{
		{"GET", "/signin/code", access.WorkCalls, c.codeForm},
		{"POST", "/signin/code", access.WorkCalls, c.code},
		{"GET", "/account/second-factor", access.WorkCalls, c.enrolForm},
		{"POST", "/account/second-factor", access.WorkCalls, c.enrol},
		{"POST", "/people/{id}/second-factor/reset", access.Administer, c.resetSecondFactor},
	}
}

// finishesSignin says whether a route is one a pending session may use: the pages that finish
// signing in, and signing out. Every other route sends a pending session to them (adapt).
func finishesSignin(rt route) bool {
	switch rt.Pattern {
	case "/signin/code", "/account/second-factor", "/signout":
		return true
	}
	return false
}

// pendingPage is where a pending session finishes signing in.
func pendingPage(pending, next string) string {
	to := "/signin/code"
	if pending == store.PendingEnrol {
		to = "/account/second-factor"
	}
	if next != "" && next != "/" {
		to += "?next=" + url.QueryEscape(next)
	}
	return to
}

// codePage asks for the second factor's code after the password.
type codePage struct {
	page
	Next    string
	Message string
}

func (c *Console) codeForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	next := localPath(r.URL.Query().Get("next"))
	if v.Pending == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	if v.Pending == store.PendingEnrol {
		http.Redirect(w, r, pendingPage(v.Pending, next), http.StatusSeeOther)
		return nil
	}
	return c.render(w, r, http.StatusOK, "signincode", codePage{page: c.page(nil, "Two-factor sign-in"), Next: next})
}

func (c *Console) code(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	next := localPath(r.PostForm.Get("next"))
	if v.Pending != store.PendingCode {
		http.Redirect(w, r, pendingPage(v.Pending, next), http.StatusSeeOther)
		return nil
	}
	recovery, left, err := c.Sessions.VerifySecondFactor(r.Context(), v.Session, v.Token, r.PostForm.Get("code"), v.Actor)
	if err != nil {
		status := web.StatusOf(desk.ErrorCode(err))
		if status == http.StatusInternalServerError {
			return err
		}
		return c.render(w, r, status, "signincode", codePage{page: c.page(nil, "Two-factor sign-in"), Next: next,
			Message: sentenceOf(desk.Message(err))})
	}
	if recovery {
		v.Pending = ""
		// Say how many remain before going on: a person down to their last codes should enrol again.
		return c.render(w, r, http.StatusOK, "recoveryused", recoveryUsedPage{page: c.page(v, "Signed in with a recovery code"),
			Left: left, Next: next})
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// recoveryUsedPage says a recovery code was used and how many are left.
type recoveryUsedPage struct {
	page
	Left int
	Next string
}

// enrolPage sets up two-factor sign-in: the QR code and the secret as text, a field for the
// first code; once confirmed, the recovery codes, shown this once.
type enrolPage struct {
	page
	Enrolment access.Enrolment
	// QR is the enrolment's QR code, a PNG data URI calldesk drew itself.
	QR   template.URL
	Next string
	// Required says enrolment is mandatory for the account's role (the session is pending).
	Required bool
	// Enrolled says the account has set it up already (nothing to enrol), with RecoveryLeft.
	Enrolled     bool
	RecoveryLeft int
	Error        string
	// Codes are the recovery codes just issued: shown once, never again.
	Codes []string
}

func (c *Console) enrolPageFor(r *http.Request, v *visit, next string) (enrolPage, error) {
	title := "Set up two-factor sign-in"
	pv := v
	if v.Pending != "" {
		pv = nil // no navigation until signing in is finished
	}
	p := enrolPage{page: c.page(pv, title), Next: next, Required: v.Pending == store.PendingEnrol}
	p.Section = "account"
	f, err := c.Store.FindSecondFactor(r.Context(), v.Account.ID)
	if err == nil && f.Confirmed() {
		p.Enrolled, p.RecoveryLeft = true, f.RecoveryLeft
		return p, nil
	}
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return p, err
	}
	if p.Enrolment, err = c.Sessions.BeginEnrolment(r.Context(), v.Session, v.Actor); err != nil {
		return p, err
	}
	p.QR = template.URL(p.Enrolment.QR) // #nosec: a data URI of our own PNG, not user input
	return p, nil
}

func (c *Console) enrolForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	next := localPath(r.URL.Query().Get("next"))
	if v.Pending == store.PendingCode {
		http.Redirect(w, r, pendingPage(v.Pending, next), http.StatusSeeOther)
		return nil
	}
	p, err := c.enrolPageFor(r, v, next)
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "enrol", p)
}

func (c *Console) enrol(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	next := localPath(r.PostForm.Get("next"))
	if v.Pending == store.PendingCode {
		http.Redirect(w, r, pendingPage(v.Pending, next), http.StatusSeeOther)
		return nil
	}
	codes, err := c.Sessions.ConfirmEnrolment(r.Context(), v.Session, v.Token, r.PostForm.Get("code"), v.Actor)
	if err != nil {
		status := web.StatusOf(desk.ErrorCode(err))
		if status == http.StatusInternalServerError {
			return err
		}
		p, perr := c.enrolPageFor(r, v, next)
		if perr != nil {
			return perr
		}
		p.Error = sentenceOf(desk.Message(err))
		return c.render(w, r, status, "enrol", p)
	}
	// The answer to the post, not a redirect: the recovery codes are shown this once.
	v.Pending = ""
	p := enrolPage{page: c.page(v, "Two-factor sign-in is set up"), Next: next, Enrolled: true, RecoveryLeft: len(codes), Codes: codes}
	p.Section = "account"
	return c.render(w, r, http.StatusOK, "enrol", p)
}

// resetSecondFactor removes a person's two-factor enrolment (an administrator's act, audited),
// for someone who lost their authenticator app and recovery codes.
func (c *Console) resetSecondFactor(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.Errorf(desk.ENOTFOUND, "no such person")
	}
	acct, err := c.Store.FindAccountByPerson(r.Context(), id)
	if err != nil {
		return err
	}
	if err := c.Sessions.ResetSecondFactor(r.Context(), v.Actor, acct.ID); err != nil {
		return err
	}
	return seeOther(w, r, "/people/"+strconv.FormatInt(id, 10))
}
