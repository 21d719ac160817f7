package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/demo"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func demoCmd(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "demo", "Loads a believable demo university (people, groups, analysts, profiles, calls over two\nyears, or --years) into an empty database. Deterministic for a given seed.")
	db := dbSetting(st)
	masterKeys := masterKeysSetting(st)
	seed := st.add("seed", "1", "random seed: the same seed gives the same data", false, checkInt(1, 1<<30))
	calls := st.add("calls", "20000", "how many calls to make", false, checkInt(0, 9_000_000))
	years := st.add("years", "2", "how many years before now the calls span", false, checkInt(1, 20))
	people := st.add("people", "2000", "how many people to make", false, checkInt(100, 1_000_000))
	ifEmpty := fs.Bool("if-empty", false, "load only when the database is empty; otherwise say so and succeed")
	token := fs.Bool("token", false, "issue an API token for the demo administrator and print it")
	password := fs.Bool("password", false, "give the demo administrator a new random password for the console and print it")
	if err := parse(fs, st, args); err != nil {
		return err
	}
	sd, _ := strconv.ParseInt(*seed, 10, 64)
	nc, _ := strconv.Atoi(*calls)
	np, _ := strconv.Atoi(*people)
	ny, _ := strconv.Atoi(*years)

	s, err := openSealed(ctx, e, *db, true, masterKeys)
	if err != nil {
		return err
	}
	defer s.Close()
	empty, err := demo.Empty(ctx, s)
	if err != nil {
		return err
	}
	switch {
	case empty:
		start := time.Now()
		last := time.Time{}
		res, err := demo.Load(ctx, s, demo.Options{Seed: sd, Calls: nc, Years: ny, People: np, Now: e.Now(),
			Progress: func(done, total int) {
				if time.Since(last) > time.Second || done == total {
					last = time.Now()
					fmt.Fprintf(e.Stderr, "\rloading demo data: %3d%% (%d calls)", done*100/max(total, 1), nc)
				}
			}})
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "loaded the demo university in %s: %d people, %d groups, %d analysts, %d profiles, %d calls, %d diary entries; %d open calls at risk of missing a service-level target, %d breached\n",
			time.Since(start).Round(100*time.Millisecond), res.People, res.Groups, res.Analysts, res.Profiles, res.Calls, res.Entries, res.AtRisk, res.Breached)
	case *ifEmpty:
		fmt.Fprintln(e.Stdout, "the database already holds data; demo data not loaded")
	default:
		return usageError{fmt.Errorf("the database %s already holds data: demo data loads only into an empty database (use --if-empty to skip quietly)", *db)}
	}
	if *token {
		tok, login, err := issueDemoToken(ctx, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "demo API token (administrator %s): %s\n", login, tok)
	}
	if *password {
		pw, login, err := setDemoPassword(ctx, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "console sign-in: username %s, password %s\n", login, pw)
		pw, login, err = setDemoStudentPassword(ctx, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "portal sign-in (a student): username %s, password %s\n", login, pw)
		pw, login, err = setDemoDPOPassword(ctx, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "console sign-in for the Data Protection Officer (subject requests, erasure, retention): username %s, password %s\n", login, pw)
		pw, login, err = setDemoRolePassword(ctx, s, desk.RoleServiceManager, "service-level manager")
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "console sign-in for the service-level manager (reports with names and drill-down, /reports): username %s, password %s\n", login, pw)
		fmt.Fprintln(e.Stdout, "two-factor sign-in: the administrator and the Data Protection Officer set up an authenticator app (a QR code to scan) at their first console sign-in, as serve's --second-factor-roles (admin,dpo,supplier) asks; the others sign in with the password alone")
	}
	return nil
}

// setDemoPassword gives the first administrator a fresh random password and returns it with
// their login. It changes on every run: a demo database has no password anyone could guess.
func setDemoPassword(ctx context.Context, s *store.Store) (string, string, error) {
	admin, err := demoAdmin(ctx, s)
	if err != nil {
		return "", "", err
	}
	pw, hash, err := randomPassword()
	if err != nil {
		return "", "", err
	}
	if _, err := s.SetPassword(ctx, desk.Actor{Name: "calldesk demo"}, admin.ID, hash, ""); err != nil {
		return "", "", err
	}
	return pw, admin.Login, nil
}

// setDemoDPOPassword gives the demo's Data Protection Officer a fresh random console password.
func setDemoDPOPassword(ctx context.Context, s *store.Store) (string, string, error) {
	return setDemoRolePassword(ctx, s, desk.RoleDPO, "Data Protection Officer")
}

// setDemoRolePassword gives the demo's first account with role a fresh random console password;
// who names the role's holder in the error when there is none.
func setDemoRolePassword(ctx context.Context, s *store.Store, role desk.Role, who string) (string, string, error) {
	dpos, err := s.AccountsWithRole(ctx, role)
	if err != nil {
		return "", "", err
	}
	if len(dpos) == 0 {
		return "", "", fmt.Errorf("the database has no %s account: was it loaded by calldesk demo?", who)
	}
	pw, hash, err := randomPassword()
	if err != nil {
		return "", "", err
	}
	if _, err := s.SetPassword(ctx, desk.Actor{Name: "calldesk demo"}, dpos[0].ID, hash, ""); err != nil {
		return "", "", err
	}
	return pw, dpos[0].Login, nil
}

// setDemoStudentPassword gives the first active student with a username a customer account (when
// they have none) with a fresh random password, for trying SupportMe, the portal.
func setDemoStudentPassword(ctx context.Context, s *store.Store) (string, string, error) {
	active := true
	students, _, err := s.FindPeople(ctx, store.PersonFilter{Kind: desk.Student, Active: &active, Limit: 50})
	if err != nil {
		return "", "", err
	}
	var student desk.Person
	for _, p := range students {
		if p.Username != "" {
			student = p
			break
		}
	}
	if student.ID == 0 {
		return "", "", fmt.Errorf("the database has no active student with a username: was it loaded by calldesk demo?")
	}
	pw, acct, err := customerPassword(ctx, s, desk.Actor{Name: "calldesk demo"}, student)
	if err != nil {
		return "", "", err
	}
	return pw, acct.Login, nil
}

// randomPassword makes a password of 12 random characters and its hash.
func randomPassword() (string, string, error) {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	pw := base64.RawURLEncoding.EncodeToString(b)
	hash, err := access.HashPassword(pw)
	return pw, hash, err
}

// demoAdmin is the first administrator account, the one the demo hands out.
func demoAdmin(ctx context.Context, s *store.Store) (desk.Account, error) {
	admins, err := s.AccountsWithRole(ctx, desk.RoleAdmin)
	if err != nil {
		return desk.Account{}, err
	}
	if len(admins) == 0 {
		return desk.Account{}, fmt.Errorf("the database has no administrator account: was it loaded by calldesk demo?")
	}
	return admins[0], nil
}

// issueDemoToken makes a fresh API token for the first administrator and returns it with their login.
func issueDemoToken(ctx context.Context, s *store.Store) (string, string, error) {
	admin, err := demoAdmin(ctx, s)
	if err != nil {
		return "", "", err
	}
	tok, hash, err := access.NewToken()
	if err != nil {
		return "", "", err
	}
	actor := desk.Actor{Name: "calldesk demo"}
	if _, err := s.CreateToken(ctx, actor, admin.ID, "demo "+s.Now().Format("2006-01-02 15:04"), hash, time.Time{}); err != nil {
		return "", "", err
	}
	return tok, admin.Login, nil
}
