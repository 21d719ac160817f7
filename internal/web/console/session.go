package console

import (
	"net/http"
)

// sessionCookie holds the session token. The database keeps only its hash.
const sessionCookie = "calldesk_session"

// setSession gives the browser the session cookie: HttpOnly (no script reads it), SameSite=Lax
// (not sent on another site's form posts), Secure when the request came over TLS or calldesk is
// configured as served over TLS (behind a proxy that ends TLS, r.TLS is nil). It has no
// expiry of its own: the server ends sessions (idle and absolute limits), and the browser drops
// the cookie when it closes.
func (c *Console) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: c.Secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// clearSession removes the session cookie.
func (c *Console) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: c.Secure || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
