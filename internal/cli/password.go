package cli

import (
	"context"
	"fmt"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// passwordCmd gives one account a new random local password and prints it: what an administrator
// at the server's shell needs to let someone in (or back in), and what scripts/bench.sh uses to
// sign in to the portal as real customers. The password is made here, never typed on the command
// line, so it stays out of shell history and process lists.
func passwordCmd(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "password", "Gives the account with a login a new random local password and prints it. With\n--create-customer, a person who has no account yet (found by username) gets a customer\naccount, for the portal only.")
	db := dbSetting(st)
	login := fs.String("login", "", "the account's login (letter case aside); with --create-customer, a person's username")
	create := fs.Bool("create-customer", false, "when no account has this login, make a customer account (portal only) for the active person with this username")
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if strings.TrimSpace(*login) == "" {
		return usageError{fmt.Errorf("--login is required")}
	}
	s, err := openStore(ctx, e, *db, false)
	if err != nil {
		return err
	}
	defer s.Close()
	actor := desk.Actor{Name: "calldesk password"}
	acct, err := s.FindAccountByLogin(ctx, *login)
	if desk.ErrorCode(err) == desk.ENOTFOUND && *create {
		var p desk.Person
		if p, err = personByUsername(ctx, s, *login); err != nil {
			return err
		}
		var pw string
		if pw, acct, err = customerPassword(ctx, s, actor, p); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "portal sign-in: username %s, password %s\n", acct.Login, pw)
		return nil
	}
	if err != nil {
		return err
	}
	pw, hash, err := randomPassword()
	if err != nil {
		return err
	}
	ended, err := s.SetPassword(ctx, actor, acct.ID, hash, "")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, sessionsEnded(acct.Login, ended))
	fmt.Fprintf(e.Stdout, "sign-in: username %s, password %s\n", acct.Login, pw)
	return nil
}

// sessionsEnded says how many of login's sessions a password reset signed out.
func sessionsEnded(login string, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%s had no session to end", login)
	case 1:
		return fmt.Sprintf("1 session of %s was signed out (console and portal): whoever knew the old password is out", login)
	}
	return fmt.Sprintf("%d sessions of %s were signed out (console and portal): whoever knew the old password is out", n, login)
}

// personByUsername is the active person whose username is login (letter case aside), or ENOTFOUND.
func personByUsername(ctx context.Context, s *store.Store, login string) (desk.Person, error) {
	active := true
	people, _, err := s.FindPeople(ctx, store.PersonFilter{Query: login, Active: &active, Limit: 50})
	if err != nil {
		return desk.Person{}, err
	}
	for _, p := range people {
		if p.Username != "" && strings.EqualFold(p.Username, strings.TrimSpace(login)) {
			return p, nil
		}
	}
	return desk.Person{}, desk.Errorf(desk.ENOTFOUND, "no account and no active person with username %q", login)
}

// customerPassword gives person p a fresh random password: on their account when they have one,
// otherwise on a new customer account (portal only) with their username as its login.
func customerPassword(ctx context.Context, s *store.Store, actor desk.Actor, p desk.Person) (string, desk.Account, error) {
	pw, hash, err := randomPassword()
	if err != nil {
		return "", desk.Account{}, err
	}
	acct, err := s.FindAccountByPerson(ctx, p.ID)
	switch desk.ErrorCode(err) {
	case "":
		_, err = s.SetPassword(ctx, actor, acct.ID, hash, "")
	case desk.ENOTFOUND:
		acct, err = s.CreateAccount(ctx, actor, desk.Account{PersonID: p.ID, Login: p.Username, PasswordHash: hash,
			Roles: []desk.Role{desk.RoleCustomer}})
	}
	if err != nil {
		return "", desk.Account{}, err
	}
	return pw, acct, nil
}
