package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
	"calldesk/internal/web/pages"
)

// handlerFunc is a portal handler: it writes the page on success and returns an error otherwise,
// which adapt turns into the right page. v is nil on public routes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// visit is the signed-in person making a request.
type visit struct {
	access.Session
	// Actor is who the store records in diaries and the audit trail, with the client's address.
	Actor desk.Actor
	// Token is the session cookie's value, for sign-out.
	Token string
}

// SSO reports whether the visitor signed in through single sign-on (which proves who they are).
func (v *visit) SSO() bool { return v.Via == "oidc" || v.Via == "saml" }

// csp allows only the portal's own styles: no script at all, no framing, forms only to this site.
const csp = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

// adapt turns a route into an http.Handler: security headers, the session check, the capability
// the route declares (access.Require), the handler, and its error turned into a page. A panic becomes a logged 500.
func (p *Portal) adapt(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rec := recover(); rec != nil {
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				p.fail(w, r, nil, fmt.Errorf("panic: %v", rec))
			}
		}()
		pages.Secure(w.Header(), csp)
		var v *visit
		if rt.Needs == access.Public {
			web.LimitAnonymous(w, r) // a sign-in form is small: nobody may make us read more first
		} else {
			var err error
			if v, err = p.authenticate(r); err != nil {
				p.fail(w, r, nil, err)
				return
			}
			if err := access.Require(v.Account, rt.Needs); err != nil {
				p.fail(w, r, v, err)
				return
			}
		}
		if err := web.CheckRequest(r); err != nil { // no NUL or bad UTF-8 reaches a handler
			p.fail(w, r, v, err)
			return
		}
		if err := rt.handle(w, r, v); err != nil {
			p.fail(w, r, v, err)
		}
	})
}

// authenticate checks the portal's session cookie and that the account may use the portal
// (access.UsePortal: every role but supplier; an analyst is somebody's customer too).
func (p *Portal) authenticate(r *http.Request) (*visit, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, desk.Errorf(desk.EUNAUTHORIZED, "please sign in")
	}
	addr := p.Proxies.ClientAddr(r)
	ss, err := p.Sessions.Check(r.Context(), ck.Value, store.SurfacePortal, addr)
	if err != nil {
		return nil, err
	}
	if err := access.Require(ss.Account, access.UsePortal); err != nil {
		return nil, err
	}
	return &visit{Session: ss, Token: ck.Value, Actor: desk.Actor{PersonID: ss.Person.ID, AccountID: ss.Account.ID,
		Name: ss.Person.Name(), Addr: addr, Surface: desk.SurfacePortal}}, nil
}

// fail turns an error into a response: the sign-in page for a missing or ended session, otherwise
// an error page in plain words. Internal errors are logged here, once, and shown without detail.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		return
	}
	code := desk.ErrorCode(err)
	if code == desk.EUNAUTHORIZED {
		p.signinAgain(w, r, err)
		return
	}
	status := web.StatusOf(code)
	msg := "Something went wrong on our side. It has been noted and nothing was half-saved. Please try again in a moment."
	title := pages.ErrorTitle(status, "")
	var de *desk.Error
	var kept *pages.Kept
	retry := ""
	switch {
	case status == http.StatusServiceUnavailable:
		// The database cannot serve just now: a calm page, with what was typed kept.
		web.Unavailable(w, r, p.log(), "portal", err)
		errors.As(err, &de)
		msg = sentence(de.Message)
		if kept = pages.KeepForm(r); kept == nil && r.Method == http.MethodGet {
			retry = r.URL.RequestURI()
		}
	case status == http.StatusInternalServerError:
		p.log().Error("portal request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case status == http.StatusNotFound:
		msg = "We could not find that page. If you followed a link to one of your calls, it may be mistyped: your calls are listed on your home page."
	case errors.As(err, &de):
		msg, title = sentence(p.zone().Text(de.Message)), pages.ErrorTitle(status, de.Message) // instants the message keeps, in the desk's zone
	}
	p.renderOrLog(w, r, status, "error", errorPage{page: p.page(v, title), Status: status, Message: msg, Kept: kept, Retry: retry})
}

// errorPage is the page shown for an error.
type errorPage struct {
	page
	Status  int
	Message string
	// Kept is the form sent while the desk was briefly unavailable, shown to send again.
	Kept *pages.Kept
	// Retry is the page to try again, for a page that could not be shown while the desk was
	// briefly unavailable.
	Retry string
}

// notFound answers paths the portal does not have.
func (p *Portal) notFound(w http.ResponseWriter, r *http.Request, _ *visit) error {
	v, _ := p.authenticate(r)
	return p.render(w, r, http.StatusNotFound, "error", errorPage{page: p.page(v, pages.ErrorTitle(http.StatusNotFound, "")), Status: http.StatusNotFound,
		Message: "We could not find that page."})
}

// forbidCrossOrigin answers a form posted from another site (a forged request).
func (p *Portal) forbidCrossOrigin(w http.ResponseWriter, r *http.Request) {
	pages.Secure(w.Header(), csp)
	p.renderOrLog(w, r, http.StatusForbidden, "error", errorPage{page: p.page(nil, "This form was sent from another website"), Status: http.StatusForbidden,
		Message: "This form was sent from another website, so we did not act on it. If you meant to do this, open SupportMe yourself and do it there."})
}

// localPath returns path, cleaned, when it is a page of the portal, the portal's home otherwise:
// a next= parameter must never send someone to another site, or out of the portal
// (pages.LocalPath, shared with the console).
func localPath(path string) string { return pages.LocalPath(path, prefix) }

// sentence starts s with a capital and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
