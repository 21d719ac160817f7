package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"calldesk/internal/sso"
	"calldesk/internal/store"
)

// ssoFlags are serve's single sign-on settings: an OpenID provider, a SAML identity provider, or
// both, and what they share (the cookie key, the university's domain).
type ssoFlags struct {
	oidcIssuer, oidcClient, oidcSecret, oidcRedirect, oidcClaim *string
	oidcTrustEmail                                              *string
	samlIdP, samlEntity, samlBase, samlKey, samlCert, samlAttr  *string
	samlMetaSigner                                              *string
	domain, cookieKey, enrol                                    *string
}

func checkURL(v string) error {
	if v == "" {
		return nil
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("is not an http(s) URL")
	}
	return nil
}

func ssoSettings(st *settings) ssoFlags {
	var f ssoFlags
	f.oidcIssuer = st.add("oidc-issuer", "", "single sign-on: the OpenID provider's issuer URL (Entra ID, Google, Shibboleth OIDC); empty: none", false, checkURL)
	f.oidcClient = st.add("oidc-client-id", "", "single sign-on: calldesk's client id at the OpenID provider", false, nil)
	f.oidcSecret = st.add("oidc-client-secret", "", "single sign-on: calldesk's client secret at the OpenID provider", true, nil)
	f.oidcRedirect = st.add("oidc-redirect-url", "", "single sign-on: calldesk's callback as registered at the OpenID provider, ending /signin/oidc/callback", false, checkURL)
	f.oidcClaim = st.add("oidc-claim", "preferred_username", "single sign-on: the OpenID claim matched to a person: preferred_username, email or eppn", false, nil)
	f.oidcTrustEmail = st.add("oidc-trust-email", "false", "single sign-on: the OpenID provider verifies every email address it releases, so an address without email_verified counts as verified (for --oidc-claim email and partner enrolment); false: only email_verified true counts", false, checkOneOf("true", "false"))
	f.samlIdP = st.add("saml-idp-metadata", "", "single sign-on: the SAML identity provider's metadata, a URL or a file (a federation's aggregate with --saml-idp-entity-id); empty: none", false, nil)
	f.samlEntity = st.add("saml-idp-entity-id", "", "single sign-on: which identity provider of the metadata to use, when it lists several", false, nil)
	f.samlBase = st.add("saml-base-url", "", "single sign-on: calldesk's public URL (https://desk.uni.example); the SP metadata is served at /saml/metadata and responses taken at /signin/saml/acs", false, checkURL)
	f.samlKey = st.add("saml-key-file", "", "single sign-on: calldesk's SAML private key (PEM file)", false, nil)
	f.samlCert = st.add("saml-cert-file", "", "single sign-on: calldesk's SAML certificate (PEM file)", false, nil)
	f.samlMetaSigner = st.add("saml-idp-metadata-cert", "", "single sign-on: the certificate (PEM file) whose key signs the SAML metadata, e.g. the UK federation's metadata signing certificate; metadata without its valid signature, or expired, is refused; empty: not checked", false, nil)
	f.samlAttr = st.add("saml-attribute", "uid", "single sign-on: the SAML attribute matched to a person: uid, mail or eduPersonPrincipalName", false, nil)
	f.domain = st.add("sso-domain", "", "single sign-on: the university's domain, taken off scoped identities (aarcher@uni.example is aarcher)", false, nil)
	f.enrol = st.add("sso-enrol-partners", "false", "single sign-on: let an identity the person register does not hold become a partner with a portal account at first sign-in (names and verified email from the provider); false: such people are told to ask the service desk", false, checkOneOf("true", "false"))
	f.cookieKey = st.add("sso-cookie-key", "", "single sign-on: 32 random bytes in base64 (openssl rand -base64 32), the same on every instance; it protects a sign-in in progress", true, func(v string) error {
		if v == "" {
			return nil
		}
		if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) != 32 {
			return fmt.Errorf("must be 32 bytes in base64 (openssl rand -base64 32)")
		}
		return nil
	})
	return f
}

// build makes the configured relying parties (nil for each one not configured). A provider that
// cannot be reached at start stops serve: better than a sign-in page that cannot sign anyone in.
func (f ssoFlags) build(ctx context.Context, s *store.Store, secure bool, now func() time.Time) (*sso.OIDC, *sso.SAML, error) {
	if (*f.oidcIssuer != "" || *f.samlIdP != "") && *f.cookieKey == "" {
		return nil, nil, usageError{fmt.Errorf("single sign-on needs --sso-cookie-key (openssl rand -base64 32)")}
	}
	key, _ := base64.StdEncoding.DecodeString(*f.cookieKey)
	var oidc *sso.OIDC
	if *f.oidcIssuer != "" {
		if *f.oidcClient == "" || *f.oidcRedirect == "" {
			return nil, nil, usageError{fmt.Errorf("single sign-on through --oidc-issuer needs --oidc-client-id and --oidc-redirect-url")}
		}
		var err error
		oidc, err = sso.New(ctx, sso.Config{Issuer: *f.oidcIssuer, ClientID: *f.oidcClient, ClientSecret: *f.oidcSecret,
			RedirectURL: *f.oidcRedirect, Claim: *f.oidcClaim, TrustEmail: *f.oidcTrustEmail == "true", Domain: *f.domain, EndSession: true, CookieKey: key,
			Secure: secure || strings.HasPrefix(*f.oidcRedirect, "https:"), Store: s, Now: now})
		if err != nil {
			return nil, nil, fmt.Errorf("single sign-on (OpenID Connect): %w", err)
		}
	}
	var saml *sso.SAML
	if *f.samlIdP != "" {
		if *f.samlBase == "" || *f.samlKey == "" || *f.samlCert == "" {
			return nil, nil, usageError{fmt.Errorf("single sign-on through --saml-idp-metadata needs --saml-base-url, --saml-key-file and --saml-cert-file")}
		}
		keyPEM, err := os.ReadFile(*f.samlKey)
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("--saml-key-file: %w", err)}
		}
		certPEM, err := os.ReadFile(*f.samlCert)
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("--saml-cert-file: %w", err)}
		}
		base := strings.TrimSuffix(*f.samlBase, "/")
		cfg := sso.SAMLConfig{ACSURL: base + "/signin/saml/acs", MetadataURL: base + "/saml/metadata", KeyPEM: keyPEM,
			CertificatePEM: certPEM, IdPEntityID: *f.samlEntity, Attribute: *f.samlAttr, Domain: *f.domain, CookieKey: key,
			Secure: secure || strings.HasPrefix(base, "https:"), Store: s, Now: now}
		if *f.samlMetaSigner != "" {
			if cfg.IdPMetadataSigner, err = os.ReadFile(*f.samlMetaSigner); err != nil {
				return nil, nil, usageError{fmt.Errorf("--saml-idp-metadata-cert: %w", err)}
			}
		}
		if strings.HasPrefix(*f.samlIdP, "http://") || strings.HasPrefix(*f.samlIdP, "https://") {
			cfg.IdPMetadataURL = *f.samlIdP
		} else if cfg.IdPMetadata, err = os.ReadFile(*f.samlIdP); err != nil {
			return nil, nil, usageError{fmt.Errorf("--saml-idp-metadata: %w", err)}
		}
		if saml, err = sso.NewSAML(ctx, cfg); err != nil {
			return nil, nil, fmt.Errorf("single sign-on (SAML): %w", err)
		}
	}
	return oidc, saml, nil
}
