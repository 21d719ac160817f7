package sso

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

const callbackPath = "/signin/oidc/callback"

// tokenTap records the ID tokens a relying party receives from the token endpoint, so tests can
// present a real provider's token to another relying party.
type tokenTap struct {
	mu  sync.Mutex
	ids []string
}

func (tt *tokenTap) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/token") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if json.Unmarshal(body, &tok) == nil && tok.IDToken != "" {
		tt.mu.Lock()
		tt.ids = append(tt.ids, tok.IDToken)
		tt.mu.Unlock()
	}
	return resp, nil
}

func (tt *tokenTap) last(t *testing.T) string {
	t.Helper()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if len(tt.ids) == 0 {
		t.Fatal("no ID token was received")
	}
	return tt.ids[len(tt.ids)-1]
}

// rp is a relying party under test: its callback server and what it received.
type rp struct {
	*OIDC
	srv   *httptest.Server
	tap   *tokenTap
	clock *atomic.Int64 // offset from the real time, in nanoseconds
	// enrol has the callback enrol an unknown identity as a partner, as the portal does with
	// --sso-enrol-partners.
	enrol bool
}

// startRP serves Begin at /signin/oidc and Finish at the callback, answering with the signed-in
// login, or the error's code and message; init configures it once the provider runs (which
// needs the callback URL first).
func startRP(t *testing.T) *rp {
	t.Helper()
	r := &rp{tap: &tokenTap{}, clock: &atomic.Int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /signin/oidc", func(w http.ResponseWriter, req *http.Request) {
		if err := r.Begin(w, req, req.URL.Query().Get("back")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET "+callbackPath, func(w http.ResponseWriter, req *http.Request) {
		res, err := r.Finish(w, req)
		if err != nil && res.Unknown && r.enrol {
			res, err = res.Enrol(req.Context(), desk.Actor{Name: "single sign-on (test)"})
		}
		if err != nil {
			t.Logf("callback refused: %v", err)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, desk.ErrorCode(err)+": "+desk.Message(err))
			return
		}
		io.WriteString(w, "signed in: "+res.Account.Login+" as "+res.Identity+" back to "+res.Back)
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rp) init(t *testing.T, s *store.Store, configure func(*Config)) {
	t.Helper()
	cfg := Config{ClientID: "calldesk", ClientSecret: ssotest.Secret, RedirectURL: r.srv.URL + callbackPath,
		Domain: "uni.example", CookieKey: bytes.Repeat([]byte{7}, 32), Store: s, EndSession: true,
		PostLogoutRedirectURL: r.srv.URL + "/signed-out",
		HTTPClient:            &http.Client{Transport: r.tap, Timeout: 10 * time.Second},
		Now:                   func() time.Time { return time.Now().Add(time.Duration(r.clock.Load())) }}
	configure(&cfg)
	var err error
	r.OIDC, err = New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("new relying party: %v", err)
	}
}

// browser is a plain HTTP client with a cookie jar that stops at any relying party's callback,
// so tests can see (and tamper with) the response before it arrives.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == callbackPath || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// authorize starts signing in at the relying party and signs in at the provider's login form as
// username, returning the callback URL the provider sends the browser back to.
func authorize(t *testing.T, b *http.Client, r *rp, username string) *url.URL {
	t.Helper()
	resp, err := b.Get(r.srv.URL + "/signin/oidc?back=/calls/F0000001")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("begin: expected the provider's login page, got %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp = ssotest.Login(t, b, resp.Request.URL, username)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cb, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || cb.Path != callbackPath {
		t.Fatalf("login at the provider: expected a redirect to the callback, got %d %v: %s", resp.StatusCode, err, body)
	}
	return cb
}

// callback delivers a callback URL through browser b and returns the status and body.
func callback(t *testing.T, b *http.Client, cb *url.URL) (int, string) {
	t.Helper()
	resp, err := b.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func wantRefused(t *testing.T, status int, body string, code, words string) {
	t.Helper()
	if !strings.HasPrefix(body, code+": ") || !strings.Contains(body, words) {
		t.Fatalf("expected %s mentioning %q, got %d %q", code, words, status, body)
	}
}

// seedAccounts gives Ann an analyst account; Dan (a customer in the register) has none.
func seedAccounts(t *testing.T, e *storetest.Env) desk.Account {
	t.Helper()
	acct, err := e.S.CreateAccount(context.Background(), e.F.Admin, desk.Account{PersonID: e.F.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

// env is one test's provider and calldesk relying party, on one engine's store.
type env struct {
	e  *storetest.Env
	op *httptest.Server
	rp *rp
}

// newEnv starts a provider with calldesk (and more clients) registered, redirecting to one
// relying party's callback.
func newEnv(t *testing.T, e *storetest.Env, configure func(*Config)) *env {
	t.Helper()
	r := startRP(t)
	op := startOP(t, map[string]string{"calldesk": r.srv.URL + callbackPath, "other-app": r.srv.URL + callbackPath})
	r.init(t, e.S, func(c *Config) {
		c.Issuer = op.URL
		if configure != nil {
			configure(c)
		}
	})
	return &env{e: e, op: op, rp: r}
}

func TestSignInMatchesAPerson(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		v := newEnv(t, e, nil)
		b := browser(t)
		cb := authorize(t, b, v.rp, "AArcher@uni.example")
		status, body := callback(t, b, cb)
		if status != 200 || body != "signed in: aarcher as AArcher@uni.example back to /calls/F0000001" {
			t.Fatalf("good sign-in: got %d %q", status, body)
		}
		// Finish cleared the flow cookie: the browser holds no sign-in in progress.
		rpURL, _ := url.Parse(v.rp.srv.URL)
		for _, c := range b.Jar.Cookies(rpURL) {
			if c.Name == "calldesk_sso" {
				t.Fatalf("the flow cookie outlived the sign-in: %v", c)
			}
		}
	})
}

func TestSignInRefusals(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		v := newEnv(t, e, nil)

		t.Run("forged state", func(t *testing.T) {
			b := browser(t)
			cb := authorize(t, b, v.rp, "AArcher@uni.example")
			q := cb.Query()
			q.Set("state", randomString())
			cb.RawQuery = q.Encode()
			status, body := callback(t, b, cb)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "its state differs")
		})
		t.Run("no flow cookie", func(t *testing.T) {
			cb := authorize(t, browser(t), v.rp, "AArcher@uni.example")
			status, body := callback(t, browser(t), cb) // another browser
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not started from this browser")
		})
		t.Run("replayed callback", func(t *testing.T) {
			b := browser(t)
			cb := authorize(t, b, v.rp, "AArcher@uni.example")
			rpURL, _ := url.Parse(v.rp.srv.URL)
			cookies := b.Jar.Cookies(rpURL) // what an attacker who saw the response would hold
			if status, body := callback(t, b, cb); status != 200 {
				t.Fatalf("first use: %d %s", status, body)
			}
			replay := browser(t)
			replay.Jar.SetCookies(rpURL, cookies)
			status, body := callback(t, replay, cb)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "already used")
		})
		t.Run("sign-in took too long", func(t *testing.T) {
			b := browser(t)
			cb := authorize(t, b, v.rp, "AArcher@uni.example")
			v.rp.clock.Store(int64(11 * time.Minute))
			defer v.rp.clock.Store(0)
			status, body := callback(t, b, cb)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "took longer than 10 minutes")
		})
		t.Run("provider error", func(t *testing.T) {
			b := browser(t)
			cb := authorize(t, b, v.rp, "AArcher@uni.example")
			cb.RawQuery = url.Values{"state": {cb.Query().Get("state")}, "error": {"access_denied"}, "error_description": {"the user cancelled"}}.Encode()
			status, body := callback(t, b, cb)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "access_denied: the user cancelled")
			// Someone else's "error" (no matching state) is refused without showing its text.
			cb2 := authorize(t, b, v.rp, "AArcher@uni.example")
			cb2.RawQuery = url.Values{"state": {"forged"}, "error": {"access_denied"}, "error_description": {"call 0800 000000"}}.Encode()
			status, body = callback(t, b, cb2)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "its state differs")
			if strings.Contains(body, "0800") {
				t.Fatalf("a forged error's text was shown: %q", body)
			}
		})
		t.Run("unknown identity", func(t *testing.T) {
			b := browser(t)
			status, body := callback(t, b, authorize(t, b, v.rp, "zed@uni.example"))
			wantRefused(t, status, body, desk.ENOTFOUND, "unknown identity: you signed in as zed@uni.example")
			if !strings.Contains(body, "Ask the service desk") {
				t.Fatalf("the refusal does not say what to do: %q", body)
			}
		})
		t.Run("another domain's user of the same name", func(t *testing.T) {
			b := browser(t)
			status, body := callback(t, b, authorize(t, b, v.rp, "bbaker@elsewhere.example"))
			wantRefused(t, status, body, desk.ENOTFOUND, "unknown identity")
		})
		t.Run("a person without an account", func(t *testing.T) {
			b := browser(t)
			status, body := callback(t, b, authorize(t, b, v.rp, "ddawson@uni.example"))
			wantRefused(t, status, body, desk.ENOTFOUND, "you have no calldesk account")
			if _, err := e.S.FindAccountByPerson(context.Background(), e.F.Dan.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Fatalf("an account was made silently: %v", err)
			}
		})
		t.Run("a disabled account", func(t *testing.T) {
			dan, err := e.S.CreateAccount(context.Background(), e.F.Admin, desk.Account{PersonID: e.F.Dan.ID, Login: "ddawson", Roles: []desk.Role{desk.RoleCustomer}})
			if err != nil {
				t.Fatal(err)
			}
			e.DB.MustExec(t, `UPDATE accounts SET active = 0 WHERE id = ?`, dan.ID)
			b := browser(t)
			status, body := callback(t, b, authorize(t, b, v.rp, "ddawson@uni.example"))
			wantRefused(t, status, body, desk.EFORBIDDEN, "your calldesk account is disabled")
		})
	})
}

// TestIDTokenChecks presents real ID tokens from the example provider that calldesk must not
// accept: one for another client (wrong audience), one from another provider (wrong issuer), and
// calldesk's own once expired.
func TestIDTokenChecks(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		v := newEnv(t, e, nil)
		ctx := context.Background()

		signIn := func(r *rp) string {
			b := browser(t)
			if status, body := callback(t, b, authorize(t, b, r, "AArcher@uni.example")); status != 200 {
				t.Fatalf("sign-in: %d %s", status, body)
			}
			return r.tap.last(t)
		}
		own := signIn(v.rp)
		if _, err := v.rp.verify(ctx, own, nonceOf(t, own)); err != nil {
			t.Fatalf("calldesk's own fresh ID token was refused: %v", err)
		}

		t.Run("wrong nonce", func(t *testing.T) {
			_, err := v.rp.verify(ctx, own, randomString())
			wantErr(t, err, desk.EUNAUTHORIZED, "nonce differs")
		})
		t.Run("wrong audience", func(t *testing.T) {
			other := startRP(t)
			other.init(t, e.S, func(c *Config) {
				c.Issuer, c.ClientID, c.RedirectURL = v.op.URL, "other-app", v.rp.srv.URL+callbackPath
			})
			// other-app's registration redirects to calldesk's callback server; sign in there
			// through other-app and keep the token it got.
			b := browser(t)
			cb := authorize(t, b, other, "AArcher@uni.example")
			cb.Host = other.srv.Listener.Addr().String()
			if status, body := callback(t, b, cb); status != 200 {
				t.Fatalf("other-app sign-in: %d %s", status, body)
			}
			tok := other.tap.last(t)
			_, err := v.rp.verify(ctx, tok, nonceOf(t, tok))
			wantErr(t, err, desk.EUNAUTHORIZED, "not valid for calldesk")
			if !strings.Contains(err.Error(), "audience") {
				t.Fatalf("refused, but not for its audience: %v", err)
			}
		})
		t.Run("wrong issuer", func(t *testing.T) {
			r2 := startRP(t)
			op2 := startOP(t, map[string]string{"calldesk": r2.srv.URL + callbackPath})
			r2.init(t, e.S, func(c *Config) { c.Issuer = op2.URL })
			tok := signIn(r2)
			_, err := v.rp.verify(ctx, tok, nonceOf(t, tok))
			wantErr(t, err, desk.EUNAUTHORIZED, "not valid for calldesk")
			if !strings.Contains(err.Error(), "issuer") {
				t.Fatalf("refused, but not for its issuer: %v", err)
			}

			// A browser that brings the other provider's code to calldesk's callback, with the
			// state of a sign-in it started at calldesk, is refused too: calldesk redeems codes at
			// its own provider only.
			attacker := browser(t)
			foreign := authorize(t, attacker, r2, "AArcher@uni.example")
			b := browser(t)
			cb := authorize(t, b, v.rp, "AArcher@uni.example")
			q := cb.Query()
			q.Set("code", foreign.Query().Get("code"))
			cb.RawQuery = q.Encode()
			status, body := callback(t, b, cb)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "refused to complete the sign-in")
		})
		t.Run("expired", func(t *testing.T) {
			v.rp.clock.Store(int64(2 * time.Hour)) // the example provider's ID tokens live an hour
			defer v.rp.clock.Store(0)
			_, err := v.rp.verify(ctx, own, nonceOf(t, own))
			wantErr(t, err, desk.EUNAUTHORIZED, "has expired")
		})
		t.Run("discovery naming another issuer", func(t *testing.T) {
			r3 := startRP(t)
			// The provider calls itself http://127.0.0.1:port; reached as localhost it is not the
			// issuer configured, and calldesk will not use it.
			_, err := New(ctx, Config{Issuer: strings.Replace(v.op.URL, "127.0.0.1", "localhost", 1), ClientID: "calldesk",
				RedirectURL: r3.srv.URL + callbackPath, CookieKey: bytes.Repeat([]byte{7}, 32), Store: e.S})
			if err == nil || !strings.Contains(err.Error(), "did not match the issuer") {
				t.Fatalf("expected the issuer mismatch to be refused, got %v", err)
			}
		})
	})
}

func TestSignOutURL(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		v := newEnv(t, e, nil)
		u, err := url.Parse(v.rp.SignOutURL(""))
		if err != nil || u.Host != v.op.Listener.Addr().String() || u.Query().Get("client_id") != "calldesk" ||
			u.Query().Get("post_logout_redirect_uri") != v.rp.srv.URL+"/signed-out" {
			t.Fatalf("sign-out URL: %v %v", u, err)
		}
		off := newEnv(t, e, func(c *Config) { c.EndSession = false })
		if got := off.rp.SignOutURL(""); got != "" {
			t.Fatalf("end session switched off, but the sign-out URL is %q", got)
		}
	})
}

func TestConfigRefusedWhenIncomplete(t *testing.T) {
	_, err := New(context.Background(), Config{Store: &store.Store{}, RedirectURL: "/cb", CookieKey: []byte("short"), MatchBy: "phone"})
	de := desk.AsError(err)
	if de == nil || de.Code != desk.EINVALID {
		t.Fatalf("expected EINVALID, got %v", err)
	}
	for _, f := range []string{"issuer", "client_id", "redirect_url", "cookie_key", "match_by"} {
		if de.Fields[f] == "" {
			t.Errorf("no complaint about %s: %v", f, err)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/calls/F1?x=1": "/calls/F1?x=1", "": "/", "https://evil.example/": "/",
		"//evil.example/": "/", `/\evil.example`: "/", "calls": "/"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func wantErr(t *testing.T, err error, code, words string) {
	t.Helper()
	if desk.ErrorCode(err) != code || !strings.Contains(desk.Message(err), words) {
		t.Fatalf("expected %s mentioning %q, got %v", code, words, err)
	}
}

// nonceOf reads an ID token's nonce without checking anything, as an attacker holding it could.
func nonceOf(t *testing.T, raw string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Nonce string `json:"nonce"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.Nonce
}

func startOP(t *testing.T, clients map[string]string) *httptest.Server {
	return ssotest.Start(t, ssotest.Directory(), clients)
}

func TestHint(t *testing.T) {
	for back, want := range map[string]string{"/portal/calls/F0000001": "portal", "/portal/": "portal", "/": "", "/calls/F1": "calls",
		"https://evil.example/portal/": "", "//evil.example/x": "", "/Portal/": "", "/a-b/": ""} {
		if got := hint(back); got != want {
			t.Errorf("hint(%q) = %q, want %q", back, got, want)
		}
	}
	for h, want := range map[string]string{"portal.abc": "/portal/", "portal.": "/portal/", "abc": "", ".abc": "", "Portal.x": "",
		"evil.example/x.y": "/evil/" /* a local path still: it only picks the page */, "https://evil.example/": "", "": ""} {
		if got := hintBack(h); got != want {
			t.Errorf("hintBack(%q) = %q, want %q", h, got, want)
		}
	}
}
