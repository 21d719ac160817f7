package sso

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/logger"

	"calldesk/internal/desk"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store/storetest"
)

// plainSP gives the test's identity provider calldesk's SP metadata without its encryption
// certificate, so that the provider signs assertions but does not encrypt them.
type plainSP struct{ sp *SAML }

func (p plainSP) GetServiceProvider(*http.Request, string) (*saml.EntityDescriptor, error) {
	md := p.sp.sp.Metadata()
	for i := range md.SPSSODescriptors {
		d := &md.SPSSODescriptors[i]
		var keep []saml.KeyDescriptor
		for _, kd := range d.KeyDescriptors {
			if kd.Use == "signing" {
				keep = append(keep, kd)
			}
		}
		d.KeyDescriptors = keep
	}
	return md, nil
}

// idpAnswer is the test identity provider's answer to the authentication request at reqURL (where
// calldesk sent the browser), with an assertion for aarcher not yet signed: the caller edits,
// signs or leaves it unsigned, and makes the Response.
func idpAnswer(t *testing.T, idp *ssotest.SAMLIdP, sps saml.ServiceProviderProvider, reqURL string) *saml.IdpAuthnRequest {
	t.Helper()
	ip := &saml.IdentityProvider{Key: idp.Key.Key, Certificate: idp.Key.Cert, Logger: logger.DefaultLogger,
		MetadataURL: mustURL(t, idp.URL+"/metadata"), SSOURL: mustURL(t, idp.URL+"/sso"), ServiceProviderProvider: sps}
	ar, err := saml.NewIdpAuthnRequest(ip, httptest.NewRequest("GET", reqURL, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := ar.Validate(); err != nil {
		t.Fatal(err)
	}
	sess := &saml.Session{ID: "s1", NameID: "aarcher@uni.example", UserName: "aarcher", UserEmail: "aarcher@uni.example",
		CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "1"}
	if err := (saml.DefaultAssertionMaker{}).MakeAssertion(ar, sess); err != nil {
		t.Fatal(err)
	}
	return ar
}

// signedResponse answers the sign-in browser b starts at calldesk (v) with an assertion for
// aarcher that edit may change, which the identity provider then signs with its real key, and
// encrypts to calldesk when encrypt is set (as samlidp does), as a Response. It returns the ACS
// and the form to post there.
func signedResponse(t *testing.T, b *http.Client, v *samlEnv, idp *ssotest.SAMLIdP, sp *SAML, encrypt bool, edit func(*saml.Assertion)) (string, url.Values) {
	t.Helper()
	resp, err := b.Get(v.srv.URL + samlBeginPath + "?back=/calls/F0000001")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sps saml.ServiceProviderProvider = plainSP{sp}
	if encrypt {
		sps = spProvider{sp}
	}
	ar := idpAnswer(t, idp, sps, resp.Request.URL.String())
	if edit != nil {
		edit(ar.Assertion)
	}
	if err := ar.MakeAssertionEl(); err != nil { // signs the assertion (and encrypts it)
		t.Fatal(err)
	}
	if encrypt != (ar.AssertionEl.Tag == "EncryptedAssertion") {
		t.Fatalf("encrypt %v, but the assertion is a %s", encrypt, ar.AssertionEl.Tag)
	}
	if err := ar.MakeResponse(); err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(ar.ResponseEl)
	raw, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return v.srv.URL + samlACSPath, url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(raw)}}
}

// TestSAMLAssertionStructure: a signed assertion without Conditions or Subject (which
// crewjam/saml reads without looking, and panicked on), or without a SubjectConfirmation (whose
// absence skips crewjam's recipient and InResponseTo checks), is refused with the usual clear
// refusal, plain or encrypted.
func TestSAMLAssertionStructure(t *testing.T) {
	storetest.EachEnv(t, time.Now(), func(t *testing.T, e *storetest.Env) {
		seedAccounts(t, e)
		idp := ssotest.StartSAMLIdP(t)
		v := newSAMLEnv(t, e)
		sp := v.newSP(t, idp, nil)
		v.use(sp, sp)
		register(t, idp, "calldesk", sp)

		for _, encrypt := range []bool{false, true} {
			name := "plain"
			if encrypt {
				name = "encrypted"
			}
			t.Run(name, func(t *testing.T) {
				// The forged responses are sound but for what each case takes away.
				b := samlBrowser(t)
				action, f := signedResponse(t, b, v, idp, sp, encrypt, nil)
				if status, body := post(t, b, action, f); status != 200 || !strings.HasPrefix(body, "signed in: aarcher as aarcher") {
					t.Fatalf("a whole signed assertion: %d %q", status, body)
				}
				for _, tc := range []struct {
					name, want string
					edit       func(a *saml.Assertion)
				}{
					{"without Conditions", "has no Conditions", func(a *saml.Assertion) { a.Conditions = nil }},
					{"without Subject", "has no Subject", func(a *saml.Assertion) { a.Subject = nil }},
					{"without SubjectConfirmation", "has no SubjectConfirmation", func(a *saml.Assertion) { a.Subject.SubjectConfirmations = nil }},
					{"without SubjectConfirmationData", "has no SubjectConfirmationData", func(a *saml.Assertion) {
						a.Subject.SubjectConfirmations[0].SubjectConfirmationData = nil
					}},
				} {
					t.Run(tc.name, func(t *testing.T) {
						b := samlBrowser(t)
						action, f := signedResponse(t, b, v, idp, sp, encrypt, tc.edit)
						status, body := post(t, b, action, f)
						wantRefused(t, status, body, desk.EUNAUTHORIZED, tc.want)
					})
				}
			})
		}
	})
}

// TestSAMLParseRecovers: should crewjam/saml panic on a response checkAssertions let through,
// the sign-in is refused with an error, and the request lives.
func TestSAMLParseRecovers(t *testing.T) {
	e := storetest.NewEnv(t, "sqlite", time.Now())
	seedAccounts(t, e)
	idp := ssotest.StartSAMLIdP(t)
	v := newSAMLEnv(t, e)
	sp := v.newSP(t, idp, nil)
	v.use(sp, sp)
	register(t, idp, "calldesk", sp)
	b := samlBrowser(t)
	_, f := signedResponse(t, b, v, idp, sp, false, func(a *saml.Assertion) { a.Subject = nil })
	fl, err := sp.flow.open(flowCookie(t, b, v).Value)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(f.Get("SAMLResponse"))
	if err != nil {
		t.Fatal(err)
	}
	// Straight to the library, past checkAssertions.
	a, err := sp.parse(raw, fl.State)
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("got %+v, %v; want the panic as an error", a, err)
	}
	wantErr(t, sp.parseRefusal(err), desk.EUNAUTHORIZED, "not valid for calldesk")
}
