package cli

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"calldesk/internal/sso/ssotest"
)

// TestServeTrustEmail: with CALLDESK_OIDC_TRUST_EMAIL=true, an OpenID provider that releases
// email addresses without email_verified (as Entra ID does) signs people in by --oidc-claim
// email; without it they are refused (internal/sso's TestEmailMustBeVerified).
func TestServeTrustEmail(t *testing.T) {
	path, _, _, _ := seededDB(t)
	addr := freeAddr(t)
	base := "http://" + addr
	op := ssotest.StartWith(t, ssotest.Directory(), map[string]string{"calldesk": base + "/signin/oidc/callback"},
		ssotest.Options{UserInfo: func(c map[string]any) { delete(c, "email_verified") }})
	key := make([]byte, 32)
	rand.Read(key)
	startServeAt(t, addr, path, map[string]string{"CALLDESK_OIDC_CLIENT_SECRET": ssotest.Secret,
		"CALLDESK_SSO_COOKIE_KEY": base64.StdEncoding.EncodeToString(key), "CALLDESK_OIDC_TRUST_EMAIL": "true"},
		"--oidc-issuer", op.URL, "--oidc-client-id", "calldesk", "--oidc-redirect-url", base+"/signin/oidc/callback",
		"--oidc-claim", "email")
	jar, _ := cookiejar.New(nil)
	ann := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := ann.Get(base + "/signin/oidc?next=/queues/open")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb := ssotest.SignIn(t, ann, res.Header.Get("Location"), "AArcher@uni.example")
	res, err = ann.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/queues/open" {
		t.Fatalf("Ann signing in by an email her trusted provider did not mark verified: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
}
