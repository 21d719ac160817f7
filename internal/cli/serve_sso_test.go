package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
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
		err = s.SetPassword(ctx, f.Admin, acct.ID, hash)
	}
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr
	op := ssotest.Start(t, ssotest.Directory(), map[string]string{"calldesk": base + "/signin/oidc/callback"})
	key := make([]byte, 32)
	rand.Read(key)

	sctx, cancel := context.WithCancel(ctx)
	out, errb := &storetest.SyncBuffer{}, &storetest.SyncBuffer{}
	done := make(chan int)
	go func() {
		done <- Main(sctx, Env{Args: []string{"serve", "--db", path, "--addr", addr, "--log-level", "warn",
			"--oidc-issuer", op.URL, "--oidc-client-id", "calldesk", "--oidc-redirect-url", base + "/signin/oidc/callback",
			"--oidc-domain", "uni.example"},
			Getenv: func(k string) string {
				return map[string]string{"CALLDESK_OIDC_CLIENT_SECRET": ssotest.Secret,
					"CALLDESK_OIDC_COOKIE_KEY": base64.StdEncoding.EncodeToString(key)}[k]
			}, Stdout: out, Stderr: errb})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	for i := 0; i < 300 && !regexp.MustCompile(`serving on`).MatchString(out.String()); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "serving on") {
		t.Fatalf("serve did not start: %q %q", out.String(), errb.String())
	}
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
}

func TestServeSingleSignOnNeedsItsSettings(t *testing.T) {
	path, _, _, _ := seededDB(t)
	r := runCLI(t, nil, "serve", "--db", path, "--addr", "127.0.0.1:0", "--oidc-issuer", "https://login.example/")
	if r.code != 2 || !strings.Contains(r.stderr, "single sign-on needs --oidc-client-id, --oidc-redirect-url and --oidc-cookie-key") {
		t.Fatalf("serve with an issuer only: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, nil, "serve", "--db", path, "--oidc-cookie-key", "c2hvcnQ=")
	if r.code != 2 || !strings.Contains(r.stderr, "--oidc-cookie-key=(secret): must be 32 bytes in base64") {
		t.Fatalf("a short cookie key: %d %q", r.code, r.stderr)
	}
}
