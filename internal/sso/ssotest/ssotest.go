// Package ssotest runs real identity providers for tests, in the test's own process on
// 127.0.0.1: an OpenID provider (zitadel/oidc's example OP) with a user directory and client
// registrations of the test's choosing, and a SAML identity provider (crewjam/saml's samlidp,
// saml.go). It is imported by tests only.
package ssotest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := map[string]*storage.Client{}
	for id, redirect := range clients {
		reg[id] = storage.WebClient(id, Secret, redirect)
	}
	h := exampleop.SetupServer("http://"+l.Addr().String(), storage.NewStorageWithClients(users, reg), nil, false)
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
