package portal

import (
	"net/http"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

func (p *Portal) signinRoutes() []route {
	return []route{
		{"GET", prefix + "signin", access.Public, p.signinForm},
		{"POST", prefix + "signin", access.Public, p.signin},
		{"POST", prefix + "signout", access.UsePortal, p.signout},
	}
}

// signinPage is the sign-in form.
type signinPage struct {
	page
	Login   string
	Next    string
	Message string
	Error   bool // Message is an error (a failed attempt), not a notice
	// Resume is a form whose session ended while it was being sent, kept so that signing in
	// again can send it without retyping (resume.go).
	Resume *web.Resume
	// SSO and SAML offer single sign-on; Passwords shows the password form, which SSOOnly
	// hides when customers may only sign in through single sign-on.
	SSO, SAML, Passwords bool
	// Forgot offers "Forgotten your password?" (local passwords are on).
	Forgot bool
}

// signinPage is the sign-in page with a message (an error when isErr), returning to next.
func (p *Portal) signinPage(msg string, isErr bool, next string) signinPage {
	return signinPage{page: p.page(nil, "Sign in"), Message: msg, Error: isErr, Next: next,
		SSO: p.SSO != nil, SAML: p.SAML != nil, Passwords: !p.ssoOnly(), Forgot: p.localPasswords()}
}

func (p *Portal) signinForm(w http.ResponseWriter, r *http.Request, _ *visit) error {
	next := localPath(r.URL.Query().Get("next"))
	if v, err := p.authenticate(r); err == nil && v != nil {
		return seeOther(w, r, next)
	}
	pg := p.signinPage("", false, next)
	switch {
	case r.URL.Query().Get("out") == "1":
		pg.Message = "You have signed out."
	case r.URL.Query().Get("reset") == "1":
		pg.Message = "Your password has been changed. Sign in with your new password."
	}
	return p.render(w, r, http.StatusOK, "signin", pg)
}

func (p *Portal) signin(w http.ResponseWriter, r *http.Request, _ *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the sign-in form could not be read")
	}
	f := r.PostForm
	pg := p.signinPage("", false, localPath(f.Get("next")))
	pg.Login = strings.TrimSpace(f.Get("login"))
	pg.Resume = web.ResumeFrom(f, localPath)
	ss, err := p.Sessions.SignIn(r.Context(), access.SignIn{Login: pg.Login, Password: f.Get("password"),
		Addr: p.Proxies.ClientAddr(r), UserAgent: r.UserAgent(), Console: false})
	if err != nil {
		status := web.StatusOf(desk.ErrorCode(err))
		if status == http.StatusInternalServerError {
			return err
		}
		if status == http.StatusServiceUnavailable {
			web.Unavailable(w, r, p.log(), "portal", err) // the form again, with the login typed
		}
		pg.Message, pg.Error, pg.Failed = sentence(desk.Message(err)), true, true
		return p.render(w, r, status, "signin", pg)
	}
	p.setSession(w, r, ss.Token)
	if pg.Resume != nil {
		return p.offerResume(w, r, &visit{Session: ss, Token: ss.Token}, *pg.Resume, pg.Next)
	}
	return seeOther(w, r, pg.Next)
}

func (p *Portal) signout(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := p.Sessions.SignOut(r.Context(), v.Token, store.SurfacePortal, v.Actor.Addr); err != nil {
		return err
	}
	p.clearSession(w, r)
	return seeOther(w, r, p.signOutURL(v))
}

// signinAgain answers a request without a valid session: the sign-in form, in place, returning
// to the page asked for (or, for a form post, to the page the form was on: nothing was saved,
// and what the form held is kept for sending after signing in, resume.go).
func (p *Portal) signinAgain(w http.ResponseWriter, r *http.Request, err error) {
	p.clearSession(w, r)
	msg := desk.Message(err)
	if msg == "please sign in" {
		msg = "Please sign in to continue."
	} else {
		msg = sentence(msg)
	}
	next := localPath(r.URL.RequestURI())
	var rs *web.Resume
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if i := strings.LastIndex(r.URL.Path, "/"); i > 0 && strings.HasPrefix(r.URL.Path, prefix+"calls/") && r.URL.Path != prefix+"calls/new" {
			next = localPath(r.URL.Path[:i])
		}
		rs, msg = p.keepForm(w, r, msg)
	}
	pg := p.signinPage(msg, false, next)
	pg.Resume = rs
	p.renderOrLog(w, r, http.StatusUnauthorized, "signin", pg)
}
