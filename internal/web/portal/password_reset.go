package portal

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/mail"
)

// resetLife is how long an emailed reset link works (once).
const resetLife = time.Hour

func (p *Portal) passwordRoutes() []route {
	return []route{
		{"GET", prefix + "password/forgot", access.Public, p.forgotForm},
		{"POST", prefix + "password/forgot", access.Public, p.forgot},
		{"GET", prefix + "password/reset/{token}", access.Public, p.resetForm},
		{"POST", prefix + "password/reset/{token}", access.Public, p.reset},
	}
}

// localPasswords says whether customers sign in to SupportMe with a local password, which they
// may forget: not when they must use single sign-on, nor when local passwords are off or kept
// for administrators.
func (p *Portal) localPasswords() bool {
	return !p.ssoOnly() && p.Sessions.Passwords != access.PasswordsOff && p.Sessions.Passwords != access.PasswordsAdmins
}

// resetsByEmail says whether a reset link can be emailed: local passwords are on, and calldesk
// knows its public address and its mail domain.
func (p *Portal) resetsByEmail() bool {
	return p.localPasswords() && p.PublicURL != "" && p.MailDomain != ""
}

// forgotPage is "Forgotten your password?": the form asking for a username or an email address
// (By email), the answer once it is sent (Sent), or what to do instead when no link can be
// emailed: sign in through the university's account (SSO), or ask the desk.
type forgotPage struct {
	page
	ByEmail, SSO, Sent bool
	Login              string
	Errors             []fieldError
}

func (p *Portal) forgotPage() forgotPage {
	return forgotPage{page: p.page(nil, "Forgotten your password?"), ByEmail: p.resetsByEmail(), SSO: !p.localPasswords()}
}

func (p *Portal) forgotForm(w http.ResponseWriter, r *http.Request, _ *visit) error {
	return p.render(w, r, http.StatusOK, "forgot", p.forgotPage())
}

// forgot emails a reset link to the person whose account the username or email address names,
// when it has a local password; the answer is the same whether or not one does (no account
// enumeration), an account is sent at most three links an hour (store.StartPasswordReset), and
// one client address asks at most as often as it may fail to sign in (ReserveResetAsk).
func (p *Portal) forgot(w http.ResponseWriter, r *http.Request, _ *visit) error {
	pg := p.forgotPage()
	if !pg.ByEmail {
		return p.render(w, r, http.StatusOK, "forgot", pg)
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pg.Login = strings.TrimSpace(r.PostForm.Get("login"))
	if pg.Login == "" || len(pg.Login) > desk.MaxLogin {
		msg := "Enter your username or email address"
		if pg.Login != "" {
			msg = "Your username or email address is longer than any we hold: check it"
		}
		pg.Errors, pg.Failed = []fieldError{{ID: "login", Message: msg}}, true
		return p.render(w, r, http.StatusUnprocessableEntity, "forgot", pg)
	}
	addr := p.Proxies.ClientAddr(r)
	if err := p.Sessions.ReserveResetAsk(r.Context(), addr); desk.ErrorCode(err) == desk.ETHROTTLED {
		pg.Errors, pg.Failed = []fieldError{{ID: "login", Message: sentence(desk.Message(err)) + " Or contact the IT service desk (below)."}}, true
		return p.render(w, r, http.StatusTooManyRequests, "forgot", pg)
	} else if err != nil {
		return err
	}
	pg.Sent = true
	acct, person, err := p.Store.ResetAccount(r.Context(), pg.Login)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return p.render(w, r, http.StatusOK, "forgot", pg)
	} else if err != nil {
		return err
	}
	if may, _ := p.Sessions.MayChangePassword(acct); !may || person.Email == "" || access.Require(acct, access.UsePortal) != nil || !customerOnly(acct) {
		return p.render(w, r, http.StatusOK, "forgot", pg)
	}
	token, hash, err := access.NewToken()
	if err != nil {
		return err
	}
	link := strings.TrimSuffix(p.PublicURL, "/") + prefix + "password/reset/" + url.PathEscape(token)
	name := person.FirstName
	if name == "" {
		name = person.Name()
	}
	text := "Hello " + name + ",\n\n" +
		"Someone, we hope you, asked to reset the password you use to sign in to SupportMe, the IT service desk's website.\n\n" +
		"To choose a new password, open this link within the next hour:\n\n" + link + "\n\n" +
		"The link works once. If you did not ask for this, ignore this email: your password stays as it is.\n\n" +
		"IT service desk\n"
	if c := p.Contact; c.Phone != "" {
		text += "Phone: " + c.Phone + "\n"
	}
	actor := desk.Actor{Name: "someone on SupportMe's sign-in page", Addr: addr, Surface: desk.SurfacePortal}
	if _, err := p.Store.StartPasswordReset(r.Context(), actor, acct.ID, hash, p.now().Add(resetLife), desk.OutMail{
		MessageID: mail.NewMessageID(p.MailDomain), Kind: desk.MailPasswordReset, To: person.Email,
		Subject: "Reset your SupportMe password", Text: text}); err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, "forgot", pg)
}

// resetPage is the form for a new password, reached from the emailed link; Ended says the link
// no longer works (used, too old, or never was).
type resetPage struct {
	page
	Token  string
	Ended  string
	Errors []fieldError
}

func (p *Portal) resetForm(w http.ResponseWriter, r *http.Request, _ *visit) error {
	pg := resetPage{page: p.page(nil, "Choose a new password"), Token: r.PathValue("token")}
	if _, err := p.resetAccount(r, pg.Token); err != nil {
		if desk.ErrorCode(err) != desk.EINVALID {
			return err
		}
		pg.Title, pg.Ended = "This link has ended", sentence(desk.Message(err))
		return p.render(w, r, http.StatusGone, "reset", pg)
	}
	return p.render(w, r, http.StatusOK, "reset", pg)
}

// resetAccount is the account of a live reset link whose owner may still have a local password.
func (p *Portal) resetAccount(r *http.Request, token string) (desk.Account, error) {
	if !p.localPasswords() || token == "" {
		return desk.Account{}, desk.Errorf(desk.EINVALID, "this link to reset your password does not work here")
	}
	acct, err := p.Store.PasswordResetAccount(r.Context(), access.TokenHash(token))
	if err != nil {
		return acct, err
	}
	if may, _ := p.Sessions.MayChangePassword(acct); !may {
		return acct, desk.Errorf(desk.EINVALID, "this link to reset your password does not work any more: your account signs in another way")
	}
	return acct, nil
}

// reset sets the new password from the emailed link, once: every session of the account ends,
// and the person signs in with the new password.
func (p *Portal) reset(w http.ResponseWriter, r *http.Request, _ *visit) error {
	pg := resetPage{page: p.page(nil, "Choose a new password"), Token: r.PathValue("token")}
	acct, err := p.resetAccount(r, pg.Token)
	if err != nil {
		if desk.ErrorCode(err) != desk.EINVALID {
			return err
		}
		pg.Title, pg.Ended = "This link has ended", sentence(desk.Message(err))
		return p.render(w, r, http.StatusGone, "reset", pg)
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pw, again := r.PostForm.Get("password"), r.PostForm.Get("repeat")
	switch {
	case pw == "":
		pg.Errors = []fieldError{{ID: "password", Message: "Enter a new password"}}
	case len(pw) < 12:
		pg.Errors = []fieldError{{ID: "password", Message: "Your new password must be at least 12 characters long"}}
	case len(pw) > 1024:
		pg.Errors = []fieldError{{ID: "password", Message: "Your new password must be at most 1024 characters long"}}
	case again != pw:
		pg.Errors = []fieldError{{ID: "repeat", Message: "The two passwords are not the same: type the new password again"}}
	}
	if len(pg.Errors) > 0 {
		pg.Failed = true
		return p.render(w, r, http.StatusUnprocessableEntity, "reset", pg)
	}
	hash, err := access.HashPassword(pw)
	if err != nil {
		return err
	}
	name := acct.Login
	if person, err := p.Store.FindPerson(r.Context(), acct.PersonID); err == nil {
		name = person.Name()
	}
	actor := desk.Actor{Name: name, Addr: p.Proxies.ClientAddr(r), Surface: desk.SurfacePortal}
	if _, _, err := p.Store.FinishPasswordReset(r.Context(), actor, access.TokenHash(pg.Token), hash); err != nil {
		if desk.ErrorCode(err) != desk.EINVALID {
			return err
		}
		pg.Title, pg.Ended = "This link has ended", sentence(desk.Message(err))
		return p.render(w, r, http.StatusGone, "reset", pg)
	}
	p.clearSession(w, r)
	return seeOther(w, r, prefix+"signin?reset=1")
}

// customerOnly reports whether the account holds no role but the customer's: a staff account
// (an analyst, an administrator, the DPO...) is not reset by an emailed link, which would give
// whoever reads that mailbox the console; its password is reset by an administrator (or
// `calldesk account`). The answer is the same as for any other ask.
func customerOnly(a desk.Account) bool {
	for _, r := range a.Roles {
		if r != desk.RoleCustomer {
			return false
		}
	}
	return true
}
