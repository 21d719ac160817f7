package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// cancelCall cancels an open call, with a reason (logged twice, not needed after all).
func (c *Console) cancelCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "cancel", func(ctx context.Context, in actionInput) error {
		_, err := c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, desk.Transition{Action: desk.ActCancel, Reason: in.get("reason")})
		return err
	})
}
