package console

import (
	"context"
	"net/http"

	"calldesk/internal/desk"
)

// addNote adds an internal note to the diary: analysts see it, the customer never does.
func (c *Console) addNote(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.act(w, r, v, "note", func(ctx context.Context, in actionInput) error {
		if err := in.Posted.FilesError("the diary entry cannot be added"); err != nil {
			return err
		}
		_, err := c.Store.AddEntryWithAttachments(ctx, v.Actor, in.Ref, desk.EntryNote, in.Form.Get("text"), in.Posted.Files, c.attachmentRules())
		return err
	})
}
