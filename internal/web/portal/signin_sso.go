package portal

import (
	"net/http"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/sso"
	"calldesk/internal/store"
	"calldesk/internal/web/pages"
)

// ssoRoutes start single sign-on from the portal, through whichever providers are configured.
// The provider sends the browser back to the console's callback or assertion consumer service
// (the one address registered with it), which hands a sign-in that began here to FinishSSO.
func (p *Portal) ssoRoutes() []route {
	var rs []route
	if p.SSO != nil {
		rs = append(rs, route{"GET", prefix + "signin/oidc", access.Public, p.oidcBegin})
	}
	if p.SAML != nil {
		rs = append(rs, route{"GET", prefix + "signin/saml", access.Public, p.samlBegin})
	}
	return rs
}

// oidcBegin sends the browser to the OpenID provider, to come back to a portal page.
func (p *Portal) oidcBegin(w http.ResponseWriter, r *http.Request, _ *visit) error {
	return p.SSO.Begin(w, r, localPath(r.URL.Query().Get("next")))
}

// samlBegin sends the browser to the SAML identity provider, to come back to a portal page.
func (p *Portal) samlBegin(w http.ResponseWriter, r *http.Request, _ *visit) error {
	return p.SAML.Begin(w, r, localPath(r.URL.Query().Get("next")))
}

// FinishSSO ends a single sign-on that began on the portal (res.Back is a portal page), through
// the protocol via: a portal session for the matched person, back where they were going; or the
// portal's page saying why not, recorded in the audit trail. With EnrolPartners, an identity the
// register does not hold becomes a partner with a customer's account (sso.Result.Enrol).
func (p *Portal) FinishSSO(w http.ResponseWriter, r *http.Request, res sso.Result, err error, via string) {
	pages.Secure(w.Header(), csp)
	if ferr := p.finishSSO(w, r, res, err, via); ferr != nil {
		p.fail(w, r, nil, ferr)
	}
}

func (p *Portal) finishSSO(w http.ResponseWriter, r *http.Request, res sso.Result, err error, via string) error {
	ctx, addr := r.Context(), p.Proxies.ClientAddr(r)
	if err != nil && res.Unknown && p.EnrolPartners {
		res, err = res.Enrol(ctx, desk.Actor{Name: "single sign-on (" + via + ")", Addr: addr})
	}
	if sso.Left(err) {
		// A leaver: the portal may still admit them for its grace period, to follow their calls.
		err = p.Sessions.Admit(res.Account, res.Person, store.SurfacePortal)
	}
	if err == nil {
		if rerr := access.Require(res.Account, access.UsePortal); rerr != nil {
			err = desk.Errorf(desk.EFORBIDDEN, "you signed in as %s: %s", res.Identity, desk.Message(rerr))
		}
	}
	if aerr := sso.AuditRefusal(ctx, p.Store, p.now(), addr, via, res, err); aerr != nil {
		return aerr
	}
	switch desk.ErrorCode(err) {
	case "":
	case desk.EUNAUTHORIZED:
		// The cause (the library's words) helps whoever looks after the provider's set-up; the
		// person is shown the message, and signing in again is the cure.
		p.log().Warn("single sign-on refused", "addr", addr, "via", via, "err", err)
		p.clearSession(w, r)
		return p.render(w, r, http.StatusUnauthorized, "signin", p.signinPage(sentence(desk.Message(err)), true, localPath(res.Back)))
	case desk.ENOTFOUND, desk.EFORBIDDEN, desk.EINVALID:
		return p.render(w, r, http.StatusForbidden, "error", errorPage{page: p.page(nil, "We cannot sign you in"),
			Status: http.StatusForbidden, Message: sentence(desk.Message(err))})
	default:
		return err
	}
	ss, err := p.Sessions.Start(ctx, res.Account, store.SurfacePortal, via, addr, r.UserAgent())
	if err != nil {
		return err
	}
	p.setSession(w, r, ss.Token)
	return seeOther(w, r, localPath(res.Back))
}

// signOutURL is where the browser goes after signing out of the portal: the OpenID provider's
// end-session endpoint when the session began there (or the next "sign in with your university
// account" would pass straight through), the sign-in page otherwise.
func (p *Portal) signOutURL(v *visit) string {
	if p.SSO != nil && v.Via == "oidc" {
		if u := p.SSO.SignOutURL(""); u != "" {
			return u
		}
	}
	return prefix + "signin?out=1"
}

// ssoOnly reports whether customers must sign in through single sign-on: a provider is
// configured and local passwords are kept for break-glass administrators (or for nobody).
func (p *Portal) ssoOnly() bool {
	return (p.SSO != nil || p.SAML != nil) && p.Sessions.Passwords != "" && p.Sessions.Passwords != access.PasswordsAll
}
