// Package sso signs people in through their university's identity provider: an OpenID Connect
// relying party (authorization code flow with PKCE, state and nonce, discovery from the issuer)
// that works with Microsoft Entra ID, Google and Shibboleth's OIDC provider, and a SAML 2.0
// service provider (saml.go) for Shibboleth and ADFS identity providers in the UK federations. A signed-in identity
// is matched to exactly one person of the register who holds an active account; nobody gets an
// account silently. Starting the calldesk session is the caller's part (access.Sessions.Start), so
// this package stops at "this is the account".
//
// The protocol itself is left to two well-kept libraries, golang.org/x/oauth2 (the code exchange
// and PKCE) and github.com/coreos/go-oidc/v3 (discovery, the provider's keys and ID token
// verification, with an injectable clock): hand-written JOSE is where relying parties go wrong.
package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web/pages"
)

// The claims an identity can be matched by, as written in the configuration.
const (
	ClaimUsername = "preferred_username"       // Entra ID's UPN, Shibboleth's and most providers' login
	ClaimEmail    = "email"                    // Google; only when the provider says it has verified it (emailVerified)
	ClaimEPPN     = "eppn"                     // eduPersonPrincipalName, released as eduperson_principal_name
	claimEPPNName = "eduperson_principal_name" // its claim name in REFEDS' OpenID Connect profile
)

// Config configures the relying party. Everything but Store, Issuer, ClientID, RedirectURL and
// CookieKey has a default.
type Config struct {
	// Issuer is the provider's issuer URL; its discovery document is read from
	// Issuer + "/.well-known/openid-configuration" and must name the same issuer.
	Issuer string
	// ClientID and ClientSecret are calldesk's registration with the provider.
	ClientID, ClientSecret string
	// RedirectURL is calldesk's callback, exactly as registered with the provider.
	RedirectURL string
	// Scopes asked for besides openid (default profile and email).
	Scopes []string
	// Claim names the claim matched to a person: preferred_username (default), email, eppn, or
	// any other claim name holding a string.
	Claim string
	// MatchBy says which field of a person the claim must equal, ignoring case: username or email.
	// Default: email for the email claim, username for any other.
	MatchBy store.Identity
	// TrustEmail says the provider verifies every address it releases, so that an email without
	// email_verified, or with the string "true", counts as verified (see emailVerified); one the
	// provider says it has not verified is refused all the same. Default false.
	TrustEmail bool
	// Domain, when matching by username, is the scope taken off a claim such as
	// "aarcher@uni.example" (preferred_username from Entra ID, eppn from Shibboleth) to give the
	// username "aarcher". A value scoped with any other domain is left whole, so it matches nobody.
	Domain string
	// EndSession asks the provider to end its own session on sign-out, when its discovery
	// document has an end_session_endpoint. PostLogoutRedirectURL is where the provider sends
	// the browser back to afterwards (registered with the provider).
	EndSession            bool
	PostLogoutRedirectURL string
	// CookieKey encrypts and authenticates the short-lived cookie that carries a sign-in's state,
	// nonce and PKCE verifier between Begin and Finish: 32 random bytes, the same on every instance.
	CookieKey []byte
	// CookieName (default "calldesk_sso") and CookiePath (default "/") of that cookie; Secure
	// marks it Secure (set it whenever calldesk is served over HTTPS).
	CookieName, CookiePath string
	Secure                 bool
	// MaxAge is how long a sign-in may take at the provider (default 10 minutes).
	MaxAge time.Duration
	// ClockSkew is how far the provider's clock may run ahead of calldesk's: an ID token issued
	// (iat) further in the future is refused (default 3 minutes, as for SAML).
	ClockSkew time.Duration

	// Store finds people and their accounts and remembers used states.
	Store *store.Store
	// Now is the clock for the flow's deadline and the ID token's expiry (default time.Now).
	Now func() time.Time
	// HTTPClient talks to the provider (default http.DefaultClient).
	HTTPClient *http.Client
}

// OIDC is a configured relying party for one provider. It holds no mutable state: a sign-in in
// progress lives in its encrypted cookie, and used states in the database.
type OIDC struct {
	cfg        Config
	provider   *oidc.Provider
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	claim      string
	endSession string
	flow       flowCodec
	who        matcher
}

// New reads the provider's discovery document and returns the relying party. It fails when the
// configuration is incomplete or the provider cannot be discovered (or names another issuer).
func New(ctx context.Context, cfg Config) (*OIDC, error) {
	f := map[string]string{}
	if cfg.Store == nil {
		return nil, errors.New("sso: Config.Store is nil")
	}
	if cfg.Issuer == "" {
		f["issuer"] = "is required"
	}
	if cfg.ClientID == "" {
		f["client_id"] = "is required"
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || u.Scheme == "" || u.Host == "" {
		f["redirect_url"] = "must be an absolute URL"
	}
	if len(cfg.CookieKey) != 32 {
		f["cookie_key"] = "must be 32 bytes"
	}
	if cfg.Claim == "" {
		cfg.Claim = ClaimUsername
	}
	claim := cfg.Claim
	if claim == ClaimEPPN {
		claim = claimEPPNName
	}
	if cfg.MatchBy == "" {
		cfg.MatchBy = store.ByUsername
		if claim == ClaimEmail {
			cfg.MatchBy = store.ByEmail
		}
	}
	if cfg.MatchBy != store.ByUsername && cfg.MatchBy != store.ByEmail {
		f["match_by"] = "must be username or email"
	}
	if err := desk.Invalid("the single sign-on configuration is not valid", f); err != nil {
		return nil, err
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "email"}
	}
	if cfg.CookieName == "" {
		cfg.CookieName = "calldesk_sso"
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
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("sso: discover %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		Challenges []string `json:"code_challenge_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("sso: read %s's discovery document: %w", cfg.Issuer, err)
	}
	flow, err := newFlowCodec(cfg.CookieKey)
	if err != nil {
		return nil, err
	}
	m := &OIDC{
		cfg:      cfg,
		provider: provider,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: append([]string{oidc.ScopeOpenID}, cfg.Scopes...)},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		claim:    claim,
		flow:     flow,
		who:      matcher{store: cfg.Store, by: cfg.MatchBy, domain: cfg.Domain},
	}
	if cfg.EndSession {
		m.endSession = meta.EndSession
	}
	return m, nil
}

// Begin starts a sign-in: it makes a fresh state, nonce and PKCE verifier, keeps them in a
// short-lived encrypted HttpOnly SameSite=Lax cookie, and redirects the browser to the provider.
// back is the local path to return to after signing in (anything but a local path becomes "/").
func (m *OIDC) Begin(w http.ResponseWriter, r *http.Request, back string) error {
	now := m.cfg.Now()
	state := randomString()
	if h := hint(back); h != "" {
		state = h + "." + state
	}
	fl := flowState{State: state, Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Back: localPath(back), Expires: now.Add(m.cfg.MaxAge).Unix()}
	value, err := m.flow.seal(fl)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: m.cfg.CookieName, Value: value, Path: m.cfg.CookiePath, MaxAge: int(m.cfg.MaxAge / time.Second),
		HttpOnly: true, Secure: m.cfg.Secure, SameSite: http.SameSiteLaxMode})
	u := m.oauth.AuthCodeURL(fl.State, oidc.Nonce(fl.Nonce), oauth2.S256ChallengeOption(fl.Verifier))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
	return nil
}

// Result is a finished sign-in: the account to start a session for, its person, and where the
// browser wanted to go. A refused sign-in returns what it learnt before the refusal: Back once
// the sign-in's cookie has been read (so the portal and the console each show their own page),
// Identity and Profile once the provider's answer has been checked.
type Result struct {
	Account desk.Account
	Person  desk.Person
	Back    string
	// Identity is the matched claim's value, as the provider sent it.
	Identity string
	// Profile is what the provider said about the person besides the identity.
	Profile Profile
	// Unknown says the identity, checked and genuine, matched nobody in the register: the one
	// refusal that enrolling a partner (Enrol) may cure.
	Unknown bool

	who matcher
}

// Profile is what an identity provider said about the person signing in: names, and an email
// address the provider vouches for (empty unless it says it has verified it; see emailVerified).
type Profile struct {
	GivenName, FamilyName, Email string
}

// Finish completes a sign-in at the callback: it checks the state against the cookie Begin set
// (and clears that cookie), refuses a response used before, exchanges the code with the PKCE
// verifier, verifies the ID token (signature, issuer, audience, authorized party, expiry, issue
// time, nonce) and matches its claim to a person with an active account. Protocol failures are EUNAUTHORIZED; an identity that
// matches nobody is ENOTFOUND, with a message saying what to do.
func (m *OIDC) Finish(w http.ResponseWriter, r *http.Request) (Result, error) {
	http.SetCookie(w, &http.Cookie{Name: m.cfg.CookieName, Value: "", Path: m.cfg.CookiePath, MaxAge: -1,
		HttpOnly: true, Secure: m.cfg.Secure, SameSite: http.SameSiteLaxMode})
	ctx := r.Context()
	q := r.URL.Query()
	res := Result{Back: hintBack(q.Get("state"))}
	c, err := r.Cookie(m.cfg.CookieName)
	if err != nil {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "this sign-in was not started from this browser, or took too long: start signing in again")
	}
	fl, err := m.flow.open(c.Value)
	if err != nil {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "this sign-in could not be checked: start signing in again")
	}
	res.Back, res.who = fl.Back, m.who
	state := q.Get("state")
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(fl.State)) != 1 {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "the sign-in response does not belong to the sign-in this browser started (its state differs): start signing in again")
	}
	// The provider's own refusal is shown only once its state proves it answers this browser's
	// sign-in, so that nobody else's text appears on calldesk's page.
	if e := q.Get("error"); e != "" {
		msg := "the identity provider did not sign you in (" + e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return res, desk.Errorf(desk.EUNAUTHORIZED, "%s)", clip(msg, 300))
	}
	now := m.cfg.Now()
	if !now.Before(time.Unix(fl.Expires, 0)) {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "the sign-in took longer than %d minutes: start signing in again", int(m.cfg.MaxAge.Minutes()))
	}
	sum := sha256.Sum256([]byte(fl.State))
	if err := m.cfg.Store.UseSSOState(ctx, hex.EncodeToString(sum[:]), time.Unix(fl.Expires, 0)); err != nil {
		return res, err
	}
	code := q.Get("code")
	if code == "" {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "the sign-in response has no authorization code: start signing in again")
	}
	pctx := oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, m.cfg.HTTPClient), m.cfg.HTTPClient)
	tok, err := m.oauth.Exchange(pctx, code, oauth2.VerifierOption(fl.Verifier))
	if err != nil {
		return res, &refusal{msg: "the identity provider refused to complete the sign-in: start signing in again", err: err}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return res, desk.Errorf(desk.EUNAUTHORIZED, "the identity provider sent no ID token")
	}
	idt, err := m.verify(pctx, raw, fl.Nonce)
	if err != nil {
		return res, err
	}
	value, claims, err := m.claimValue(pctx, idt, tok)
	if err != nil {
		return res, err
	}
	res.Identity, res.Profile = value, m.profile(claims)
	return m.who.finish(ctx, res)
}

// verify checks an ID token's signature, issuer, audience and expiry (go-oidc's Verify), that
// it carries the nonce of this sign-in, that its authorized party is calldesk (OpenID Connect
// Core 3.1.3.7: required when the token lists several audiences, and checked whenever present,
// so that a token the provider issued to another client that merely lists calldesk among its
// audiences is refused), and that it says when it was issued (iat, required by Core 2) and was
// not issued in the future beyond the clock skew. go-oidc checks neither azp nor iat.
func (m *OIDC) verify(ctx context.Context, raw, nonce string) (*oidc.IDToken, error) {
	idt, err := m.verifier.Verify(ctx, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		msg := "the identity provider's ID token is not valid for calldesk (wrong issuer, audience or signature)"
		if errors.As(err, &exp) {
			msg = "the identity provider's ID token has expired: start signing in again"
		}
		return nil, &refusal{msg: msg, err: err}
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, desk.Errorf(desk.EUNAUTHORIZED, "the ID token was not issued for this sign-in (its nonce differs): start signing in again")
	}
	var party struct {
		AZP *string `json:"azp"`
	}
	if err := idt.Claims(&party); err != nil {
		return nil, &refusal{msg: "the ID token's claims could not be read", err: err}
	}
	switch {
	case party.AZP != nil && *party.AZP != m.cfg.ClientID:
		return nil, &refusal{msg: "the identity provider's ID token was issued to another application (its authorized party is not calldesk): start signing in again",
			err: fmt.Errorf("azp %q is not the client id %q", *party.AZP, m.cfg.ClientID)}
	case party.AZP == nil && len(idt.Audience) > 1:
		return nil, &refusal{msg: "the identity provider's ID token names several audiences but no authorized party, so calldesk cannot tell it was issued to calldesk: start signing in again",
			err: fmt.Errorf("aud %q without azp", idt.Audience)}
	}
	if idt.IssuedAt.IsZero() {
		return nil, &refusal{msg: "the identity provider's ID token does not say when it was issued, which OpenID Connect requires: start signing in again, and if it keeps happening tell the calldesk administrators",
			err: errors.New("ID token without iat")}
	}
	if now := m.cfg.Now(); idt.IssuedAt.After(now.Add(m.cfg.ClockSkew)) {
		return nil, &refusal{msg: "the identity provider's ID token was issued in the future: check the clocks of calldesk and the identity provider",
			err: fmt.Errorf("iat %s is after now (%s) plus the clock skew %s", idt.IssuedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), m.cfg.ClockSkew)}
	}
	return idt, nil
}

// claimValue returns the configured claim from the ID token or, when the provider keeps it to
// its userinfo endpoint (as many do with profile claims in the code flow), from there, for the
// same subject.
func (m *OIDC) claimValue(ctx context.Context, idt *oidc.IDToken, tok *oauth2.Token) (string, map[string]any, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", nil, &refusal{msg: "the ID token's claims could not be read", err: err}
	}
	v, ok := claims[m.claim]
	if !ok && m.provider.UserInfoEndpoint() != "" {
		ui, err := m.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return "", nil, &refusal{msg: "the identity provider's userinfo could not be read", err: err}
		}
		if ui.Subject != idt.Subject {
			return "", nil, desk.Errorf(desk.EUNAUTHORIZED, "the identity provider's userinfo is for another subject than its ID token")
		}
		claims = nil
		if err := ui.Claims(&claims); err != nil {
			return "", nil, &refusal{msg: "the identity provider's userinfo could not be read", err: err}
		}
		v, ok = claims[m.claim]
	}
	s, _ := v.(string)
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		return "", nil, desk.Errorf(desk.EUNAUTHORIZED, "the identity provider did not send the %s claim calldesk matches people by: ask the service desk to check the single sign-on configuration", m.claim)
	}
	if m.claim == ClaimEmail && !m.emailVerified(claims) {
		return "", nil, desk.Errorf(desk.EUNAUTHORIZED, "the identity provider has not verified the email address %s, so calldesk cannot match it to you: ask the service desk to check the single sign-on configuration", s)
	}
	return s, claims, nil
}

// emailVerified says whether the provider vouches for the email address in claims: only when
// email_verified is the JSON boolean true, as OpenID Connect defines it. With TrustEmail (a
// provider known to verify every address it releases) also when there is no email_verified at
// all, or when it is the string "true" (AWS Cognito sends a string). Anything else (false,
// "false", null, "yes", 1) is not a verified address, whatever TrustEmail says.
func (m *OIDC) emailVerified(claims map[string]any) bool {
	v, ok := claims["email_verified"]
	if !ok {
		return m.cfg.TrustEmail
	}
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true" && m.cfg.TrustEmail
	}
	return false
}

// profile is what the standard claims say about the person: their names and their email
// address, when the provider has verified it (emailVerified).
func (m *OIDC) profile(claims map[string]any) Profile {
	str := func(name string) string { v, _ := claims[name].(string); return strings.TrimSpace(v) }
	pf := Profile{GivenName: str("given_name"), FamilyName: str("family_name"), Email: str("email")}
	if !m.emailVerified(claims) {
		pf.Email = ""
	}
	if pf.GivenName == "" && pf.FamilyName == "" {
		pf.FamilyName = str("name")
	}
	return pf
}

// SignOutURL is where to send the browser after ending the calldesk session so that the
// provider ends its session too, or "" when the provider does not support that or EndSession is
// off. idTokenHint may be "" (calldesk does not keep ID tokens); the client id then identifies us.
func (m *OIDC) SignOutURL(idTokenHint string) string {
	if m.endSession == "" {
		return ""
	}
	u, err := url.Parse(m.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", m.cfg.ClientID)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if m.cfg.PostLogoutRedirectURL != "" {
		q.Set("post_logout_redirect_uri", m.cfg.PostLogoutRedirectURL)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// refusal is an EUNAUTHORIZED refusal whose cause (the library's words, possibly naming
// internals) stays in the error chain for the log but out of the message shown.
type refusal struct {
	msg string
	err error
}

func (e *refusal) Error() string { return e.msg + ": " + e.err.Error() }
func (e *refusal) Unwrap() []error {
	return []error{&desk.Error{Code: desk.EUNAUTHORIZED, Message: e.msg}, e.err}
}

// localPath keeps back, cleaned, when it is a path on this site, and "/" otherwise, so that a
// sign-in link cannot send people elsewhere (pages.LocalPath, which the console and portal use).
func localPath(back string) string { return pages.LocalPath(back, "/") }

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
