package sso

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"calldesk/internal/desk"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

const (
	samlBeginPath = "/signin/saml"
	samlACSPath   = "/signin/saml/acs"
	samlMetaPath  = "/saml/metadata"
)

// register registers a service provider's metadata, as served by calldesk, with the provider.
func register(t *testing.T, p *ssotest.SAMLIdP, id string, sp *SAML) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := sp.Metadata(rec); err != nil {
		t.Fatal(err)
	}
	p.Register(t, id, rec.Body.Bytes())
}

// samlEnv is calldesk's service provider endpoints on one engine's store: Begin is served by
// one SAML (begin) and the ACS by another (finish), usually the same, so that tests can bring a
// response meant for one configuration to another.
type samlEnv struct {
	e             *storetest.Env
	srv           *httptest.Server
	sp            ssotest.KeyPair
	clock         atomic.Int64 // offset from the real time, in nanoseconds
	begin, finish atomic.Pointer[SAML]
}

func newSAMLEnv(t *testing.T, e *storetest.Env) *samlEnv {
	t.Helper()
	v := &samlEnv{e: e, sp: ssotest.NewKeyPair(t, "calldesk")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+samlBeginPath, func(w http.ResponseWriter, r *http.Request) {
		if err := v.begin.Load().Begin(w, r, r.URL.Query().Get("back")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST "+samlACSPath, func(w http.ResponseWriter, r *http.Request) {
		res, err := v.finish.Load().Finish(w, r)
		if err != nil {
			t.Logf("ACS refused: %v", err)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, desk.ErrorCode(err)+": "+desk.Message(err))
			return
		}
		io.WriteString(w, "signed in: "+res.Account.Login+" as "+res.Identity+" back to "+res.Back)
	})
	mux.HandleFunc("GET "+samlMetaPath, func(w http.ResponseWriter, r *http.Request) {
		if err := v.finish.Load().Metadata(w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	v.srv = httptest.NewServer(mux)
	t.Cleanup(v.srv.Close)
	return v
}

// newSP configures a service provider for idp (its metadata read from the provider's URL).
func (v *samlEnv) newSP(t *testing.T, idp *ssotest.SAMLIdP, configure func(*SAMLConfig)) *SAML {
	t.Helper()
	cfg := SAMLConfig{ACSURL: v.srv.URL + samlACSPath, MetadataURL: v.srv.URL + samlMetaPath,
		KeyPEM: v.sp.KeyPEM, CertificatePEM: v.sp.CertPEM, IdPMetadataURL: idp.URL + "/metadata",
		CookieKey: bytes.Repeat([]byte{9}, 32), Store: v.e.S, Domain: "uni.example",
		Now: func() time.Time { return time.Now().Add(time.Duration(v.clock.Load())) }}
	if configure != nil {
		configure(&cfg)
	}
	sp, err := NewSAML(context.Background(), cfg)
	if err != nil {
		t.Fatalf("new service provider: %v", err)
	}
	return sp
}

// use serves Begin with begin and the ACS (and metadata) with finish.
func (v *samlEnv) use(begin, finish *SAML) {
	v.begin.Store(begin)
	v.finish.Store(finish)
}

// samlBrowser is a plain HTTP client with a cookie jar.
func samlBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// samlLogin starts signing in at calldesk, signs in at the identity provider's login form as
// user, and returns the ACS URL and the form the provider has the browser POST there.
func samlLogin(t *testing.T, b *http.Client, v *samlEnv, user string) (string, url.Values) {
	t.Helper()
	resp, err := b.Get(v.srv.URL + samlBeginPath + "?back=/calls/F0000001")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/sso" {
		t.Fatalf("begin: expected the identity provider's login form, got %d at %s: %s", resp.StatusCode, resp.Request.URL, body)
	}
	action, f := ssotest.SAMLLogin(t, b, resp.Request.URL, string(body), user)
	if action != v.srv.URL+samlACSPath {
		t.Fatalf("the identity provider posts to %q, not calldesk's ACS", action)
	}
	return action, f
}

// post delivers the response form to the ACS through b, with extra cookies, returning the
// status and body.
func post(t *testing.T, b *http.Client, action string, f url.Values, cookies ...*http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, action, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func flowCookie(t *testing.T, b *http.Client, v *samlEnv) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(v.srv.URL)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "calldesk_saml" {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	return nil
}

func TestSAMLSignIn(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		idp := ssotest.StartSAMLIdP(t)
		v := newSAMLEnv(t, e)
		sp := v.newSP(t, idp, nil)
		v.use(sp, sp)
		register(t, idp, "calldesk", sp)

		t.Run("metadata", func(t *testing.T) {
			resp, err := http.Get(v.srv.URL + samlMetaPath)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, want := range []string{`entityID="` + v.srv.URL + samlMetaPath + `"`, `Location="` + v.srv.URL + samlACSPath + `"`, "X509Certificate", `WantAssertionsSigned="true"`} {
				if !strings.Contains(string(body), want) {
					t.Errorf("SP metadata lacks %s: %s", want, body)
				}
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/samlmetadata+xml" {
				t.Errorf("metadata Content-Type %q", ct)
			}
		})
		t.Run("good sign-in by uid", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "aarcher")
			status, body := post(t, b, action, f)
			if status != 200 || body != "signed in: aarcher as aarcher back to /calls/F0000001" {
				t.Fatalf("good sign-in: got %d %q", status, body)
			}
			if c := flowCookie(t, b, v); c != nil {
				t.Fatalf("the flow cookie outlived the sign-in: %v", c)
			}
		})
		for _, tc := range []struct{ attr, want string }{
			{AttrMail, "as AArcher@uni.example"},
			{AttrEPPN, "as AArcher@uni.example"}, // samlidp releases the email as eduPersonPrincipalName; Domain scopes it off
		} {
			t.Run("good sign-in by "+tc.attr, func(t *testing.T) {
				other := v.newSP(t, idp, func(c *SAMLConfig) { c.Attribute = tc.attr })
				v.use(other, other)
				defer v.use(sp, sp)
				b := samlBrowser(t)
				action, f := samlLogin(t, b, v, "aarcher")
				status, body := post(t, b, action, f)
				if status != 200 || !strings.HasPrefix(body, "signed in: aarcher "+tc.want) {
					t.Fatalf("good sign-in: got %d %q", status, body)
				}
			})
		}
		t.Run("unknown identity", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "zed")
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.ENOTFOUND, "unknown identity: you signed in as zed")
		})
		t.Run("no account", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "ddawson")
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.ENOTFOUND, "you have no calldesk account")
		})
	})
}

func TestSAMLRefusals(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		idp := ssotest.StartSAMLIdP(t)
		v := newSAMLEnv(t, e)
		sp := v.newSP(t, idp, nil)
		v.use(sp, sp)
		register(t, idp, "calldesk", sp)

		t.Run("replayed response", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "aarcher")
			c := flowCookie(t, b, v)
			if status, body := post(t, b, action, f); status != 200 {
				t.Fatalf("first use: got %d %q", status, body)
			}
			// The browser no longer holds the sign-in...
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not started from this browser")
			// ...and whoever kept its cookie too cannot use the response again.
			status, body = post(t, samlBrowser(t), action, f, c)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "already used")
		})
		t.Run("expired response", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "aarcher")
			// samlidp's assertion is valid for 90 seconds (NotOnOrAfter), calldesk allows 3
			// minutes' skew; 6 minutes later is beyond both, within the 10-minute sign-in.
			v.clock.Store(int64(6 * time.Minute))
			defer v.clock.Store(0)
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "has expired")
		})
		t.Run("not yet valid", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "aarcher")
			v.clock.Store(int64(-10 * time.Minute))
			defer v.clock.Store(0)
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid yet")
		})
		t.Run("wrong audience", func(t *testing.T) {
			// calldesk configured with another entity ID than the one the IdP issued for.
			other := v.newSP(t, idp, func(c *SAMLConfig) { c.EntityID = "https://other.example/saml" })
			v.use(sp, other)
			defer v.use(sp, sp)
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "aarcher")
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid for calldesk")
		})
		t.Run("wrong issuer", func(t *testing.T) {
			// A second, real identity provider that knows calldesk signs a response for the same
			// sign-in; calldesk trusts only the first.
			idp2 := ssotest.StartSAMLIdP(t)
			sp2 := v.newSP(t, idp2, func(c *SAMLConfig) { c.IdPMetadataURL, c.IdPMetadata = "", idp2.Metadata(t) })
			register(t, idp2, "calldesk", sp2)
			v.use(sp2, sp)
			defer v.use(sp, sp)
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "aarcher")
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid for calldesk")

			// The same response with its issuer rewritten to the trusted provider's: the
			// second provider's signature does not verify with the first's certificate.
			b = samlBrowser(t)
			action, f = samlLogin(t, b, v, "aarcher")
			raw, err := base64.StdEncoding.DecodeString(f.Get("SAMLResponse"))
			if err != nil {
				t.Fatal(err)
			}
			forged := strings.ReplaceAll(string(raw), idp2.URL+"/metadata", idp.URL+"/metadata")
			if forged == string(raw) {
				t.Fatal("the response does not name its issuer")
			}
			f.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(forged)))
			status, body = post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid for calldesk")
		})
		t.Run("another browser's sign-in", func(t *testing.T) {
			action, f := samlLogin(t, samlBrowser(t), v, "aarcher")
			b := samlBrowser(t)
			resp, err := b.Get(v.srv.URL + samlBeginPath) // this browser started its own sign-in
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid for calldesk") // InResponseTo differs
		})
		// forge answers the sign-in browser b has started with a response the identity provider
		// signs itself (its real key), whose assertion is left unsigned: what an identity provider
		// configured to sign only the Response sends.
		forge := func(t *testing.T, b *http.Client, signResponse bool) (string, url.Values) {
			resp, err := b.Get(v.srv.URL + samlBeginPath + "?back=/portal/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			ar := idpAnswer(t, idp, spProvider{sp}, resp.Request.URL.String())
			ar.AssertionEl = ar.Assertion.Element()   // neither signed nor encrypted
			if err := ar.MakeResponse(); err != nil { // signs the Response
				t.Fatal(err)
			}
			if !signResponse {
				for _, el := range ar.ResponseEl.ChildElements() {
					if el.Tag == "Signature" {
						ar.ResponseEl.RemoveChild(el)
					}
				}
			}
			doc := etree.NewDocument()
			doc.SetRoot(ar.ResponseEl)
			raw, err := doc.WriteToBytes()
			if err != nil {
				t.Fatal(err)
			}
			return v.srv.URL + samlACSPath, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(raw)}, "RelayState": {"portal."}}
		}
		t.Run("response signed, assertion not", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := forge(t, b, true)
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid for calldesk")
		})
		t.Run("neither signed", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := forge(t, b, false)
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid for calldesk")
		})
		t.Run("garbled response", func(t *testing.T) {
			b := samlBrowser(t)
			action, f := samlLogin(t, b, v, "aarcher")
			f.Set("SAMLResponse", f.Get("SAMLResponse")[:len(f.Get("SAMLResponse"))/2])
			status, body := post(t, b, action, f)
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "not valid for calldesk")
		})
		t.Run("no response", func(t *testing.T) {
			b := samlBrowser(t)
			action, _ := samlLogin(t, b, v, "aarcher")
			status, body := post(t, b, action, url.Values{})
			wantRefused(t, status, body, desk.EUNAUTHORIZED, "no SAML response")
		})
	})
}

// spProvider gives the test's identity provider calldesk's SP metadata.
type spProvider struct{ sp *SAML }

func (p spProvider) GetServiceProvider(*http.Request, string) (*saml.EntityDescriptor, error) {
	return p.sp.sp.Metadata(), nil
}

func mustURL(t *testing.T, s string) url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return *u
}

func TestSAMLConfig(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		idp := ssotest.StartSAMLIdP(t)
		meta := idp.Metadata(t)
		kp := ssotest.NewKeyPair(t, "calldesk")
		base := SAMLConfig{ACSURL: "https://desk.uni.example/signin/saml/acs", MetadataURL: "https://desk.uni.example/saml/metadata",
			KeyPEM: kp.KeyPEM, CertificatePEM: kp.CertPEM, IdPMetadata: meta, CookieKey: make([]byte, 32), Store: e.S}
		if _, err := NewSAML(context.Background(), base); err != nil {
			t.Fatalf("complete configuration refused: %v", err)
		}
		bad := base
		bad.ACSURL, bad.KeyPEM, bad.IdPMetadata, bad.CookieKey, bad.MatchBy = "/acs", nil, nil, nil, store.Identity("phone")
		_, err := NewSAML(context.Background(), bad)
		wantErr(t, err, desk.EINVALID, "not valid")
		var de *desk.Error
		if !errors.As(err, &de) {
			t.Fatalf("not a desk error: %v", err)
		}
		for _, field := range []string{"acs_url", "key", "idp_metadata", "cookie_key", "match_by"} {
			if de.Fields[field] == "" {
				t.Errorf("no complaint about %s: %v", field, de.Fields)
			}
		}
		// A federation's aggregate: the identity provider is picked by entity ID.
		entityID := idp.URL + "/metadata"
		inner := strings.TrimPrefix(string(meta), `<?xml version="1.0" encoding="UTF-8"?>`)
		agg := `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` + inner +
			strings.Replace(inner, entityID, "https://idp.other.example/idp", 1) + `</EntitiesDescriptor>`
		fed := base
		fed.IdPMetadata = []byte(agg)
		if _, err := NewSAML(context.Background(), fed); err == nil || !strings.Contains(err.Error(), "configure which one") {
			t.Fatalf("an aggregate of two providers without an entity ID: %v", err)
		}
		fed.IdPEntityID = entityID
		sp, err := NewSAML(context.Background(), fed)
		if err != nil {
			t.Fatalf("an aggregate with the entity ID: %v", err)
		}
		if sp.sp.IDPMetadata.EntityID != entityID {
			t.Fatalf("picked %s", sp.sp.IDPMetadata.EntityID)
		}
	})
}

// The flow cookie must reach the ACS with the identity provider's cross-site POST: SameSite=None
// (and Secure, which browsers require with it) when served over HTTPS.
func TestSAMLFlowCookie(t *testing.T) {
	e := storetest.NewEnv(t, "sqlite", time.Now())
	idp := ssotest.StartSAMLIdP(t)
	kp := ssotest.NewKeyPair(t, "calldesk")
	for _, secure := range []bool{false, true} {
		sp, err := NewSAML(context.Background(), SAMLConfig{ACSURL: "https://desk.uni.example/signin/saml/acs",
			MetadataURL: "https://desk.uni.example/saml/metadata", KeyPEM: kp.KeyPEM, CertificatePEM: kp.CertPEM,
			IdPMetadata: idp.Metadata(t), CookieKey: make([]byte, 32), Store: e.S, Secure: secure})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if err := sp.Begin(rec, httptest.NewRequest("GET", "/signin/saml", nil), "https://evil.example/"); err != nil {
			t.Fatal(err)
		}
		loc, _ := url.Parse(rec.Header().Get("Location"))
		if rec.Code != http.StatusFound || loc.Host != strings.TrimPrefix(idp.URL, "http://") || loc.Query().Get("SAMLRequest") == "" {
			t.Fatalf("Begin: %d to %s", rec.Code, loc)
		}
		c := rec.Result().Cookies()[0]
		want := http.SameSiteLaxMode
		if secure {
			want = http.SameSiteNoneMode
		}
		if c.Name != "calldesk_saml" || !c.HttpOnly || c.Secure != secure || c.SameSite != want {
			t.Fatalf("secure=%v: flow cookie %+v", secure, c)
		}
		fl, err := sp.flow.open(c.Value)
		if err != nil || fl.Back != "/" || fl.State == "" {
			t.Fatalf("flow %+v, %v: want the request ID and a local path back", fl, err)
		}
	}
}

// federationMetadata wraps the identity provider's metadata in a federation's aggregate valid
// until until, signed by fed's key, as the UK federation publishes its metadata.
func federationMetadata(t *testing.T, idp *ssotest.SAMLIdP, fed ssotest.KeyPair, until time.Time) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(idp.Metadata(t)); err != nil {
		t.Fatal(err)
	}
	agg := etree.NewElement("md:EntitiesDescriptor")
	agg.CreateAttr("xmlns:md", "urn:oasis:names:tc:SAML:2.0:metadata")
	agg.CreateAttr("ID", "fed-aggregate")
	agg.CreateAttr("Name", "http://fed.example/")
	agg.CreateAttr("validUntil", until.UTC().Format(time.RFC3339))
	agg.AddChild(doc.Root().Copy())
	sc := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{fed.Cert.Raw}, PrivateKey: fed.Key, Leaf: fed.Cert}))
	sc.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	signed, err := sc.SignEnveloped(agg)
	if err != nil {
		t.Fatal(err)
	}
	out := etree.NewDocument()
	out.SetRoot(signed)
	b, err := out.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSAMLFederationMetadataSignature(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		idp := ssotest.StartSAMLIdP(t)
		v := newSAMLEnv(t, e)
		fed := ssotest.NewKeyPair(t, "federation metadata signer")
		meta := federationMetadata(t, idp, fed, time.Now().Add(12*time.Hour)) // the test certificate lasts a day
		withMeta := func(raw, signer []byte) func(*SAMLConfig) {
			return func(c *SAMLConfig) { c.IdPMetadataURL, c.IdPMetadata, c.IdPMetadataSigner = "", raw, signer }
		}

		// Signed by the federation: the identity provider in it signs people in.
		sp := v.newSP(t, idp, withMeta(meta, fed.CertPEM))
		v.use(sp, sp)
		register(t, idp, "calldesk", sp)
		b := samlBrowser(t)
		action, f := samlLogin(t, b, v, "aarcher")
		if status, body := post(t, b, action, f); status != 200 || !strings.HasPrefix(body, "signed in: aarcher") {
			t.Fatalf("sign-in with the federation's signed metadata: %d %q", status, body)
		}

		base := SAMLConfig{ACSURL: v.srv.URL + samlACSPath, MetadataURL: v.srv.URL + samlMetaPath, KeyPEM: v.sp.KeyPEM,
			CertificatePEM: v.sp.CertPEM, CookieKey: bytes.Repeat([]byte{9}, 32), Store: e.S}
		other := ssotest.NewKeyPair(t, "somebody else")
		for _, tc := range []struct {
			name        string
			raw, signer []byte
			now         time.Time
			want        string
		}{
			{"another signer", meta, other.CertPEM, time.Now(), "not signed by the configured metadata signing certificate"},
			{"altered after signing", bytes.Replace(meta, []byte(idp.URL+"/sso"), []byte("https://evil.example/sso"), 1), fed.CertPEM, time.Now(), "not signed by"},
			{"unsigned", idp.Metadata(t), fed.CertPEM, time.Now(), "not signed by"},
			{"expired", meta, fed.CertPEM, time.Now().Add(13 * time.Hour), "expired"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.name == "altered after signing" && bytes.Equal(tc.raw, meta) {
					t.Fatal("the alteration changed nothing")
				}
				cfg := base
				cfg.IdPMetadata, cfg.IdPMetadataSigner = tc.raw, tc.signer
				cfg.Now = func() time.Time { return tc.now }
				if _, err := NewSAML(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error with %q", err, tc.want)
				}
			})
		}
	})
}
