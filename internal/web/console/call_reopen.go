package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// reopenCall reopens a resolved call, with a reason (the fix did not hold).
func (c *Console) reopenCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "reopen", func(ctx context.Context, in actionInput) error {
		_, err := c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, desk.Transition{Action: desk.ActReopen, Reason: in.get("reason")})
		return err
	})
}
