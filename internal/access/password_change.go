package access

import (
	"context"
	"strings"

	"calldesk/internal/desk"
)

// PasswordChange is a signed-in person changing their own local password.
type PasswordChange struct {
	// Session is the session making the change, and Token its cookie's value: it stays signed
	// in; every other session of the account ends.
	Session                Session
	Token                  string
	Current, New, Repeated string
	Addr                   string
}

// MayChangePassword says whether acct may have a local password under the policy, and if not,
// why not (a sentence to show).
func (m *Sessions) MayChangePassword(acct desk.Account) (bool, string) {
	switch {
	case !m.passwordsFor(acct):
		return false, "Passwords are not used here: you sign in with your university account, whose password the university looks after."
	case acct.PasswordHash == "":
		return false, "Your account has no calldesk password: you sign in with your university account, whose password the university looks after."
	}
	return true, ""
}

// ChangePassword changes the signed-in person's local password after checking their current
// one, and ends every other session of their account (console and portal) in the same
// transaction (store.SetPassword); it returns how many it ended. A wrong current password counts
// as a failed sign-in for the login (the same throttle), so a borrowed session cannot guess it.
// Form errors are EINVALID with the field: current, new or repeat.
func (m *Sessions) ChangePassword(ctx context.Context, in PasswordChange) (int, error) {
	m.defaults()
	acct, p := in.Session.Account, in.Session.Person
	if ok, why := m.MayChangePassword(acct); !ok {
		return 0, desk.Errorf(desk.EFORBIDDEN, "%s", strings.TrimSuffix(why, "."))
	}
	actor := desk.Actor{PersonID: p.ID, AccountID: acct.ID, Name: p.Name(), Addr: in.Addr}
	key := "login:" + strings.ToLower(acct.Login)
	n, first, err := m.Store.ReserveSignin(ctx, key, m.Now().Add(-m.Window))
	if err != nil {
		return 0, err
	}
	if n > m.MaxPerLogin {
		if err := m.Store.ReleaseSignin(ctx, key, false); err != nil {
			return 0, err
		}
		return 0, desk.Errorf(desk.ETHROTTLED, "too many wrong passwords for your login: try again after %s", m.Zone.Clock(first.Add(m.Window)))
	}
	if !CheckPassword(acct.PasswordHash, in.Current) {
		if err := m.Store.RecordSigninFailure(ctx, actor, p.ID, "wrong current password when changing it"); err != nil {
			return 0, err
		}
		return 0, desk.Invalid("your password was not changed", map[string]string{"current": "is not your current password"})
	}
	if err := m.Store.ReleaseSignin(ctx, key, true); err != nil {
		return 0, err
	}
	f := map[string]string{}
	switch {
	case len(in.New) < 12:
		f["new"] = "must be at least 12 characters"
	case in.New == in.Current:
		f["new"] = "is your current password: choose another"
	case in.New != in.Repeated:
		f["repeat"] = "is not the same as the new password"
	}
	if len(f) > 0 {
		return 0, desk.Invalid("your password was not changed", f)
	}
	hash, err := HashPassword(in.New)
	if err != nil {
		return 0, err
	}
	return m.Store.SetPassword(ctx, actor, acct.ID, hash, TokenHash(in.Token))
}
