package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// closeCall closes a resolved call (the customer confirmed the fix), with an optional note.
func (c *Console) closeCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "close", func(ctx context.Context, in actionInput) error {
		reason := "closed"
		if note := in.get("reason"); note != "" {
			reason = "closed: " + note
		}
		_, err := c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, desk.Transition{Action: desk.ActClose, Reason: reason})
		return err
	})
}
