package console

import (
	"context"
	"net/http"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// takeCall is "take it": the call becomes the analyst's, accepted, in one step. It stays in its
// group when the analyst is a member, and otherwise moves to the analyst's first group. A call
// already in one of the analyst's groups with nobody (or the analyst) on it is simply accepted.
func (c *Console) takeCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "take", func(ctx context.Context, in actionInput) error {
		call, err := c.Store.FindCallByRef(ctx, in.Ref)
		if err != nil {
			return err
		}
		groups, err := c.Store.GroupsOf(ctx, v.Person.ID)
		if err != nil {
			return err
		}
		me := v.Person.ID
		accept := desk.Transition{Action: desk.ActAccept, AnalystID: me}
		if err := access.MayMove(v.readerWith(groups), call, accept); err != nil {
			return err
		}
		if call.AnalystID == me && (call.State == desk.Accepted || call.State == desk.Pending) && call.Version == in.Version {
			return desk.Errorf(desk.EINVALID, "call %s is already yours and accepted", call.Ref)
		}
		if desk.ActAccept.Allowed(call.State) && containsID(groups, call.GroupID) && (call.AnalystID == 0 || call.AnalystID == me) {
			_, err = c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, accept)
			return err
		}
		group := call.GroupID
		if !containsID(groups, group) {
			if len(groups) == 0 {
				return desk.Errorf(desk.EINVALID, "you cannot take call %s: you are in no group; assign it to a group instead, "+
					"and ask an administrator to add you to yours", call.Ref)
			}
			group = groups[0]
		}
		_, err = c.Store.UpdateCallSteps(ctx, v.Actor, in.Ref, in.Version,
			desk.Transition{Action: desk.ActAssign, GroupID: group, AnalystID: me}, accept)
		return err
	})
}
