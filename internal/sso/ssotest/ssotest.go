// Package ssotest runs real identity providers for tests, in the test's own process on
// 127.0.0.1: an OpenID provider (zitadel/oidc's example OP) with a user directory and client
// registrations of the test's choosing, and a SAML identity provider (crewjam/saml's samlidp,
// saml.go). It is imported by tests only.
package ssotest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// Password is every test user's password at the provider.
const Password = "correct horse battery staple"

// Secret is every registered client's secret.
const Secret = "s3cret"

// User is someone who can sign in at the provider.
type User = storage.User

// Users is the provider's user directory, by user id (the ID token's subject).
type Users map[string]*User

// GetUserByID finds a user by id.
func (u Users) GetUserByID(id string) *User { return u[id] }

// GetUserByUsername finds a user by the name typed into the provider's login form.
func (u Users) GetUserByUsername(name string) *User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}

// ExampleClientID is the example's service user; unused by calldesk's tests.
func (u Users) ExampleClientID() string { return storage.ServiceUserID }

// Directory is the usual test directory, matching storetest's fixture: Ann (AArcher@uni.example,
// her UPN in another case than her username), Dan (ddawson@uni.example), Zed (known to the provider
// only) and bbaker@elsewhere.example (another domain's Bob). Password is Password for all.
func Directory() Users {
	u := func(id, username, first, last, email string) *User {
		return &User{ID: id, Username: username, Password: Password, FirstName: first, LastName: last, Email: email, EmailVerified: true}
	}
	return Users{
		"u-ann": u("u-ann", "AArcher@uni.example", "Ann", "Archer", "aarcher@uni.example"),
		"u-dan": u("u-dan", "ddawson@uni.example", "Dan", "Dawson", "ddawson@uni.example"),
		"u-zed": u("u-zed", "zed@uni.example", "Zed", "Zulu", "zed@uni.example"),
		"u-bob": u("u-bob", "bbaker@elsewhere.example", "Bob", "Baker", "bob@elsewhere.example"),
	}
}

// Start runs the provider with users and web clients registered by id with their redirect URL
// (secret Secret, client_secret_basic). Its issuer is its URL. It stops when the test ends.
func Start(t testing.TB, users Users, clients map[string]string) *httptest.Server {
	t.Helper()
	return StartWith(t, users, clients, Options{})
}

// Options change what the provider says, for tests of what a relying party must refuse: claims
// the example provider never sends (email_verified as a string, several audiences, an issue time
// in the future).
type Options struct {
	// IDToken, when set, edits the claims of every ID token the token endpoint issues (it may
	// add, change or delete any claim); the provider then signs the token again with its own key,
	// so that to a relying party it is as genuine as any other.
	IDToken func(claims map[string]any)
	// UserInfo, when set, edits the claims of every userinfo answer. The example provider keeps
	// email, email_verified and the profile claims to its userinfo endpoint in the code flow.
	UserInfo func(claims map[string]any)
}

// StartWith is Start with the provider's answers edited as opts says.
func StartWith(t testing.TB, users Users, clients map[string]string, opts Options) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := map[string]*storage.Client{}
	for id, redirect := range clients {
		reg[id] = storage.WebClient(id, Secret, redirect)
	}
	st := storage.NewStorageWithClients(users, reg)
	var h http.Handler = exampleop.SetupServer("http://"+l.Addr().String(), st, nil, false)
	if opts.IDToken != nil || opts.UserInfo != nil {
		h = editor{next: h, st: st, opts: opts}
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// Login signs in as username at the provider's login page (the page a relying party's redirect
// led browser to, loginPage) and returns the provider's answer: normally a redirect on to the
// relying party's callback, which browser's CheckRedirect may stop at.
func Login(t testing.TB, browser *http.Client, loginPage *url.URL, username string) *http.Response {
	t.Helper()
	id := loginPage.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("not the provider's login page: %s", loginPage)
	}
	resp, err := browser.PostForm(loginPage.Scheme+"://"+loginPage.Host+"/login/username",
		url.Values{"id": {id}, "username": {username}, "password": {Password}})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// SignIn follows a relying party's redirect to the provider (authorize: where its sign-in link
// sent the browser) to the login page, signs in there as username, and returns where the provider
// sends the browser back: the relying party's callback, with its code and state. browser must not
// follow redirects (its CheckRedirect returns http.ErrUseLastResponse) and keeps cookies.
func SignIn(t testing.TB, browser *http.Client, authorize, username string) *url.URL {
	t.Helper()
	loc, err := url.Parse(authorize)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5 && loc.Path != "/login/username"; i++ {
		res, err := browser.Get(loc.String())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc, err = res.Location(); err != nil {
			t.Fatalf("the provider stopped at %s with %d", res.Request.URL, res.StatusCode)
		}
	}
	res := Login(t, browser, loc, username)
	for i := 0; i < 5 && res.StatusCode == http.StatusFound; i++ {
		res.Body.Close()
		next, err := res.Location()
		if err != nil {
			t.Fatal(err)
		}
		if next.Host != loc.Host {
			return next
		}
		if res, err = browser.Get(next.String()); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("the provider did not send the browser back to the relying party: %d", res.StatusCode)
	return nil
}

// editor edits the provider's token and userinfo answers as its options say.
type editor struct {
	next http.Handler
	st   *storage.Storage
	opts Options
}

func (e editor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var edit func([]byte) ([]byte, error)
	switch {
	case r.URL.Path == "/oauth/token" && e.opts.IDToken != nil:
		edit = func(body []byte) ([]byte, error) { return e.editTokenResponse(r.Context(), body) }
	case r.URL.Path == "/userinfo" && e.opts.UserInfo != nil:
		edit = func(body []byte) ([]byte, error) {
			var claims map[string]any
			if err := unmarshal(body, &claims); err != nil {
				return nil, err
			}
			e.opts.UserInfo(claims)
			return json.Marshal(claims)
		}
	default:
		e.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	e.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		var err error
		if body, err = edit(body); err != nil {
			http.Error(w, "ssotest: editing the answer: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// editTokenResponse edits the ID token of a token endpoint's answer and signs it again with the
// provider's key, under the same header (algorithm RS256 and key id).
func (e editor) editTokenResponse(ctx context.Context, body []byte) ([]byte, error) {
	var resp map[string]any
	if err := unmarshal(body, &resp); err != nil {
		return nil, err
	}
	raw, _ := resp["id_token"].(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return body, nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	e.opts.IDToken(claims)
	if payload, err = json.Marshal(claims); err != nil {
		return nil, err
	}
	key, err := e.st.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	rk, ok := key.Key().(*rsa.PrivateKey)
	if !ok || key.SignatureAlgorithm() != "RS256" {
		return nil, errors.New("the provider's signing key is not an RS256 key")
	}
	signed := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, sum[:])
	if err != nil {
		return nil, err
	}
	resp["id_token"] = signed + "." + base64.RawURLEncoding.EncodeToString(sig)
	return json.Marshal(resp)
}

// unmarshal reads JSON keeping numbers as written (an expiry stays an integer).
func unmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}
