package portal

import "net/http"

// sessionCookie holds the portal's session token, apart from the console's (calldesk_session):
// signing in to one does not sign in to the other. The database keeps only its hash.
const sessionCookie = "calldesk_portal"

// setSession gives the browser the session cookie, for the portal's paths only: HttpOnly,
// SameSite=Lax, Secure when served over TLS. The server ends sessions (idle and absolute limits).
func (p *Portal) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: prefix, HttpOnly: true,
		Secure: p.Secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// clearSession removes the session cookie.
func (p *Portal) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: prefix, HttpOnly: true,
		Secure: p.Secure || r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
