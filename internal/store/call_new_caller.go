package store

import (
	"context"
	"fmt"

	"calldesk/internal/desk"
)

// CreateCallForNewCaller logs call n for a caller who is not in the register, adding them as a
// person record typed in at the service desk by the analyst (desk.FromAnalyst) with only the fields the call
// needs (desk.NewCaller), in one transaction: both or neither. The person's creation is audited
// (person.create, naming the call it was made for) beside the call's. A caller whose email
// address another person holds is refused beside the email field: they are in the register
// already, to be found by the lookup. n.CustomerID is ignored.
func (s *Store) CreateCallForNewCaller(ctx context.Context, actor desk.Actor, caller desk.NewCaller, n desk.NewCall) (desk.Call, desk.Person, error) {
	callerErr := caller.Validate()
	n.CustomerID = 1 // checked below, once the person exists
	callErr := n.Validate()
	if callerErr != nil || callErr != nil {
		f := map[string]string{}
		for _, err := range []error{callerErr, callErr} {
			if de := desk.AsError(err); de != nil {
				for k, m := range de.Fields {
					f[k] = m
				}
			}
		}
		return desk.Call{}, desk.Person{}, desk.Invalid("the call cannot be logged", f)
	}
	p := caller.Person()
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		if p.Email != "" {
			other, found, err := t.identityHolder(ctx, "email", p.Email, 0)
			if err != nil {
				return err
			}
			if found {
				return desk.Invalid("the caller cannot be added", map[string]string{"caller_email": fmt.Sprintf(
					"%q is %s's (person %d), who is in the register already: find them with the lookup instead", p.Email, other.Name(), other.ID)})
			}
		}
		if p, err = t.createPerson(ctx, p); err != nil {
			return err
		}
		n.CustomerID = p.ID
		if c, err = t.createCall(ctx, actor, n); err != nil {
			return err
		}
		return t.audit(ctx, actor, "person.create", "person", p.ID, []int64{p.ID},
			fmt.Sprintf("added %s (%s, not in the register) while logging %s for them", p.Name(), p.Kind, c.Ref))
	})
	if err != nil {
		return desk.Call{}, desk.Person{}, err
	}
	return c, p, nil
}
