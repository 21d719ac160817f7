package ssotest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"html"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml/samlidp"
)

// KeyPair is a generated RSA key and self-signed certificate, parsed and in PEM.
type KeyPair struct {
	Key             *rsa.PrivateKey
	Cert            *x509.Certificate
	KeyPEM, CertPEM []byte
}

// NewKeyPair makes a 2048-bit RSA key and a certificate for it, valid for a day, named cn.
func NewKeyPair(t testing.TB, cn string) KeyPair {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return KeyPair{Key: key, Cert: cert,
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// SAMLUsers are the SAML provider's users: Ann (aarcher, AArcher@uni.example), Dan (ddawson),
// Zed, whom calldesk does not know, and Eve (eevans), staff. samlidp releases the name as uid, the email as mail
// and eduPersonPrincipalName, and givenName and sn. Each one's password is Password.
var SAMLUsers = []struct{ Name, Email, GivenName, Surname string }{
	{"aarcher", "AArcher@uni.example", "Ann", "Archer"}, {"ddawson", "ddawson@uni.example", "Dan", "Dawson"},
	{"zed", "zed@elsewhere.example", "Zed", "Zulu"}, {"eevans", "eevans@uni.example", "Eve", "Evans"},
}

// SAMLIdP is a real SAML 2.0 identity provider, crewjam/saml's samlidp, in the test's own
// process on 127.0.0.1. Its entity ID is URL + "/metadata".
type SAMLIdP struct {
	URL string
	// Key is the provider's signing key and certificate, for tests that forge or alter its
	// responses.
	Key KeyPair
}

// StartSAMLIdP starts a SAML identity provider with its own key, knowing SAMLUsers.
func StartSAMLIdP(t testing.TB) *SAMLIdP {
	t.Helper()
	kp := NewKeyPair(t, "idp")
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	u, _ := url.Parse(base)
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: kp.Key, Signer: kp.Key, Certificate: kp.Cert,
		Store: &samlidp.MemoryStore{}, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = idp
	srv.Start()
	t.Cleanup(srv.Close)
	p := &SAMLIdP{URL: base, Key: kp}
	for _, u := range SAMLUsers {
		body, _ := json.Marshal(map[string]string{"name": u.Name, "email": u.Email, "password": Password,
			"given_name": u.GivenName, "surname": u.Surname})
		p.put(t, "/users/"+u.Name, body)
	}
	return p
}

// EntityID is the provider's entity ID.
func (p *SAMLIdP) EntityID() string { return p.URL + "/metadata" }

func (p *SAMLIdP) put(t testing.TB, path string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, p.URL+path, bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT %s at the identity provider: %s", path, resp.Status)
	}
}

// Metadata is the provider's metadata.
func (p *SAMLIdP) Metadata(t testing.TB) []byte {
	t.Helper()
	resp, err := http.Get(p.URL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// Register registers a service provider by its metadata, as it serves it, under id.
func (p *SAMLIdP) Register(t testing.TB, id string, spMetadata []byte) {
	t.Helper()
	p.put(t, "/services/"+id, spMetadata)
}

var (
	reAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	reInput  = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)"`)
)

// form reads the action and hidden fields of the HTML form in body.
func form(t testing.TB, body string) (string, url.Values) {
	t.Helper()
	m := reAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form in %q", body)
	}
	f := url.Values{}
	for _, in := range reInput.FindAllStringSubmatch(body, -1) {
		f.Set(in[1], html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), f
}

// SAMLLogin signs in as user at the login form of the provider's page the browser was sent to
// (loginPage, the body of the page at ssoURL), and returns where the provider has the browser
// POST its response (the service provider's ACS) and that form.
func SAMLLogin(t testing.TB, browser *http.Client, ssoURL *url.URL, loginPage string, user string) (string, url.Values) {
	t.Helper()
	if !strings.Contains(loginPage, `name="password"`) {
		t.Fatalf("expected the identity provider's login form, got %q", loginPage)
	}
	_, f := form(t, loginPage)
	f.Set("user", user)
	f.Set("password", Password)
	// samlidp's form posts to its /login, which only answers with the new session; posting the
	// same form to /sso signs in and continues the SAML flow in one step.
	sso := *ssoURL
	sso.RawQuery = ""
	resp, err := browser.PostForm(sso.String(), f)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "SAMLResponse") {
		t.Fatalf("login at the identity provider: expected the response form, got %d: %s", resp.StatusCode, body)
	}
	return form(t, string(body))
}

// SAMLSignIn follows a service provider's redirect to the identity provider (authn: where its
// sign-in link sent the browser), signs in there as user, and returns the form the provider's
// page has the browser POST back (its action, the SP's ACS, and fields) and the page's origin.
func SAMLSignIn(t testing.TB, browser *http.Client, authn, user string) (action string, f url.Values, origin string) {
	t.Helper()
	loc, err := url.Parse(authn)
	if err != nil {
		t.Fatal(err)
	}
	res, err := browser.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	action, f = SAMLLogin(t, browser, loc, string(page), user)
	return action, f, loc.Scheme + "://" + loc.Host
}
