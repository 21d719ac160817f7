package console

import (
	"context"
	"net/http"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// markSpecial marks the call as holding special-category data (UK GDPR article 9: health,
// disability, religion...), or takes the mark off, with a reason, audited
// (store.MarkSpecialCategory). The form says which ("special": true or false), as the page drew
// it from the call's mark. Who may is access.MayMarkSpecial's rule, on the call as it is now; the
// store then requires the form's version, so a call changed since (moved, or marked by someone
// else) is refused as a conflict rather than changed unchecked.
func (c *Console) markSpecial(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "special", func(ctx context.Context, in actionInput) error {
		var special bool
		switch in.get("special") {
		case "true":
			special = true
		case "false":
		default:
			return desk.Invalid("cannot change the special-category mark", map[string]string{"special": "must say whether the call holds special-category data (true or false)"})
		}
		call, err := c.Store.FindCallByRef(ctx, in.Ref)
		if err != nil {
			return err
		}
		rd, err := c.reader(ctx, v)
		if err != nil {
			return err
		}
		if err := access.MayMarkSpecial(rd, call, special); err != nil {
			return err
		}
		_, err = c.Store.MarkSpecialCategory(ctx, v.Actor, in.Ref, in.Version, special, in.get("reason"))
		return err
	})
}
