package accesstest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"calldesk/internal/sso"
	"calldesk/internal/sso/ssotest"
	"calldesk/internal/store"
)

// SSO starts the example OpenID provider and a SAML identity provider (package ssotest) and
// returns calldesk's relying parties for both, with calldesk at base (the console's address), so
// that a surface built with them registers its single sign-on routes and the matrix walks them
// too: a surface without single sign-on has none.
func SSO(t testing.TB, s *store.Store, now func() time.Time, base string) (*sso.OIDC, *sso.SAML) {
	t.Helper()
	op := ssotest.Start(t, ssotest.Directory(), map[string]string{"calldesk": base + "/signin/oidc/callback"})
	oidc, err := sso.New(context.Background(), sso.Config{Issuer: op.URL, ClientID: "calldesk", ClientSecret: ssotest.Secret,
		RedirectURL: base + "/signin/oidc/callback", Domain: "uni.example", CookieKey: bytes.Repeat([]byte{1}, 32),
		Store: s, Now: now, EndSession: true})
	if err != nil {
		t.Fatal(err)
	}
	idp := ssotest.StartSAMLIdP(t)
	kp := ssotest.NewKeyPair(t, "calldesk")
	saml, err := sso.NewSAML(context.Background(), sso.SAMLConfig{ACSURL: base + "/signin/saml/acs",
		MetadataURL: base + "/saml/metadata", KeyPEM: kp.KeyPEM, CertificatePEM: kp.CertPEM,
		IdPMetadataURL: idp.URL + "/metadata", CookieKey: bytes.Repeat([]byte{2}, 32), Store: s, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return oidc, saml
}
