package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func (c *Console) accountRoutes() []route {
	return []route{{"GET", "/account", access.WorkCalls, c.showAccount}, {"POST", "/account/password", access.WorkCalls, c.changePassword},
		{"POST", "/account/tokens/{id}/revoke", access.WorkCalls, c.revokeOwnToken}}
}

// accountPage is "Your account": the signed-in analyst's password (changed here, when local
// passwords are allowed for them) and their API tokens, each with Revoke.
type accountPage struct {
	page
	// Password says whether they may change a local password here; NoPassword why not.
	Password   bool
	NoPassword string
	// Errors are the password form's field errors (current, new, repeat); Problem a refusal
	// that is not about one field (throttling).
	Errors  map[string]string
	Problem string
	// Changed says the password was just changed, Ended how many other sessions that signed
	// out; Revoked names a token just revoked. Only the answer to that post sets them, never
	// the address: a link cannot make the page say what was not done.
	Changed bool
	Ended   int
	Revoked string
	Tokens  []store.Token
	// SecondFactor says two-factor sign-in is set up, with RecoveryLeft unused recovery codes;
	// SecondFactorRequired that the account's role makes it mandatory.
	SecondFactor, SecondFactorRequired bool
	RecoveryLeft                       int
}

func (c *Console) accountPage(r *http.Request, v *visit) (accountPage, error) {
	p := accountPage{page: c.page(v, "Your account"), Errors: map[string]string{}}
	p.Section = "account"
	p.Password, p.NoPassword = c.Sessions.MayChangePassword(v.Account)
	p.SecondFactorRequired = c.Sessions.SecondFactorMandatory(v.Account)
	f, err := c.Store.FindSecondFactor(r.Context(), v.Account.ID)
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
		return p, err
	}
	p.SecondFactor, p.RecoveryLeft = err == nil && f.Confirmed(), f.RecoveryLeft
	p.Tokens, err = c.Store.AccountTokens(r.Context(), v.Account.ID)
	return p, err
}

func (c *Console) showAccount(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.accountPage(r, v)
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "account", p)
}

// changePassword changes the analyst's own password and signs out their other sessions,
// saying how many; a mistake in the form re-renders it with the error beside the field.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	n, err := c.Sessions.ChangePassword(r.Context(), access.PasswordChange{Session: v.Session, Token: v.Token,
		Current: f.Get("current"), New: f.Get("new"), Repeated: f.Get("repeat"), Addr: v.Actor.Addr})
	switch desk.ErrorCode(err) {
	case "":
		// The page is the answer to the post, not a redirect to an address saying what was
		// done: a link could say it too, to anyone who followed it.
		p, err := c.accountPage(r, v)
		if err != nil {
			return err
		}
		p.Changed, p.Ended = true, n
		return c.render(w, r, http.StatusOK, "account", p)
	case desk.EINVALID, desk.ETHROTTLED:
		p, perr := c.accountPage(r, v)
		if perr != nil {
			return perr
		}
		mergeFields(p.Errors, err)
		if len(p.Errors) == 0 {
			p.Problem = sentenceCase(desk.Message(err))
		}
		status := http.StatusUnprocessableEntity
		if desk.ErrorCode(err) == desk.ETHROTTLED {
			status = http.StatusTooManyRequests
		}
		return c.render(w, r, status, "account", p)
	}
	return err
}

// revokeOwnToken revokes one of the analyst's own API tokens at once; another's token is not
// theirs to revoke here (ENOTFOUND, as if it did not exist).
func (c *Console) revokeOwnToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not an API token", r.PathValue("id"))
	}
	tokens, err := c.Store.AccountTokens(r.Context(), v.Account.ID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.ID == id {
			if err := c.Store.RevokeToken(r.Context(), v.Actor, id); err != nil {
				return err
			}
			p, err := c.accountPage(r, v) // the answer to the post, as for a password change
			if err != nil {
				return err
			}
			p.Revoked = t.Name
			return c.render(w, r, http.StatusOK, "account", p)
		}
	}
	return desk.Errorf(desk.ENOTFOUND, "you have no live API token %d: it was revoked already, or is not yours", id)
}
