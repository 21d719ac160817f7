package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSignInOddInput (issue 13 review, points 6 and 7): a 12 KB login is a wrong login (401 on
// both engines; PostgreSQL answered 500), and a right password from a browser whose User-Agent
// is cut inside a character, or is not UTF-8, signs in.
func TestSignInOddInput(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		var b strings.Builder
		for x := uint32(1); b.Len() < 12<<10; x = x*1664525 + 1013904223 {
			b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[x>>16%36])
		}
		e.client().post("/signin", url.Values{"login": {b.String()}, "password": {password}, "next": {"/"}}).
			must(t, http.StatusUnauthorized).has(t, "the login or the password is wrong")
		for _, ua := range []string{strings.Repeat("a", 299) + "é", "Mozilla/5.0 \xff(X11)"} {
			c := e.client()
			req, _ := http.NewRequest("POST", e.url+"/signin", strings.NewReader(url.Values{"login": {e.f.Ann.Username}, "password": {password}, "next": {"/"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("User-Agent", ua)
			c.do(req).must(t, http.StatusSeeOther)
		}
	})
}
