package sso

import (
	"context"
	"errors"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// matcher finds the person a signed-in identity belongs to, for every single sign-on protocol:
// exactly one person of the register whose username or email (by) equals the identity, holding
// an active account. Nobody gets an account silently.
//
// The match ignores case (store.FindPeopleByIdentity), on purpose: calldesk treats usernames and
// email addresses as one ignoring case (sign-in, mail matching, SCIM, imports), as Entra ID,
// Shibboleth and Active Directory do, releasing "AArcher@uni.example" for the username "aarcher". A
// provider that treats case variants as different accounts would let two of its accounts reach
// one person; the README's single sign-on section says to match such a provider by a claim it
// keeps case-stable.
type matcher struct {
	store *store.Store
	by    store.Identity
	// domain, when matching by username, is the scope taken off a value such as
	// "aarcher@uni.example" to give the username "aarcher"; a value scoped with any other domain
	// is left whole, so it matches nobody.
	domain string
}

// finish completes res with the matched account and person, or says why not (res.Unknown when
// nobody matches).
func (mt matcher) finish(ctx context.Context, res Result) (Result, error) {
	acct, p, err := mt.match(ctx, res.Identity)
	res.Account, res.Person = acct, p
	res.Unknown = err != nil && p.ID == 0 && desk.ErrorCode(err) == desk.ENOTFOUND && !mt.ambiguous(err)
	return res, err
}

// key is the value a person's username or email must equal: value, less the university's
// domain when matching usernames.
func (mt matcher) key(value string) string {
	if mt.by == store.ByUsername && mt.domain != "" {
		if at := strings.LastIndex(value, "@"); at > 0 && strings.EqualFold(value[at+1:], mt.domain) {
			return value[:at]
		}
	}
	return value
}

// match finds the one person whose username or email is value, with their active account.
// Nobody known is ENOTFOUND and a disabled account EFORBIDDEN, each with a message saying what
// to do.
func (mt matcher) match(ctx context.Context, value string) (desk.Account, desk.Person, error) {
	people, err := mt.store.FindPeopleByIdentity(ctx, mt.by, mt.key(value))
	if err != nil {
		return desk.Account{}, desk.Person{}, err
	}
	switch len(people) {
	case 0:
		return desk.Account{}, desk.Person{}, desk.Errorf(desk.ENOTFOUND,
			"unknown identity: you signed in as %s, but calldesk has no person with that %s. Ask the service desk to add you, or to correct your record, quoting %q",
			value, mt.by, value)
	case 1:
	default:
		return desk.Account{}, desk.Person{}, &ambiguous{desk.Errorf(desk.ENOTFOUND,
			"ambiguous identity: you signed in as %s, which matches %d people in calldesk. Ask the service desk to correct the duplicate records, quoting %q",
			value, len(people), value)}
	}
	p := people[0]
	acct, err := mt.store.FindAccountByPerson(ctx, p.ID)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return desk.Account{}, p, desk.Errorf(desk.ENOTFOUND,
			"you signed in as %s, but you have no calldesk account. Ask the service desk to give you one, quoting %q", value, value)
	}
	if err != nil {
		return desk.Account{}, p, err
	}
	if !acct.Active {
		return desk.Account{}, p, desk.Errorf(desk.EFORBIDDEN,
			"you signed in as %s, but your calldesk account is disabled. Ask the service desk if you need it again", value)
	}
	if !p.Active {
		// The account and person are kept in the result: the portal may still admit a leaver
		// for its grace period (access.Sessions.Admit); nothing else does.
		return acct, p, &left{desk.Errorf(desk.EFORBIDDEN,
			"you signed in as %s, but your university account has ended (the university's records say you have left), so calldesk no longer lets you in. "+
				"If you have not left, or think this is a mistake, contact the service desk by phone or email so they can correct your record", value)}
	}
	return acct, p, nil
}

// left is the refusal of an identity whose person has left the university.
type left struct{ error }

func (l *left) Unwrap() error { return l.error }

// Left reports whether err refuses a single sign-on because the person has left: the result
// then still names their account and person, for the one place that may admit a leaver (the
// portal, within its grace period: access.Sessions.Admit).
func Left(err error) bool {
	var l *left
	return errors.As(err, &l)
}

// ambiguous is the refusal of an identity that matches several people: not unknown, so never
// cured by enrolling yet another.
type ambiguous struct{ error }

func (a *ambiguous) Unwrap() error { return a.error }

func (mt matcher) ambiguous(err error) bool {
	var a *ambiguous
	return errors.As(err, &a)
}

// Enrol makes an unknown identity a partner (S4): a person of kind partner, recorded as enrolled
// at first single sign-on, with their names and email as the provider released them, and a
// customer's account without a password, in one transaction with its audit records. It then
// returns res as a successful sign-in for that account. Only an identity that matched nobody
// (res.Unknown) is enrolled, and only with a name and an email address the provider vouches for:
// otherwise the service desk would hold a record it could not contact or recognise.
func (res Result) Enrol(ctx context.Context, actor desk.Actor) (Result, error) {
	mt := res.who
	if !res.Unknown || mt.store == nil {
		return res, desk.Errorf(desk.EFORBIDDEN, "only an identity calldesk does not know can be enrolled")
	}
	pf := res.Profile
	if pf.Email == "" || !desk.ValidEmail(pf.Email) {
		return res, desk.Errorf(desk.EFORBIDDEN,
			"you signed in as %s, but your identity provider did not release an email address it has verified, so calldesk cannot enrol you. Ask the service desk to add you, quoting %q", res.Identity, res.Identity)
	}
	p := desk.Person{FirstName: pf.GivenName, LastName: pf.FamilyName, Email: pf.Email, Kind: desk.Partner, Source: desk.FromSignIn}
	if p.FirstName == "" && p.LastName == "" {
		p.LastName = pf.Email
	}
	login := mt.key(res.Identity)
	if mt.by == store.ByUsername {
		p.Username = login
	} else {
		p.Email = res.Identity
	}
	p, a, err := mt.store.EnrolPerson(ctx, actor, p, desk.Account{Login: login, Roles: []desk.Role{desk.RoleCustomer}},
		"enrolled as a partner at first single sign-on as "+res.Identity)
	if err != nil {
		return res, err
	}
	res.Account, res.Person, res.Unknown = a, p, false
	return res, nil
}
