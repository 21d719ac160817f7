package console

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

func (c *Console) signinRoutes() []route {
	return []route{
		{"GET", "/signin", access.Public, c.signinForm},
		{"POST", "/signin", access.Public, c.signin},
		{"POST", "/signout", access.WorkCalls, c.signout},
	}
}

// signinPage is the sign-in form. Resume carries a form whose session ended while it was being
// sent, so that signing in again can send it without retyping.
type signinPage struct {
	page
	Login   string
	Next    string
	Message string // why sign-in is shown: a session that ended, a wrong password
	Error   bool   // Message is an error (a failed attempt), not a notice
	Resume  *web.Resume
	SSO     bool // single sign-on through an OpenID provider is offered
	SAML    bool // single sign-on through a SAML identity provider is offered
}

// resumePage offers to send a kept form after signing in again.
type resumePage struct {
	page
	Resume web.Resume
	Back   string
}

func (c *Console) signinForm(w http.ResponseWriter, r *http.Request, _ *visit) error {
	next := localPath(r.URL.Query().Get("next"))
	if v, err := c.authenticate(r); err == nil && v != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	p := signinPage{page: c.page(nil, "Sign in"), Next: next, SSO: c.SSO != nil, SAML: c.SAML != nil}
	if r.URL.Query().Get("out") == "1" {
		p.Message = "You have signed out."
	}
	return c.render(w, r, http.StatusOK, "signin", p)
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request, _ *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the sign-in form could not be read: %v", err)
	}
	f := r.PostForm
	p := signinPage{page: c.page(nil, "Sign in"), Login: strings.TrimSpace(f.Get("login")), Next: localPath(f.Get("next")), SSO: c.SSO != nil, SAML: c.SAML != nil}
	p.Resume = web.ResumeFrom(f, localPath)
	ss, err := c.Sessions.SignIn(r.Context(), access.SignIn{Login: p.Login, Password: f.Get("password"),
		Addr: c.Proxies.ClientAddr(r), UserAgent: r.UserAgent(), Console: true})
	if err != nil {
		status := web.StatusOf(desk.ErrorCode(err))
		if status == http.StatusInternalServerError {
			return err
		}
		if status == http.StatusServiceUnavailable {
			web.Unavailable(w, r, c.log(), "console", err) // the form again, with the login typed
		}
		p.Message, p.Error = desk.Message(err), true
		return c.render(w, r, status, "signin", p)
	}
	c.setSession(w, r, ss.Token)
	if ss.Pending != "" {
		// The second factor, or enrolment in it, comes before any page.
		http.Redirect(w, r, pendingPage(ss.Pending, p.Next), http.StatusSeeOther)
		return nil
	}
	if p.Resume != nil {
		v := &visit{Session: ss, Token: ss.Token}
		return c.render(w, r, http.StatusOK, "resume", resumePage{page: c.page(v, "Send what you were saving"),
			Resume: *p.Resume, Back: p.Next})
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := c.Sessions.SignOut(r.Context(), v.Token, store.SurfaceConsole, v.Actor.Addr); err != nil {
		return err
	}
	c.clearSession(w, r)
	if c.SSO != nil && v.Via == "oidc" {
		// Signed in at the provider: end that session too, where the provider supports it,
		// or the next "sign in with your university account" would pass straight through.
		if u := c.SSO.SignOutURL(""); u != "" {
			http.Redirect(w, r, u, http.StatusSeeOther)
			return nil
		}
	}
	http.Redirect(w, r, "/signin?out=1", http.StatusSeeOther)
	return nil
}

// signinAgain answers a request without a valid session. A page shows the sign-in form in place
// (and returns to the page); a form post keeps what was being sent, so that nothing typed is lost;
// an htmx request sends the browser to sign in.
func (c *Console) signinAgain(w http.ResponseWriter, r *http.Request, err error) {
	c.clearSession(w, r)
	msg := desk.Message(err)
	if msg == "please sign in" {
		msg = ""
	}
	here := r.URL.RequestURI()
	if isHTMX(r) {
		// Part of a page asked (a lookup, a refresh): leaving the page now would lose what is
		// typed in it, so answer with the reason; console.js shows it with a link to sign in
		// in a new tab, after which the page carries on.
		if msg == "" {
			msg = "you are not signed in"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `<p class="alert" role="alert">%s</p>`, template.HTMLEscapeString(msg))
		return
	}
	p := signinPage{page: c.page(nil, "Sign in"), Message: msg, Next: localPath(here), SSO: c.SSO != nil, SAML: c.SAML != nil}
	if r.Method == http.MethodPost {
		// Without a session only a little is read, and no file's content (web.ReadKeptForm).
		if pf, cut := web.ReadKeptForm(w, r); len(pf.Values) > 0 {
			p.Resume = web.NewResume(localPath(r.URL.Path), pf)
			p.Next = localPath(pf.Values.Get("back"))
			if p.Next == "/" {
				p.Next = backFrom(r.URL.Path)
			}
			p.Message = strings.TrimSpace(msg + " Nothing was saved, and what you typed is kept: sign in to send it.")
			if cut {
				p.Message += " Only its start could be kept: check it before sending."
			}
			if len(pf.Names) > 0 {
				p.Message += " The files you attached cannot be kept: attach them again."
			}
		}
	}
	c.renderOrLog(w, r, http.StatusUnauthorized, "signin", p)
}

// backFrom is the page a form posted to path was on: the call page for its actions
// (/calls/F0012345/note), the form itself for one that has its own page (/calls/new).
func backFrom(path string) string {
	if path == "/calls/new" {
		return path
	}
	if i := strings.LastIndex(path, "/"); i > 0 {
		return localPath(path[:i])
	}
	return "/"
}
