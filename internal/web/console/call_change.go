package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// changeCall changes the call's problem profile, impact or urgency (and so its priority).
func (c *Console) changeCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "change", func(ctx context.Context, in actionInput) error {
		tr := desk.Transition{Action: desk.ActChange, Impact: desk.Level(in.get("impact")), Urgency: desk.Level(in.get("urgency"))}
		f := map[string]string{}
		in.id("profile_id", &tr.ProfileID, f)
		if err := desk.Invalid("cannot change the call", f); err != nil {
			return err
		}
		_, err := c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, tr)
		return err
	})
}
