package console

import (
	"net/http"

	"calldesk/internal/access"
	"calldesk/internal/sso"
	"calldesk/internal/web"
)

// samlACSPath is the console's SAML assertion consumer service, where the identity provider has
// the browser POST its response.
const samlACSPath = "/signin/saml/acs"

// anonymousBody is how much a request to public route rt may send before anything is checked:
// web.MaxAnonymousBody (a sign-in form), but the identity provider's response posted to the
// assertion consumer service may be as large as the SAML code reads, sso.MaxResponse (1 MiB: one
// with many group attributes passes 256 KiB). One limit for that route, the SAML code's.
func (rt route) anonymousBody() int64 {
	if rt.Method == http.MethodPost && rt.Pattern == samlACSPath {
		return sso.MaxResponse
	}
	return web.MaxAnonymousBody
}

// samlRoutes are SAML single sign-on's endpoints, present only when the console has a SAML
// identity provider configured.
func (c *Console) samlRoutes() []route {
	if c.SAML == nil {
		return nil
	}
	return []route{
		{"GET", "/signin/saml", access.Public, c.samlBegin},
		{"POST", samlACSPath, access.Public, c.samlACS},
		{"GET", "/saml/metadata", access.Public, c.samlMetadata},
	}
}

// samlBegin sends the browser to the identity provider, to come back to next.
func (c *Console) samlBegin(w http.ResponseWriter, r *http.Request, _ *visit) error {
	return c.SAML.Begin(w, r, localPath(r.URL.Query().Get("next")))
}

// samlACS finishes a SAML single sign-on: a session for the matched analyst, or a page saying
// why not.
func (c *Console) samlACS(w http.ResponseWriter, r *http.Request, _ *visit) error {
	res, err := c.SAML.Finish(w, r)
	return c.ssoFinish(w, r, res, err, "saml")
}

// samlMetadata serves calldesk's SP metadata, for registering it with the identity provider
// or federation. It is public and may be cached.
func (c *Console) samlMetadata(w http.ResponseWriter, _ *http.Request, _ *visit) error {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	return c.SAML.Metadata(w)
}
