package sso

import (
	"context"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// matcher finds the person a signed-in identity belongs to, for every single sign-on protocol:
// exactly one person of the register whose username or email (by) equals the identity, holding
// an active account. Nobody gets an account silently.
type matcher struct {
	store *store.Store
	by    store.Identity
	// domain, when matching by username, is the scope taken off a value such as
	// "aarcher@uni.example" to give the username "aarcher"; a value scoped with any other domain
	// is left whole, so it matches nobody.
	domain string
}

// match finds the one person whose username or email is value, with their active account.
// Nobody known is ENOTFOUND and a disabled account EFORBIDDEN, each with a message saying what
// to do.
func (mt matcher) match(ctx context.Context, value string) (desk.Account, desk.Person, error) {
	key := value
	if mt.by == store.ByUsername && mt.domain != "" {
		if at := strings.LastIndex(key, "@"); at > 0 && strings.EqualFold(key[at+1:], mt.domain) {
			key = key[:at]
		}
	}
	people, err := mt.store.FindPeopleByIdentity(ctx, mt.by, key)
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
		return desk.Account{}, desk.Person{}, desk.Errorf(desk.ENOTFOUND,
			"ambiguous identity: you signed in as %s, which matches %d people in calldesk. Ask the service desk to correct the duplicate records, quoting %q",
			value, len(people), value)
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
	if !acct.Active || !p.Active {
		return desk.Account{}, p, desk.Errorf(desk.EFORBIDDEN,
			"you signed in as %s, but your calldesk account is disabled. Ask the service desk if you need it again", value)
	}
	return acct, p, nil
}
