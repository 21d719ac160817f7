package console

import (
	"context"
	"net/http"
)

// confirmTriage ends the triage of a call opened by an email under the "triage" setting: a
// support analyst confirms its summary and description, as they stand or edited, and from then
// on every analyst reads them (issue 15 point 7; store.ConfirmTriage). The route needs
// access.ReadEmails: the text is the email's until then.
func (c *Console) confirmTriage(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "triage", func(ctx context.Context, in actionInput) error {
		_, err := c.Store.ConfirmTriage(ctx, v.Actor, in.Ref, in.Version, in.Form.Get("summary"), in.Form.Get("description"))
		return err
	})
}
