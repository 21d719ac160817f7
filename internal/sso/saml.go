package sso

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	xrv "github.com/mattermost/xml-roundtrip-validator"
	dsig "github.com/russellhaering/goxmldsig"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// The attributes an identity can be matched by, as written in the configuration, with the names
// (OID, then friendly name) identity providers release them under.
const (
	AttrUID  = "uid"                    // urn:oid:0.9.2342.19200300.100.1.1, the login
	AttrMail = "mail"                   // urn:oid:0.9.2342.19200300.100.1.3
	AttrEPPN = "eduPersonPrincipalName" // urn:oid:1.3.6.1.4.1.5923.1.1.1.6, "aarcher@uni.example"
)

var samlAttrNames = map[string][]string{
	AttrUID:  {"urn:oid:0.9.2342.19200300.100.1.1", "uid"},
	AttrMail: {"urn:oid:0.9.2342.19200300.100.1.3", "mail", "email"},
	AttrEPPN: {"urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName", "eppn"},
}

// SAMLConfig configures calldesk as a SAML 2.0 service provider for one identity provider.
// Everything but Store, ACSURL, MetadataURL, the key and certificate, the identity provider's
// metadata and CookieKey has a default.
type SAMLConfig struct {
	// EntityID is calldesk's entity ID, as registered with the identity provider or federation
	// (default MetadataURL). Assertions must name it as their audience.
	EntityID string
	// ACSURL is calldesk's assertion consumer service (where the browser POSTs the response);
	// assertions must name it as their recipient. MetadataURL is where calldesk's metadata is
	// served.
	ACSURL, MetadataURL string
	// KeyPEM and CertificatePEM are calldesk's SP key (RSA, PKCS #1 or #8) and its certificate:
	// the certificate goes into calldesk's metadata, so identity providers can encrypt
	// assertions to it.
	KeyPEM, CertificatePEM []byte
	// IdPMetadata is the identity provider's metadata (an EntityDescriptor, or a federation's
	// EntitiesDescriptor), or IdPMetadataURL where to fetch it once, at start. Either is
	// required; the metadata names the provider's entity ID, its signing certificates and its
	// single sign-on endpoint.
	IdPMetadata    []byte
	IdPMetadataURL string
	// IdPMetadataSigner, when set, is the certificate (PEM) whose key must have signed the
	// metadata: a federation's metadata signing certificate (the UK federation signs its
	// aggregate, and its members must check the signature). Metadata without a valid signature
	// by it, or past its validUntil, is refused, and only what the signature covers is read.
	IdPMetadataSigner []byte
	// IdPEntityID picks the identity provider from metadata that describes several (a
	// federation's aggregate); with a single provider it must match when set.
	IdPEntityID string
	// Attribute names the attribute matched to a person: uid (default), mail,
	// eduPersonPrincipalName, or any other attribute's name or friendly name.
	Attribute string
	// MatchBy says which field of a person the attribute must equal, ignoring case: username or
	// email. Default: email for mail, username for any other.
	MatchBy store.Identity
	// Domain, when matching by username, is the scope taken off a value such as
	// "aarcher@uni.example" (eduPersonPrincipalName) to give the username "aarcher".
	Domain string
	// CookieKey encrypts and authenticates the short-lived cookie carrying a sign-in's request
	// ID between Begin and Finish: 32 random bytes, the same on every instance.
	CookieKey []byte
	// CookieName (default "calldesk_saml") and CookiePath (default "/") of that cookie. Secure
	// marks it Secure and SameSite=None, which browsers need to send it with the identity
	// provider's cross-site POST; without Secure (plain HTTP, for development) it is Lax,
	// which browsers do not send with that POST.
	CookieName, CookiePath string
	Secure                 bool
	// MaxAge is how long a sign-in may take at the identity provider (default 10 minutes).
	MaxAge time.Duration
	// ClockSkew is how far the identity provider's clock may differ from calldesk's when
	// checking an assertion's validity window (default 3 minutes).
	ClockSkew time.Duration

	// Store finds people and their accounts and remembers used assertions.
	Store *store.Store
	// Now is the clock for the flow's deadline and the assertion's validity window (default
	// time.Now). See Finish for how it relates to crewjam/saml's own checks.
	Now func() time.Time
	// HTTPClient fetches IdPMetadataURL (default http.DefaultClient).
	HTTPClient *http.Client
}

// SAML is a configured service provider for one identity provider. It holds no mutable state:
// a sign-in in progress lives in its encrypted cookie, and used assertion IDs in the database.
//
// The protocol is left to github.com/crewjam/saml (XML signatures, decryption, the assertion's
// audience, recipient, destination, issuer, InResponseTo and validity window): hand-written XML
// signature checking is where service providers go wrong.
type SAML struct {
	cfg   SAMLConfig
	sp    *saml.ServiceProvider
	names []string
	flow  flowCodec
	who   matcher
}

// NewSAML reads the identity provider's metadata (fetching it when configured by URL) and
// returns the service provider. It fails when the configuration is incomplete or the metadata
// cannot be read or names no usable identity provider.
func NewSAML(ctx context.Context, cfg SAMLConfig) (*SAML, error) {
	if cfg.Store == nil {
		return nil, errors.New("sso: SAMLConfig.Store is nil")
	}
	f := map[string]string{}
	acs, err := url.Parse(cfg.ACSURL)
	if err != nil || acs.Scheme == "" || acs.Host == "" {
		f["acs_url"] = "must be an absolute URL"
	}
	meta, err := url.Parse(cfg.MetadataURL)
	if err != nil || meta.Scheme == "" || meta.Host == "" {
		f["metadata_url"] = "must be an absolute URL"
	}
	key, err := parseKey(cfg.KeyPEM)
	if err != nil {
		f["key"] = err.Error()
	}
	cert, err := parseCertificate(cfg.CertificatePEM)
	if err != nil {
		f["certificate"] = err.Error()
	}
	if len(cfg.IdPMetadata) == 0 && cfg.IdPMetadataURL == "" {
		f["idp_metadata"] = "is required (a file or a URL)"
	}
	if len(cfg.CookieKey) != 32 {
		f["cookie_key"] = "must be 32 bytes"
	}
	if cfg.Attribute == "" {
		cfg.Attribute = AttrUID
	}
	names, ok := samlAttrNames[cfg.Attribute]
	if !ok {
		names = []string{cfg.Attribute}
	}
	if cfg.MatchBy == "" {
		cfg.MatchBy = store.ByUsername
		if cfg.Attribute == AttrMail {
			cfg.MatchBy = store.ByEmail
		}
	}
	if cfg.MatchBy != store.ByUsername && cfg.MatchBy != store.ByEmail {
		f["match_by"] = "must be username or email"
	}
	if err := desk.Invalid("the SAML single sign-on configuration is not valid", f); err != nil {
		return nil, err
	}
	if cfg.EntityID == "" {
		cfg.EntityID = cfg.MetadataURL
	}
	if cfg.CookieName == "" {
		cfg.CookieName = "calldesk_saml"
	}
	if cfg.CookiePath == "" {
		cfg.CookiePath = "/"
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 10 * time.Minute
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = defaultClockSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	cfg.Domain = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(cfg.Domain)), "@")
	raw := cfg.IdPMetadata
	if len(raw) == 0 {
		if raw, err = fetchMetadata(ctx, cfg.HTTPClient, cfg.IdPMetadataURL); err != nil {
			return nil, err
		}
	}
	if len(cfg.IdPMetadataSigner) > 0 {
		if raw, err = verifyMetadata(raw, cfg.IdPMetadataSigner, cfg.Now()); err != nil {
			return nil, err
		}
	}
	idp, err := parseIdPMetadata(raw, cfg.IdPEntityID)
	if err != nil {
		return nil, err
	}
	flow, err := newFlowCodec(cfg.CookieKey)
	if err != nil {
		return nil, err
	}
	m := &SAML{cfg: cfg, names: names, flow: flow,
		who: matcher{store: cfg.Store, by: cfg.MatchBy, domain: cfg.Domain}}
	m.sp = &saml.ServiceProvider{
		EntityID:    cfg.EntityID,
		Key:         key,
		Certificate: cert,
		HTTPClient:  cfg.HTTPClient,
		MetadataURL: *meta,
		AcsURL:      *acs,
		IDPMetadata: idp,
		// Unlike crewjam's default, an assertion without an audience restriction is refused:
		// an assertion must say it is for calldesk.
		ValidateAudienceRestriction: m.checkAudience,
	}
	if m.sp.GetSSOBindingLocation(saml.HTTPRedirectBinding) == "" {
		return nil, fmt.Errorf("sso: the identity provider %s has no single sign-on endpoint for the HTTP-Redirect binding", idp.EntityID)
	}
	return m, nil
}

// Metadata writes calldesk's SP metadata, for registering calldesk with the identity provider
// or federation.
func (m *SAML) Metadata(w http.ResponseWriter) error {
	b, err := xml.MarshalIndent(m.sp.Metadata(), "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, err = w.Write(append([]byte(xml.Header), b...))
	return err
}

// EntityID is calldesk's entity ID, as assertions must name it.
func (m *SAML) EntityID() string { return m.cfg.EntityID }

// Begin starts a sign-in: it makes an AuthnRequest, keeps its ID in a short-lived encrypted
// HttpOnly cookie, and redirects the browser to the identity provider (HTTP-Redirect binding).
// back is the local path to return to after signing in (anything but a local path becomes "/").
func (m *SAML) Begin(w http.ResponseWriter, r *http.Request, back string) error {
	req, err := m.sp.MakeAuthenticationRequest(m.sp.GetSSOBindingLocation(saml.HTTPRedirectBinding),
		saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return fmt.Errorf("sso: make a SAML AuthnRequest: %w", err)
	}
	relay := ""
	if h := hint(back); h != "" {
		relay = h + "."
	}
	u, err := req.Redirect(relay, m.sp)
	if err != nil {
		return fmt.Errorf("sso: encode a SAML AuthnRequest: %w", err)
	}
	fl := flowState{State: req.ID, Back: localPath(back), Expires: m.cfg.Now().Add(m.cfg.MaxAge).Unix()}
	value, err := m.flow.seal(fl)
	if err != nil {
		return err
	}
	http.SetCookie(w, m.cookie(value, int(m.cfg.MaxAge/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
	return nil
}

func (m *SAML) cookie(value string, maxAge int) *http.Cookie {
	c := &http.Cookie{Name: m.cfg.CookieName, Value: value, Path: m.cfg.CookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: m.cfg.Secure, SameSite: http.SameSiteLaxMode}
	if m.cfg.Secure {
		c.SameSite = http.SameSiteNoneMode
	}
	return c
}

// defaultClockSkew is how far an identity provider's clock may differ from calldesk's, for SAML
// and OpenID Connect alike.
const defaultClockSkew = 3 * time.Minute

// MaxResponse bounds the POSTed response, in bytes: federation IdPs' responses are a few KiB,
// but one listing many group attributes passes 256 KiB. The console's assertion consumer
// service lets an anonymous post send this much (and no more) for the same reason.
const MaxResponse = 1 << 20

// Finish completes a sign-in at the assertion consumer service. It checks that the browser
// started this sign-in (the cookie Begin set, cleared here), checks that every assertion of the
// POSTed SAMLResponse has what crewjam/saml reads without looking (see checkAssertions), and has
// crewjam/saml check the rest: the identity provider's signature over each assertion itself (an
// assertion without one is refused, even inside a signed Response; see prepareResponse), its
// issuer, the audience (calldesk's entity ID, required), the recipient and destination (the ACS
// URL), InResponseTo (this browser's request) and the validity window. Should crewjam/saml
// panic all the same, the sign-in is refused like any invalid response (parse).
// crewjam reads its clock from a package variable (saml.TimeNow), which calldesk leaves alone;
// so Finish checks the validity window again with Config.Now and ClockSkew. An assertion ID
// used before is refused, and the configured attribute is matched to a person with an active
// account. Protocol failures are EUNAUTHORIZED; an identity that matches nobody is ENOTFOUND.
func (m *SAML) Finish(w http.ResponseWriter, r *http.Request) (Result, error) {
	http.SetCookie(w, m.cookie("", -1))
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, MaxResponse)
	if err := r.ParseForm(); err != nil {
		return Result{}, &refusal{msg: "the sign-in response could not be read: start signing in again", err: err}
	}
	res := Result{Back: hintBack(r.PostForm.Get("RelayState"))}
	c, err := r.Cookie(m.cfg.CookieName)
	if err != nil {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "this sign-in was not started from this browser, or took too long: start signing in again")
	}
	fl, err := m.flow.open(c.Value)
	if err != nil {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "this sign-in could not be checked: start signing in again")
	}
	res.Back, res.who = fl.Back, m.who
	now := m.cfg.Now()
	if !now.Before(time.Unix(fl.Expires, 0)) {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "the sign-in took longer than %d minutes: start signing in again", int(m.cfg.MaxAge.Minutes()))
	}
	if r.PostForm.Get("SAMLResponse") == "" {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "the identity provider sent no SAML response: start signing in again")
	}
	raw, err := base64.StdEncoding.DecodeString(r.PostForm.Get("SAMLResponse"))
	if err == nil {
		raw, err = m.prepareResponse(raw)
	}
	if err != nil {
		var bad *malformed
		if errors.As(err, &bad) {
			return res, bad
		}
		return res, m.parseRefusal(err)
	}
	a, err := m.parse(raw, fl.State)
	if err != nil {
		return res, m.parseRefusal(err)
	}
	if err := m.checkTimes(a, now); err != nil {
		return res, err
	}
	if err := m.useAssertion(ctx, a, now); err != nil {
		return res, err
	}
	value, err := m.attribute(a)
	if err != nil {
		return res, err
	}
	res.Identity, res.Profile = value, samlProfile(a)
	return m.who.finish(ctx, res)
}

// prepareResponse checks a response before crewjam/saml reads it, and returns it with the
// signature over the Response element removed, so that crewjam/saml requires (and checks) the
// identity provider's signature on each assertion itself: signed assertions are required (the
// SP metadata says WantAssertionsSigned), and a signature over the Response alone is not
// accepted in their place. Shibboleth and ADFS sign assertions by default. The XML is checked
// for round-trip safety before it is touched, and its assertions by checkAssertions.
func (m *SAML) prepareResponse(raw []byte) ([]byte, error) {
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("invalid XML: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, err
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != "urn:oasis:names:tc:SAML:2.0:protocol" {
		return nil, errors.New("not a SAML Response")
	}
	if err := m.checkAssertions(root); err != nil {
		return nil, err
	}
	for _, el := range root.ChildElements() {
		if el.Tag == "Signature" && el.NamespaceURI() == "http://www.w3.org/2000/09/xmldsig#" {
			root.RemoveChild(el)
		}
	}
	return doc.WriteToBytes()
}

// The XML namespaces of SAML assertions and of XML encryption.
const (
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsXMLEnc    = "http://www.w3.org/2001/04/xmlenc#"
)

// malformed is the refusal of a response whose assertion lacks an element calldesk needs; what
// it lacks is named in the message (element names only, nothing the response says).
type malformed struct{ lacks string }

func (e *malformed) Error() string {
	return "the identity provider's response is not valid for calldesk (its assertion " + e.lacks + "): start signing in again"
}

func (e *malformed) Unwrap() error {
	return &desk.Error{Code: desk.EUNAUTHORIZED, Message: e.Error()}
}

// checkAssertions checks, before crewjam/saml reads them, that each assertion of the Response
// root (plain, or encrypted to calldesk, which it decrypts as crewjam/saml will) has exactly
// one Subject and one Conditions, and that the Subject has at least one SubjectConfirmation,
// each with exactly one SubjectConfirmationData. crewjam/saml v0.5.1 reads Subject, Conditions
// and SubjectConfirmationData without checking that they are there, and panics; and an assertion
// without SubjectConfirmation passes its checks of the recipient and InResponseTo, which are
// made only inside one. Elements are matched by namespace, not prefix; one of these names in
// another namespace is refused, since crewjam/saml reads some of them by local name alone.
func (m *SAML) checkAssertions(root *etree.Element) error {
	for _, el := range root.ChildElements() {
		switch {
		case el.NamespaceURI() != nsAssertion:
			continue
		case el.Tag == "Assertion":
			if err := checkAssertion(el); err != nil {
				return err
			}
		case el.Tag == "EncryptedAssertion":
			a, err := m.decryptAssertion(el)
			if err != nil {
				return fmt.Errorf("the encrypted assertion could not be decrypted: %w", err)
			}
			if a.Tag != "Assertion" || a.NamespaceURI() != nsAssertion {
				return &malformed{lacks: "is not an Assertion once decrypted"}
			}
			if err := checkAssertion(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAssertion checks one assertion's structure for checkAssertions.
func checkAssertion(a *etree.Element) error {
	subject, err := onlyChild(a, "Subject")
	if err != nil {
		return err
	}
	if _, err := onlyChild(a, "Conditions"); err != nil {
		return err
	}
	confirmations := 0
	for _, sc := range subject.ChildElements() {
		if sc.Tag != "SubjectConfirmation" {
			continue
		}
		if sc.NamespaceURI() != nsAssertion {
			return &malformed{lacks: "has a SubjectConfirmation outside the SAML assertion namespace"}
		}
		confirmations++
		if _, err := onlyChild(sc, "SubjectConfirmationData"); err != nil {
			return err
		}
	}
	if confirmations == 0 {
		return &malformed{lacks: "has no SubjectConfirmation"}
	}
	return nil
}

// onlyChild is parent's one child element named name in the SAML assertion namespace.
func onlyChild(parent *etree.Element, name string) (*etree.Element, error) {
	var found *etree.Element
	for _, el := range parent.ChildElements() {
		if el.Tag != name {
			continue
		}
		if el.NamespaceURI() != nsAssertion {
			return nil, &malformed{lacks: "has a " + name + " outside the SAML assertion namespace"}
		}
		if found != nil {
			return nil, &malformed{lacks: "has more than one " + name}
		}
		found = el
	}
	if found == nil {
		return nil, &malformed{lacks: "has no " + name}
	}
	return found, nil
}

// decryptAssertion decrypts an EncryptedAssertion with calldesk's key the way crewjam/saml does
// (ServiceProvider.decryptElement, unexported): the EncryptedData child, with its key in an
// EncryptedKey beside it or in its own KeyInfo.
func (m *SAML) decryptAssertion(enc *etree.Element) (*etree.Element, error) {
	var data *etree.Element
	for _, el := range enc.ChildElements() {
		if el.Tag == "EncryptedData" && el.NamespaceURI() == nsXMLEnc {
			if data != nil {
				return nil, errors.New("more than one EncryptedData")
			}
			data = el
		}
	}
	if data == nil {
		return nil, errors.New("no EncryptedData")
	}
	var key any = m.sp.Key
	if k := enc.FindElement("./EncryptedKey"); k != nil {
		var err error
		if key, err = xmlenc.Decrypt(m.sp.Key, k); err != nil {
			return nil, err
		}
	}
	plain, err := xmlenc.Decrypt(key, data)
	if err != nil {
		return nil, err
	}
	if err := xrv.Validate(bytes.NewReader(plain)); err != nil {
		return nil, fmt.Errorf("invalid XML: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(plain); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, errors.New("no XML")
	}
	return doc.Root(), nil
}

// parse has crewjam/saml check the response for the sign-in whose request ID is id. A panic
// inside the library (checkAssertions prevents those known) is the last line of defence's
// refusal, not a dead request.
func (m *SAML) parse(raw []byte, id string) (a *saml.Assertion, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, err = nil, fmt.Errorf("crewjam/saml panicked reading the response: %v", p)
		}
	}()
	return m.sp.ParseXMLResponse(raw, []string{id}, m.sp.AcsURL)
}

// parseRefusal turns crewjam's refusal into calldesk's: its reason (which may quote the
// response) stays in the error chain for the log, out of the message shown.
func (m *SAML) parseRefusal(err error) error {
	cause := err
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		cause = ire.PrivateErr
	}
	var bad saml.ErrBadStatus
	if errors.As(cause, &bad) {
		return &refusal{msg: "the identity provider did not sign you in (" + clip(bad.Status, 200) + ")", err: cause}
	}
	return &refusal{msg: "the identity provider's response is not valid for calldesk (wrong issuer, audience, recipient or signature, expired, or not for this sign-in): start signing in again", err: cause}
}

// checkAudience requires an audience restriction naming calldesk's entity ID.
func (m *SAML) checkAudience(a *saml.Assertion) error {
	if a.Conditions != nil {
		for _, ar := range a.Conditions.AudienceRestrictions {
			if ar.Audience.Value == m.cfg.EntityID {
				return nil
			}
		}
	}
	return fmt.Errorf("the assertion's audience is not %q", m.cfg.EntityID)
}

// checkTimes checks the assertion's validity window against calldesk's clock.
func (m *SAML) checkTimes(a *saml.Assertion, now time.Time) error {
	skew := m.cfg.ClockSkew
	expired := func(what string, at time.Time) error {
		return &refusal{msg: "the identity provider's response has expired: start signing in again",
			err: fmt.Errorf("%s %s is before now (%s) less the clock skew %s", what, at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew)}
	}
	if a.IssueInstant.Add(saml.MaxIssueDelay).Add(skew).Before(now) {
		return expired("the assertion's IssueInstant plus the issue delay", a.IssueInstant.Add(saml.MaxIssueDelay))
	}
	if a.Conditions == nil {
		return desk.Errorf(desk.EUNAUTHORIZED, "the identity provider's assertion has no conditions (audience and validity)")
	}
	if !a.Conditions.NotBefore.IsZero() && a.Conditions.NotBefore.Add(-skew).After(now) {
		return &refusal{msg: "the identity provider's response is not valid yet: check the clocks of calldesk and the identity provider",
			err: fmt.Errorf("NotBefore %s is after now (%s) plus the clock skew %s", a.Conditions.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew)}
	}
	if !a.Conditions.NotOnOrAfter.IsZero() && !now.Before(a.Conditions.NotOnOrAfter.Add(skew)) {
		return expired("the assertion's NotOnOrAfter", a.Conditions.NotOnOrAfter)
	}
	if a.Subject != nil {
		for _, sc := range a.Subject.SubjectConfirmations {
			if d := sc.SubjectConfirmationData; d != nil && !d.NotOnOrAfter.IsZero() && !now.Before(d.NotOnOrAfter.Add(skew)) {
				return expired("the subject confirmation's NotOnOrAfter", d.NotOnOrAfter)
			}
		}
	}
	return nil
}

// useAssertion records the assertion's ID as used until it expires, refusing one used before.
func (m *SAML) useAssertion(ctx context.Context, a *saml.Assertion, now time.Time) error {
	if a.ID == "" {
		return desk.Errorf(desk.EUNAUTHORIZED, "the identity provider's assertion has no ID")
	}
	until := a.IssueInstant.Add(saml.MaxIssueDelay)
	if a.Conditions != nil && a.Conditions.NotOnOrAfter.After(until) {
		until = a.Conditions.NotOnOrAfter
	}
	if a.Subject != nil {
		for _, sc := range a.Subject.SubjectConfirmations {
			if d := sc.SubjectConfirmationData; d != nil && d.NotOnOrAfter.After(until) {
				until = d.NotOnOrAfter
			}
		}
	}
	until = until.Add(m.cfg.ClockSkew)
	if until.Before(now) {
		until = now
	}
	until = until.Add(time.Minute) // past any check that could still accept it
	sum := sha256.Sum256([]byte("saml assertion\x00" + a.Issuer.Value + "\x00" + a.ID))
	return m.cfg.Store.UseSSOState(ctx, hex.EncodeToString(sum[:]), until)
}

// samlProfile is what the assertion's usual attributes say about the person: givenName, sn (or
// displayName) and mail.
func samlProfile(a *saml.Assertion) Profile {
	first := func(names ...string) string {
		for _, st := range a.AttributeStatements {
			for _, at := range st.Attributes {
				for _, n := range names {
					if at.Name == n || strings.EqualFold(at.FriendlyName, n) || strings.EqualFold(at.Name, n) {
						for _, v := range at.Values {
							if s := strings.TrimSpace(v.Value); s != "" {
								return s
							}
						}
					}
				}
			}
		}
		return ""
	}
	pf := Profile{GivenName: first("urn:oid:2.5.4.42", "givenName"), FamilyName: first("urn:oid:2.5.4.4", "sn", "surname"),
		Email: first(samlAttrNames[AttrMail]...)}
	if pf.GivenName == "" && pf.FamilyName == "" {
		pf.FamilyName = first("urn:oid:2.16.840.1.113730.3.1.241", "displayName")
	}
	return pf
}

// attribute returns the configured attribute's single value.
func (m *SAML) attribute(a *saml.Assertion) (string, error) {
	var values []string
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if !m.named(at) {
				continue
			}
			for _, v := range at.Values {
				if s := strings.TrimSpace(v.Value); s != "" && !contains(values, s) {
					values = append(values, s)
				}
			}
		}
	}
	switch len(values) {
	case 0:
		return "", desk.Errorf(desk.EUNAUTHORIZED, "the identity provider did not release the %s attribute calldesk matches people by: ask the service desk to check the single sign-on configuration", m.cfg.Attribute)
	case 1:
		return values[0], nil
	default:
		return "", desk.Errorf(desk.EUNAUTHORIZED, "the identity provider released %d values of the %s attribute calldesk matches people by, so calldesk cannot tell which is you: ask the service desk to check the single sign-on configuration", len(values), m.cfg.Attribute)
	}
}

func (m *SAML) named(at saml.Attribute) bool {
	for _, n := range m.names {
		if at.Name == n || strings.EqualFold(at.FriendlyName, n) || (!strings.HasPrefix(n, "urn:") && strings.EqualFold(at.Name, n)) {
			return true
		}
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// fetchMetadata reads the identity provider's metadata from its URL.
func fetchMetadata(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("sso: identity provider metadata URL: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sso: fetch identity provider metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sso: fetch identity provider metadata from %s: %s", u, resp.Status)
	}
	// A UK federation aggregate is tens of MiB; allow for it.
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("sso: fetch identity provider metadata from %s: %w", u, err)
	}
	return b, nil
}

// parseIdPMetadata reads an EntityDescriptor, or picks one (entityID, or the only identity
// provider) from an EntitiesDescriptor, at any depth.
// verifyMetadata checks that signer's key signed the metadata raw, and that the metadata is not
// past its validUntil at now, and returns the signed part alone (so that nothing outside the
// signature, slipped in beside it, is ever read).
func verifyMetadata(raw, signerPEM []byte, now time.Time) ([]byte, error) {
	cert, err := parseCertificate(signerPEM)
	if err != nil {
		return nil, fmt.Errorf("sso: the metadata signing certificate: %w", err)
	}
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("sso: identity provider metadata is not safe XML: %w", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return nil, fmt.Errorf("sso: identity provider metadata: %v", err)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vc.Clock = dsig.NewFakeClockAt(now)
	signed, err := vc.Validate(doc.Root())
	if err != nil {
		return nil, fmt.Errorf("sso: the identity provider metadata is not signed by the configured metadata signing certificate (%s): %w", cert.Subject, err)
	}
	if v := signed.SelectAttrValue("validUntil", ""); v != "" {
		until, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, fmt.Errorf("sso: the identity provider metadata's validUntil %q is not a time", v)
		}
		if !now.Before(until) {
			return nil, fmt.Errorf("sso: the identity provider metadata expired at %s: fetch the current metadata", until.UTC().Format(time.RFC3339))
		}
	}
	out := etree.NewDocument()
	out.SetRoot(signed.Copy())
	return out.WriteToBytes()
}

func parseIdPMetadata(raw []byte, entityID string) (*saml.EntityDescriptor, error) {
	if err := xrv.Validate(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("sso: identity provider metadata is not safe XML: %w", err)
	}
	var probe struct{ XMLName xml.Name }
	if err := xml.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("sso: identity provider metadata: %w", err)
	}
	var idps []saml.EntityDescriptor
	switch probe.XMLName.Local {
	case "EntityDescriptor":
		var ed saml.EntityDescriptor
		if err := xml.Unmarshal(raw, &ed); err != nil {
			return nil, fmt.Errorf("sso: identity provider metadata: %w", err)
		}
		idps = []saml.EntityDescriptor{ed}
	case "EntitiesDescriptor":
		var es saml.EntitiesDescriptor
		if err := xml.Unmarshal(raw, &es); err != nil {
			return nil, fmt.Errorf("sso: identity provider metadata: %w", err)
		}
		var walk func(saml.EntitiesDescriptor)
		walk = func(es saml.EntitiesDescriptor) {
			for _, ed := range es.EntityDescriptors {
				if len(ed.IDPSSODescriptors) > 0 {
					idps = append(idps, ed)
				}
			}
			for _, sub := range es.EntitiesDescriptors {
				walk(sub)
			}
		}
		walk(es)
	default:
		return nil, fmt.Errorf("sso: identity provider metadata: expected an EntityDescriptor, found %s", probe.XMLName.Local)
	}
	var pick []saml.EntityDescriptor
	for _, ed := range idps {
		if len(ed.IDPSSODescriptors) > 0 && (entityID == "" || ed.EntityID == entityID) {
			pick = append(pick, ed)
		}
	}
	switch {
	case len(pick) == 1:
		return &pick[0], nil
	case len(pick) == 0 && entityID != "":
		return nil, fmt.Errorf("sso: the identity provider metadata does not describe the identity provider %s", entityID)
	case len(pick) == 0:
		return nil, errors.New("sso: the identity provider metadata describes no identity provider")
	default:
		return nil, fmt.Errorf("sso: the identity provider metadata describes %d identity providers: configure which one (its entity ID)", len(pick))
	}
}

func parseKey(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("must be a PEM private key")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("must be an RSA private key (PEM %q found)", block.Type)
	}
	if err != nil {
		return nil, errors.New("cannot be read: " + err.Error())
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		// Identity providers encrypt assertions to the SP's certificate with RSA only.
		return nil, errors.New("must be an RSA key: identity providers encrypt assertions with RSA")
	default:
		return nil, fmt.Errorf("must be an RSA key, not %T", key)
	}
}

func parseCertificate(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("must be a PEM certificate")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, errors.New("cannot be read: " + err.Error())
	}
	return c, nil
}
