package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// acceptCall: the analyst takes on a call assigned to their group (or to them).
func (c *Console) acceptCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "accept", func(ctx context.Context, in actionInput) error {
		tr := desk.Transition{Action: desk.ActAccept, AnalystID: v.Person.ID}
		call, err := c.Store.FindCallByRef(ctx, in.Ref)
		if err != nil {
			return err
		}
		if err := c.mayMove(ctx, v, call, tr); err != nil {
			return err
		}
		_, err = c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, tr)
		return err
	})
}
