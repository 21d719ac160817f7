package access

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// dummyHash is checked against when a login is unknown, so that a wrong login costs the same
// argon2id work as a wrong password and the response time tells nothing.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$ngPqvIPWotbD6iEQ9/m9xg$zmFQZnHTVLlF4wiWwQmrB7oVmNAl2WgfnO9lpXj221o"

// Sessions signs people in with a local password, checks their sessions and signs them out.
// Sessions live in the database, so several calldesk instances share them. Single sign-on (a
// later issue) creates sessions through Start the same way.
type Sessions struct {
	Store *store.Store
	Now   func() time.Time
	// Zone is the desk's zone, in which messages say when to try again (UTC when zero).
	Zone desk.Zone
	// Idle ends a session not used for this long (default 30 minutes); Absolute ends any session
	// this long after sign-in (default 12 hours).
	Idle, Absolute time.Duration
	// Within Window (default 15 minutes), at most MaxPerLogin failed sign-ins per login (default 5)
	// and MaxPerAddr per client address (default 20); beyond that sign-in waits.
	Window                  time.Duration
	MaxPerLogin, MaxPerAddr int
	// Passwords says who may sign in with a local password: PasswordsAll (the default), only
	// administrators (PasswordsAdmins: the break-glass accounts, when everyone else signs in
	// through the university's single sign-on) or nobody (PasswordsOff).
	Passwords PasswordPolicy
	// LeaverPortalGrace is how long after leaving a person with the customer role may still use
	// the portal (only the portal) to follow their calls; 0, the default, means not at all. A
	// leaver never enters the console or uses the API.
	LeaverPortalGrace time.Duration
	// SecondFactorRoles are the roles for which two-factor sign-in is mandatory with a local
	// password in the console (second_factor.go): an account holding one of them and not yet
	// enrolled enrols right after its password, before any other page. Anyone may enrol.
	SecondFactorRoles []desk.Role
	// Issuer names calldesk in authenticator apps ("calldesk" when empty).
	Issuer string
}

func (m *Sessions) defaults() {
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Idle <= 0 {
		m.Idle = 30 * time.Minute
	}
	if m.Absolute <= 0 {
		m.Absolute = 12 * time.Hour
	}
	if m.Window <= 0 {
		m.Window = 15 * time.Minute
	}
	if m.MaxPerLogin <= 0 {
		m.MaxPerLogin = 5
	}
	if m.MaxPerAddr <= 0 {
		m.MaxPerAddr = 20
	}
}

// PasswordPolicy says who may use a local password.
type PasswordPolicy string

// Password policies.
const (
	PasswordsAll    PasswordPolicy = "all"
	PasswordsAdmins PasswordPolicy = "admins"
	PasswordsOff    PasswordPolicy = "off"
)

// SignIn is a sign-in attempt with a local password.
type SignIn struct {
	Login, Password string
	Addr, UserAgent string
	// Console: the attempt is for the analysts' console, which needs WorkCalls; otherwise it is
	// for the portal, which needs UsePortal (Require words the refusal).
	Console bool
}

// Session is a signed-in person as the web layer sees them.
type Session struct {
	store.Session
	Token   string // only when just created: the cookie's value
	Account desk.Account
	Person  desk.Person
}

const wrongCredentials = "the login or the password is wrong"

// maxUserAgent is the most of a browser's User-Agent a session keeps, in bytes.
const maxUserAgent = 300

// passwordsFor says whether acct may use a local password under the policy (Passwords): the
// one rule sign-in and the password change both follow.
func (m *Sessions) passwordsFor(acct desk.Account) bool {
	switch m.Passwords {
	case PasswordsOff:
		return false
	case PasswordsAdmins:
		return Can(acct, Administer)
	}
	return true
}

// clientText makes text a client sent in a header fit to store: valid UTF-8 (other bytes become
// U+FFFD), without NUL, and at most max bytes, cut between characters.
func clientText(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// SignIn checks a login and password and starts a session. Every failure but throttling and an
// account whose roles do not open the surface (Require) answers the same, so logins cannot be
// discovered.
//
// Throttling counts an attempt before the password is checked (store.ReserveSignin, one atomic
// statement per key), so guesses sent in parallel, to this instance or to several sharing the
// database, get at most the limit of password checks; a successful sign-in gives its attempt
// back.
func (m *Sessions) SignIn(ctx context.Context, in SignIn) (Session, error) {
	m.defaults()
	now := m.Now()
	login := strings.ToLower(strings.TrimSpace(in.Login))
	// A login longer than any real one cannot be a key (PostgreSQL's index refuses keys of a
	// few KB): it is a wrong login, counted against the address only, so still throttled.
	tooLong := utf8.RuneCountInString(login) > desk.MaxLogin
	type limit struct {
		key, what string
		max       int
	}
	limits := []limit{{"login:" + login, "this login", m.MaxPerLogin}, {"addr:" + in.Addr, "this address", m.MaxPerAddr}}
	if tooLong {
		limits = limits[1:]
	}
	for i, l := range limits {
		n, first, err := m.Store.ReserveSignin(ctx, l.key, now.Add(-m.Window))
		if err != nil {
			return Session{}, err
		}
		if n > l.max {
			// No password is checked: the attempts reserved for this one are given back.
			for _, r := range limits[:i+1] {
				if err := m.Store.ReleaseSignin(ctx, r.key, false); err != nil {
					return Session{}, err
				}
			}
			return Session{}, desk.Errorf(desk.ETHROTTLED, "too many failed sign-ins for %s: try again after %s",
				l.what, m.Zone.Clock(first.Add(m.Window)))
		}
	}
	if tooLong {
		CheckPassword(dummyHash, in.Password) // the same work as any wrong login
		actor := desk.Actor{Name: "sign-in as " + string([]rune(login)[:40]) + "...", Addr: in.Addr}
		if err := m.Store.RecordSigninFailure(ctx, actor, 0, fmt.Sprintf("failed sign-in with a login of %d characters, longer than any login",
			utf8.RuneCountInString(login))); err != nil {
			return Session{}, err
		}
		return Session{}, desk.Errorf(desk.EUNAUTHORIZED, wrongCredentials)
	}
	keys := []string{limits[0].key, limits[1].key}
	actor := desk.Actor{Name: "sign-in as " + login, Addr: in.Addr}
	acct, err := m.Store.FindAccountByLogin(ctx, login)
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return Session{}, err
	}
	known := err == nil
	hash := dummyHash
	if known && acct.PasswordHash != "" {
		hash = acct.PasswordHash
	}
	ok := CheckPassword(hash, in.Password) && known && acct.PasswordHash != "" && acct.Active
	if !ok {
		var personID int64
		if known {
			personID = acct.PersonID
		}
		if err := m.Store.RecordSigninFailure(ctx, actor, personID, "failed sign-in for "+login); err != nil {
			return Session{}, err
		}
		return Session{}, desk.Errorf(desk.EUNAUTHORIZED, wrongCredentials)
	}
	// The password was right: not a guess. The login's failures are forgiven, the address's
	// attempt given back.
	if err := m.Store.ReleaseSignin(ctx, keys[0], true); err != nil {
		return Session{}, err
	}
	if err := m.Store.ReleaseSignin(ctx, keys[1], false); err != nil {
		return Session{}, err
	}
	if !m.passwordsFor(acct) {
		return Session{}, desk.Errorf(desk.EFORBIDDEN, "passwords are not used here: sign in with your university account")
	}
	need := UsePortal
	if in.Console {
		need = WorkCalls
	}
	if err := Require(acct, need); err != nil {
		// A supplier enters the console with a password only while a grant of theirs runs.
		if !in.Console || !SupplierOnly(acct) {
			return Session{}, err
		}
		if _, gerr := m.Store.LiveGrant(ctx, acct.ID, m.Now()); gerr != nil {
			if desk.ErrorCode(gerr) == desk.EFORBIDDEN {
				return Session{}, err
			}
			return Session{}, gerr
		}
	}
	surface, pending := store.SurfacePortal, ""
	if in.Console {
		surface = store.SurfaceConsole
		if pending, err = m.pendingAfterPassword(ctx, acct); err != nil {
			return Session{}, err
		}
	}
	return m.start(ctx, acct, surface, "password", in.Addr, in.UserAgent, pending)
}

// Start begins a session on surface (store.SurfaceConsole or store.SurfacePortal) for an
// authenticated account (by password, or by single sign-on). A person who has left is refused
// (Admit): however they authenticated, no session begins for them.
func (m *Sessions) Start(ctx context.Context, acct desk.Account, surface, via, addr, userAgent string) (Session, error) {
	return m.start(ctx, acct, surface, via, addr, userAgent, "")
}

// start is Start with what the session still awaits (store.Session.Pending).
func (m *Sessions) start(ctx context.Context, acct desk.Account, surface, via, addr, userAgent, pending string) (Session, error) {
	m.defaults()
	p, err := m.Store.FindPerson(ctx, acct.PersonID)
	if err != nil {
		return Session{}, err
	}
	if err := m.Admit(acct, p, surface); err != nil {
		return Session{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := m.Now().UTC()
	userAgent = clientText(userAgent, maxUserAgent)
	ss := store.Session{AccountID: acct.ID, Surface: surface, Via: via, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(m.Absolute),
		ClientAddr: addr, UserAgent: userAgent, Pending: pending}
	actor := desk.Actor{PersonID: p.ID, AccountID: acct.ID, Name: p.Name(), Addr: addr}
	if err := m.Store.CreateSession(ctx, actor, TokenHash(token), ss); err != nil {
		return Session{}, fmt.Errorf("start session: %w", err)
	}
	return Session{Session: ss, Token: token, Account: acct, Person: p}, nil
}

// Admit decides whether person p, with account acct, may use surface now: EFORBIDDEN, with a
// message saying why and what to do, for a disabled account or a person who has left. A leaver
// holding the customer role may use the portal for LeaverPortalGrace after leaving, to follow
// their calls; nothing else. Sign-in (local and single sign-on) and every session check ask it.
func (m *Sessions) Admit(acct desk.Account, p desk.Person, surface string) error {
	m.defaults()
	if !acct.Active {
		return desk.Errorf(desk.EFORBIDDEN, "your calldesk account has been disabled. Ask the service desk if you need it again")
	}
	if p.Active {
		return nil
	}
	if surface == store.SurfacePortal && m.LeaverPortalGrace > 0 && acct.Has(desk.RoleCustomer) && !p.LeftAt.IsZero() {
		end := p.LeftAt.Add(m.LeaverPortalGrace)
		if m.Now().Before(end) {
			return nil
		}
		return desk.Errorf(desk.EFORBIDDEN, "your university account has ended, and so has the time after leaving (until %s) in which you could follow your calls here. "+
			"To ask about a call, contact the service desk by phone or email", m.Zone.Day(end))
	}
	return desk.Errorf(desk.EFORBIDDEN, "your university account has ended, so you can no longer sign in to calldesk. "+
		"If you have not left the university, or think this is a mistake, contact the service desk by phone or email so they can correct your record")
}

// Check returns the session for a cookie's token on surface, ending it when it has been idle
// too long, passed its absolute end (both EUNAUTHORIZED), or its person has left or account
// was disabled (EFORBIDDEN, saying so: Admit). A token of another surface's session is
// refused (EUNAUTHORIZED) and left as it is. A used session is marked seen at most once a
// minute, to spare the database a write per page.
func (m *Sessions) Check(ctx context.Context, token, surface, addr string) (Session, error) {
	return m.check(ctx, token, surface, addr, true)
}

// Peek is Check for a request the person did not make themself (a page refreshing itself): it
// ends an expired session the same way but does not count as use, so a screen left open still
// reaches the idle limit.
func (m *Sessions) Peek(ctx context.Context, token, surface, addr string) (Session, error) {
	return m.check(ctx, token, surface, addr, false)
}

func (m *Sessions) check(ctx context.Context, token, surface, addr string, touch bool) (Session, error) {
	m.defaults()
	hash := TokenHash(token)
	ss, acct, p, err := m.Store.FindSession(ctx, hash)
	if err != nil {
		return Session{}, err
	}
	if ss.Surface != surface {
		return Session{}, desk.Errorf(desk.EUNAUTHORIZED, "you are not signed in, or your session has ended: sign in again")
	}
	now := m.Now().UTC()
	actor := desk.Actor{PersonID: p.ID, AccountID: acct.ID, Name: p.Name(), Addr: addr}
	end := func(reason string, err error) (Session, error) {
		if err := m.Store.EndSession(ctx, actor, hash, reason); err != nil {
			return Session{}, err
		}
		return Session{}, err
	}
	switch {
	case !now.Before(ss.ExpiresAt):
		return end("ended: absolute limit", desk.Errorf(desk.EUNAUTHORIZED, "your session ended %s after you signed in: sign in again", human(m.Absolute)))
	case now.Sub(ss.SeenAt) >= m.Idle:
		return end("ended: idle", desk.Errorf(desk.EUNAUTHORIZED, "your session ended after %s without use: sign in again", human(m.Idle)))
	case ss.Pending != "" && now.Sub(ss.CreatedAt) >= pendingFor:
		return end("ended: second factor not given in time", desk.Errorf(desk.EUNAUTHORIZED, "signing in was not finished within %s: sign in again", human(pendingFor)))
	}
	if err := m.Admit(acct, p, surface); err != nil {
		reason := "ended: the person has left"
		if !acct.Active {
			reason = "ended: account disabled"
		}
		return end(reason, err)
	}
	if touch && now.Sub(ss.SeenAt) >= time.Minute {
		if err := m.Store.TouchSession(ctx, hash, now); err != nil {
			return Session{}, err
		}
		ss.SeenAt = now
	}
	return Session{Session: ss, Account: acct, Person: p}, nil
}

// SignOut ends the session of a token on surface (a token of another surface's session is
// left alone).
func (m *Sessions) SignOut(ctx context.Context, token, surface, addr string) error {
	m.defaults()
	hash := TokenHash(token)
	ss, acct, p, err := m.Store.FindSession(ctx, hash)
	if desk.ErrorCode(err) == desk.EUNAUTHORIZED {
		return nil // already over
	}
	if err != nil {
		return err
	}
	if ss.Surface != surface {
		return nil
	}
	return m.Store.EndSession(ctx, desk.Actor{PersonID: p.ID, AccountID: acct.ID, Name: p.Name(), Addr: addr}, hash, "signed out")
}

func human(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()))
}

// ReserveResetAsk counts an ask for a password reset link from the client address addr, under
// the sign-in's per-address limit (MaxPerAddr in Window, store.ReserveSignin with the key
// "reset-addr:<addr>"): beyond it, ETHROTTLED saying when to try again. Each ask that gets past
// may email a link, so without it one client could have calldesk mail every account it can name,
// three times an hour each. The limit is the address's, whatever account is named, so the
// answer tells nothing about who has an account.
func (m *Sessions) ReserveResetAsk(ctx context.Context, addr string) error {
	m.defaults()
	n, first, err := m.Store.ReserveSignin(ctx, "reset-addr:"+addr, m.Now().Add(-m.Window))
	if err != nil {
		return err
	}
	if n > m.MaxPerAddr {
		return desk.Errorf(desk.ETHROTTLED, "too many reset links were asked for from your connection: try again after %s",
			m.Zone.Clock(first.Add(m.Window)))
	}
	return nil
}
