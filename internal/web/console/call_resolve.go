package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// resolveCall resolves the call with a resolution, which the customer sees.
func (c *Console) resolveCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "resolve", func(ctx context.Context, in actionInput) error {
		_, err := c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version,
			desk.Transition{Action: desk.ActResolve, Text: in.get("resolution")})
		return err
	})
}
