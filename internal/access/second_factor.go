package access

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Two-factor sign-in (issue 20 item 2): after a right local password, an account enrolled in
// two-factor sign-in gives a code from an authenticator app (TOTP, RFC 6238: six digits, a new
// one every 30 seconds) or one of its recovery codes; an account of a role for which it is
// mandatory (Sessions.SecondFactorRoles) and not yet enrolled enrols first. Until then the
// session is pending (store.Session.Pending) and opens nothing but the pages that finish
// signing in. Single sign-on sessions rely on the identity provider's own MFA.

// totpPeriod is the length of a TOTP time-step.
const totpPeriod = 30

// RecoveryCodes is how many recovery codes an enrolment issues.
const RecoveryCodes = 10

// pendingFor is how long a session may stay pending before it is ended: time enough to find a
// phone and scan a code.
const pendingFor = 15 * time.Minute

// totpOpts are the parameters every authenticator app supports.
func totpOpts() totp.ValidateOpts {
	return totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
}

// SecondFactorMandatory reports whether acct must use two-factor sign-in with a local password:
// it holds one of the roles of SecondFactorRoles.
func (m *Sessions) SecondFactorMandatory(acct desk.Account) bool {
	return slices.ContainsFunc(m.SecondFactorRoles, acct.Has)
}

// pendingAfterPassword says what a console session begun by a right password still needs: a
// code (the account has enrolled), enrolment (it must, and has not) or nothing.
func (m *Sessions) pendingAfterPassword(ctx context.Context, acct desk.Account) (string, error) {
	f, err := m.Store.FindSecondFactor(ctx, acct.ID)
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return "", err
	}
	switch {
	case err == nil && f.Confirmed():
		return store.PendingCode, nil
	case m.SecondFactorMandatory(acct):
		return store.PendingEnrol, nil
	}
	return "", nil
}

// Enrolment is what a person needs to add calldesk to their authenticator app: the secret (to
// type), the otpauth:// address and the same as a QR code (a PNG data URI).
type Enrolment struct {
	Secret string
	URL    string
	QR     string
}

// Grouped is the secret in groups of four characters, easier to type.
func (e Enrolment) Grouped() string {
	var b strings.Builder
	for i, r := range e.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// BeginEnrolment returns the enrolment of the session's account in progress, or starts one with
// a new secret (store.BeginSecondFactor). An account already enrolled is ECONFLICT.
func (m *Sessions) BeginEnrolment(ctx context.Context, ss Session, actor desk.Actor) (Enrolment, error) {
	m.defaults()
	f, err := m.Store.FindSecondFactor(ctx, ss.Account.ID)
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return Enrolment{}, err
	}
	if err == nil && f.Confirmed() {
		return Enrolment{}, desk.Errorf(desk.ECONFLICT, "two-factor sign-in is already set up for your account. If you have lost your authenticator app, sign in with a recovery code, or ask an administrator to reset it")
	}
	var secret []byte
	if err == nil && m.Now().Sub(f.CreatedAt) < time.Hour {
		// The same secret while the page is reloaded: an app that scanned it already keeps working.
		if secret, err = secretEncoding.DecodeString(f.Secret); err != nil {
			return Enrolment{}, fmt.Errorf("second factor of account %d: %w", ss.Account.ID, err)
		}
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: m.issuer(), AccountName: ss.Account.Login, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Secret: secret, Rand: rand.Reader})
	if err != nil {
		return Enrolment{}, err
	}
	if secret == nil {
		if err := m.Store.BeginSecondFactor(ctx, actor, ss.Account.ID, key.Secret()); err != nil {
			return Enrolment{}, err
		}
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

func (m *Sessions) issuer() string {
	if m.Issuer != "" {
		return m.Issuer
	}
	return "calldesk"
}

// ConfirmEnrolment completes the enrolment of the session's account with a first code from the
// app, and returns the recovery codes, to be shown once (only their hashes are kept). The
// session (token) is no longer pending. Codes are throttled like passwords.
func (m *Sessions) ConfirmEnrolment(ctx context.Context, ss Session, token, code string, actor desk.Actor) ([]string, error) {
	m.defaults()
	key, err := m.reserveCode(ctx, ss.Account.Login)
	if err != nil {
		return nil, err
	}
	f, err := m.Store.FindSecondFactor(ctx, ss.Account.ID)
	if err != nil {
		return nil, err
	}
	if f.Confirmed() {
		return nil, desk.Errorf(desk.ECONFLICT, "two-factor sign-in is already set up for your account")
	}
	step, ok := matchStep(f.Secret, normalCode(code), m.Now())
	if !ok {
		return nil, m.wrongCode(ctx, ss, actor)
	}
	codes := make([]string, RecoveryCodes)
	hashes := make([]string, RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = TokenHash(normalCode(codes[i]))
	}
	if err := m.Store.ConfirmSecondFactor(ctx, actor, ss.Account.ID, step, hashes, TokenHash(token)); err != nil {
		return nil, err
	}
	return codes, m.Store.ReleaseSignin(ctx, key, true)
}

// VerifySecondFactor checks the code given by the session's person, a TOTP code or a recovery
// code, and finishes signing in the session (token). A TOTP code is accepted in its own
// 30-second step and the steps either side (clocks drift), once: a code already accepted, or
// one older than it, is refused. A recovery code works once; recovery says one was used, and
// left how many remain. Wrong codes are throttled like passwords (ETHROTTLED).
func (m *Sessions) VerifySecondFactor(ctx context.Context, ss Session, token, code string, actor desk.Actor) (recovery bool, left int, err error) {
	m.defaults()
	key, err := m.reserveCode(ctx, ss.Account.Login)
	if err != nil {
		return false, 0, err
	}
	f, err := m.Store.FindSecondFactor(ctx, ss.Account.ID)
	if err != nil {
		return false, 0, err
	}
	c := normalCode(code)
	if len(c) == int(otp.DigitsSix) {
		step, ok := matchStep(f.Secret, c, m.Now())
		if !ok {
			return false, 0, m.wrongCode(ctx, ss, actor)
		}
		if err := m.Store.UseSecondFactorStep(ctx, actor, ss.Account.ID, step, TokenHash(token)); err != nil {
			if desk.ErrorCode(err) == desk.ECONFLICT {
				if ferr := m.Store.RecordSigninFailure(ctx, actor, ss.Person.ID, "a two-factor code given again for "+ss.Account.Login); ferr != nil {
					return false, 0, ferr
				}
			}
			return false, 0, err
		}
		return false, 0, m.Store.ReleaseSignin(ctx, key, true)
	}
	if left, err = m.Store.UseRecoveryCode(ctx, actor, ss.Account.ID, TokenHash(c), TokenHash(token)); err != nil {
		if desk.ErrorCode(err) == desk.EINVALID {
			return false, 0, m.wrongCode(ctx, ss, actor)
		}
		return false, 0, err
	}
	return true, left, m.Store.ReleaseSignin(ctx, key, true)
}

// ResetSecondFactor removes an account's enrolment (an administrator's act, audited): its
// sessions end and its next sign-in enrols again when its role requires it.
func (m *Sessions) ResetSecondFactor(ctx context.Context, actor desk.Actor, accountID int64) error {
	return m.Store.ResetSecondFactor(ctx, actor, accountID)
}

// reserveCode counts a code's attempt against the login before the code is checked, under the
// password's limit (MaxPerLogin in Window), and returns the throttle's key.
func (m *Sessions) reserveCode(ctx context.Context, login string) (string, error) {
	key := "second:" + strings.ToLower(login)
	n, first, err := m.Store.ReserveSignin(ctx, key, m.Now().Add(-m.Window))
	if err != nil {
		return "", err
	}
	if n > m.MaxPerLogin {
		if err := m.Store.ReleaseSignin(ctx, key, false); err != nil {
			return "", err
		}
		return "", desk.Errorf(desk.ETHROTTLED, "too many wrong codes for this login: try again after %s", m.Zone.Clock(first.Add(m.Window)))
	}
	return key, nil
}

// wrongCode audits a wrong code and returns the refusal.
func (m *Sessions) wrongCode(ctx context.Context, ss Session, actor desk.Actor) error {
	if err := m.Store.RecordSigninFailure(ctx, actor, ss.Person.ID, "a wrong two-factor code for "+ss.Account.Login); err != nil {
		return err
	}
	return desk.Errorf(desk.EINVALID, "the code is wrong: type the six digits your authenticator app shows now, or one of your recovery codes")
}

// normalCode is a code as typed without spaces and hyphens, in lower case.
func normalCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(code)))
}

// matchStep finds the time-step, of now's and the one either side, whose code is code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != int(otp.DigitsSix) {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for _, d := range []int64{0, -1, 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*totpPeriod, 0), totpOpts())
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d, true
		}
	}
	return 0, false
}

// newRecoveryCode is ten random characters (50 bits) as two groups of five: xxxxx-xxxxx.
func newRecoveryCode() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	s := strings.ToLower(secretEncoding.EncodeToString(b))[:10]
	return s[:5] + "-" + s[5:]
}
