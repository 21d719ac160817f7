package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// addUpdate adds a public update to the diary: the customer sees it. Appending loses nothing, so
// the form's version is not checked (the store takes none).
func (c *Console) addUpdate(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "update", func(ctx context.Context, in actionInput) error {
		if err := in.Posted.FilesError("the diary entry cannot be added"); err != nil {
			return err
		}
		_, err := c.Store.AddEntryWithAttachments(ctx, v.Actor, in.Ref, desk.EntryUpdate, in.Form.Get("text"), in.Posted.Files, c.attachmentRules())
		return err
	})
}
