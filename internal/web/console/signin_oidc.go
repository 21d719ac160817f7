package console

import (
	"net/http"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/sso"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// SSOHandoff finishes single sign-ons that were started elsewhere than the console: the portal
// (package portal), whose sign-ins come back through the console's callback and assertion
// consumer service, the one address registered with the identity provider.
type SSOHandoff interface {
	FinishSSO(w http.ResponseWriter, r *http.Request, res sso.Result, err error, via string)
}

// ssoRoutes are single sign-on's endpoints, present only when the console has an OpenID
// provider configured.
func (c *Console) ssoRoutes() []route {
	if c.SSO == nil {
		return nil
	}
	return []route{
		{"GET", "/signin/oidc", access.Public, c.ssoBegin},
		{"GET", "/signin/oidc/callback", access.Public, c.ssoCallback},
	}
}

// ssoBegin sends the browser to the identity provider, to come back to next.
func (c *Console) ssoBegin(w http.ResponseWriter, r *http.Request, _ *visit) error {
	return c.SSO.Begin(w, r, localPath(r.URL.Query().Get("next")))
}

// ssoCallback finishes a single sign-on through the OpenID provider.
func (c *Console) ssoCallback(w http.ResponseWriter, r *http.Request, _ *visit) error {
	res, err := c.SSO.Finish(w, r)
	return c.ssoFinish(w, r, res, err, "oidc")
}

// ssoFinish ends a single sign-on through any protocol (via): a session for the matched analyst,
// or a page saying why not. A protocol failure shows the sign-in page with the reason (signing
// in again is the cure); an identity calldesk does not know, or may not let into the console,
// gets a page saying what to do.
func (c *Console) ssoFinish(w http.ResponseWriter, r *http.Request, res sso.Result, err error, via string) error {
	if c.Portal != nil && strings.HasPrefix(res.Back, web.PortalPrefix) {
		// A sign-in started on the portal: the portal finishes it, with its own session and pages.
		c.Portal.FinishSSO(w, r, res, err, via)
		return nil
	}
	if err == nil {
		if rerr := access.Require(res.Account, access.WorkCalls); rerr != nil {
			err = desk.Errorf(desk.EFORBIDDEN, "you signed in as %s: %s", res.Identity, desk.Message(rerr))
		}
	}
	// A refused single sign-on is part of the record.
	if aerr := sso.AuditRefusal(r.Context(), c.Store, c.now(), c.Proxies.ClientAddr(r), via, res, err); aerr != nil {
		return aerr
	}
	switch code := desk.ErrorCode(err); code {
	case "":
	case desk.EUNAUTHORIZED:
		// The cause (the library's words) helps whoever looks after the provider's set-up;
		// the person is shown only the message.
		c.log().Warn("single sign-on refused", "addr", c.Proxies.ClientAddr(r), "err", err)
		c.clearSession(w, r)
		return c.render(w, r, http.StatusUnauthorized, "signin", signinPage{page: c.page(nil, "Sign in"), Next: "/",
			Message: desk.Message(err), Error: true, SSO: c.SSO != nil, SAML: c.SAML != nil})
	case desk.ENOTFOUND, desk.EFORBIDDEN:
		return c.render(w, r, http.StatusForbidden, "error", errorPage{page: c.page(nil, "Cannot sign you in"),
			Status: http.StatusForbidden, Message: desk.Message(err)})
	default:
		return err
	}
	ss, err := c.Sessions.Start(r.Context(), res.Account, store.SurfaceConsole, via, c.Proxies.ClientAddr(r), r.UserAgent())
	if err != nil {
		return err
	}
	c.setSession(w, r, ss.Token)
	http.Redirect(w, r, localPath(res.Back), http.StatusSeeOther)
	return nil
}
