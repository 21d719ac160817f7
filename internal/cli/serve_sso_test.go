package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
)

// TestServeWithSingleSignOn: serve configured for an OpenID provider offers it on the console's
// sign-in page, sends the browser to the provider, and (local-passwords auto) keeps passwords
// for administrators only.
func TestServeWithSingleSignOn(t *testing.T) {
	path, _, f, _ := seededDB(t)
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := access.HashPassword("a long test password 1")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := s.FindAccountByLogin(ctx, "aarcher")
	if err == nil {
		_, err = s.SetPassword(ctx, f.Admin, acct.ID, hash, "")
	}
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	base := "http://" + addr
	op := ssotest.Start(t, ssotest.Directory(), map[string]string{"calldesk": base + "/signin/oidc/callback"})
	key := make([]byte, 32)
	rand.Read(key)

	startServeAt(t, addr, path, map[string]string{"CALLDESK_OIDC_CLIENT_SECRET": ssotest.Secret,
		"CALLDESK_SSO_COOKIE_KEY": base64.StdEncoding.EncodeToString(key)},
		"--oidc-issuer", op.URL, "--oidc-client-id", "calldesk", "--oidc-redirect-url", base+"/signin/oidc/callback",
		"--sso-domain", "uni.example", "--sso-enrol-partners", "true")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "Sign in with your university account") {
		t.Fatalf("the sign-in page offers no single sign-on:\n%s", body)
	}
	res, err = hc.Get(base + "/signin/oidc?next=/queues/open")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode/100 != 3 || !strings.HasPrefix(loc, op.URL) {
		t.Fatalf("/signin/oidc: %d to %q, want a redirect to the provider %s", res.StatusCode, loc, op.URL)
	}
	// With single sign-on, an analyst's local password no longer signs in (only administrators').
	res, err = hc.PostForm(base+"/signin", url.Values{"login": {"aarcher"}, "password": {"a long test password 1"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "sign in with your university account") {
		t.Fatalf("an analyst's password with single sign-on: %d\n%s", res.StatusCode, body)
	}

	// The portal offers only single sign-on, and, with --sso-enrol-partners, Zed (unknown to the
	// register) becomes a partner at his first sign-in there.
	res, err = hc.Get(base + "/portal/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "/portal/signin/oidc") || strings.Contains(string(body), `type="password"`) {
		t.Fatalf("the portal's sign-in page with single sign-on:\n%s", body)
	}
	jar, _ := cookiejar.New(nil)
	zed := &http.Client{Jar: jar, CheckRedirect: hc.CheckRedirect}
	res, err = zed.Get(base + "/portal/signin/oidc?next=/portal/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb := ssotest.SignIn(t, zed, res.Header.Get("Location"), "zed@uni.example")
	res, err = zed.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal/me" {
		t.Fatalf("Zed's first sign-in to the portal: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = zed.Get(base + "/portal/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "Zulu") {
		t.Fatalf("Zed's details after enrolling: %d\n%s", res.StatusCode, body)
	}
}

func TestServeSingleSignOnNeedsItsSettings(t *testing.T) {
	path, _, _, _ := seededDB(t)
	key := "--sso-cookie-key=" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--oidc-issuer", "https://login.example/"}, "single sign-on needs --sso-cookie-key"},
		{[]string{"--oidc-issuer", "https://login.example/", key}, "single sign-on through --oidc-issuer needs --oidc-client-id and --oidc-redirect-url"},
		{[]string{"--saml-idp-metadata", "/nonexistent/idp.xml", key}, "single sign-on through --saml-idp-metadata needs --saml-base-url, --saml-key-file and --saml-cert-file"},
		{[]string{"--saml-idp-metadata", "/nonexistent/idp.xml", key, "--saml-base-url", "https://desk.uni.example", "--saml-key-file", "/nonexistent/k.pem", "--saml-cert-file", "/nonexistent/c.pem"}, "--saml-key-file: open /nonexistent/k.pem"},
		{[]string{"--sso-cookie-key", "c2hvcnQ="}, "--sso-cookie-key=(secret): must be 32 bytes in base64"},
		{[]string{"--saml-base-url", "desk.uni.example"}, "--saml-base-url=desk.uni.example: is not an http(s) URL"},
	} {
		r := runCLI(t, nil, append([]string{"serve", "--db", path, "--addr", "127.0.0.1:0"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("serve %v: %d %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestServeWithSAML: serve configured for a SAML identity provider (its metadata from a file)
// publishes calldesk's SP metadata, offers the provider on the sign-in page and sends the
// browser to it.
func TestServeWithSAML(t *testing.T) {
	path, _, _, _ := seededDB(t)
	idp := ssotest.StartSAMLIdP(t)
	dir := t.TempDir()
	kp := ssotest.NewKeyPair(t, "calldesk")
	files := map[string][]byte{"idp.xml": idp.Metadata(t), "sp.key": kp.KeyPEM, "sp.crt": kp.CertPEM}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Metadata not signed by the configured federation certificate stops serve, saying so.
	r := runCLI(t, nil, "serve", "--db", path, "--addr", "127.0.0.1:0", "--saml-idp-metadata", filepath.Join(dir, "idp.xml"),
		"--saml-base-url", "http://127.0.0.1:1", "--saml-key-file", filepath.Join(dir, "sp.key"), "--saml-cert-file", filepath.Join(dir, "sp.crt"),
		"--saml-idp-metadata-cert", filepath.Join(dir, "sp.crt"), "--sso-cookie-key", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	if r.code == 0 || !strings.Contains(r.stderr, "not signed by the configured metadata signing certificate") {
		t.Fatalf("serve with unsigned federation metadata: %d %q", r.code, r.stderr)
	}
	addr := freeAddr(t)
	base := "http://" + addr
	startServeAt(t, addr, path, nil,
		"--saml-idp-metadata", filepath.Join(dir, "idp.xml"), "--saml-base-url", base,
		"--saml-key-file", filepath.Join(dir, "sp.key"), "--saml-cert-file", filepath.Join(dir, "sp.crt"),
		"--sso-cookie-key", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(p string) (*http.Response, string) {
		res, err := hc.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	if res, body := get("/saml/metadata"); res.StatusCode != 200 || !strings.Contains(body, base+"/signin/saml/acs") {
		t.Fatalf("SP metadata: %d\n%s", res.StatusCode, body)
	}
	if _, body := get("/signin"); !strings.Contains(body, "/signin/saml") {
		t.Fatalf("the sign-in page offers no SAML sign-in:\n%s", body)
	}
	if res, _ := get("/signin/saml?next=/"); res.StatusCode/100 != 3 || !strings.HasPrefix(res.Header.Get("Location"), idp.URL) {
		t.Fatalf("/signin/saml: %d to %q, want the identity provider %s", res.StatusCode, res.Header.Get("Location"), idp.URL)
	}
}
