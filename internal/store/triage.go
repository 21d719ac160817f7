package store

import (
	"context"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// ConfirmTriage ends the triage of call ref, opened by an email under the "triage" setting
// (desk.Call.TriagePending): a support analyst confirms its summary and description, as they
// stand or edited (summary and description the new text; the current text when both are ""),
// and from then on they are call information that every analyst reads and finds (S12, S13).
// version is checked as UpdateCall checks it. The change, a diary note saying it, the rebuilt
// search document and the audit record are one transaction. Whether the actor may do it (the
// support role) is the caller's decision (access.ReadEmails).
func (s *Store) ConfirmTriage(ctx context.Context, actor desk.Actor, ref string, version int64, summary, description string) (desk.Call, error) {
	summary, description = strings.TrimSpace(summary), strings.TrimSpace(description)
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		if c, err = t.lockCall(ctx, ref); err != nil {
			return err
		}
		if !c.TriagePending {
			return desk.Errorf(desk.EINVALID, "call %s is not awaiting triage: its description is call information already", c.Ref)
		}
		if version != 0 && version != c.Version {
			return t.conflict(ctx, c, version)
		}
		edited := summary != "" || description != ""
		if edited {
			n := desk.NewCall{Summary: summary, Description: description, CustomerID: c.CustomerID}
			if err := n.Validate(); err != nil {
				return desk.Invalid("the description cannot be confirmed", desk.AsError(err).Fields)
			}
			edited = n.Summary != c.Summary || n.Description != c.Description
			c.Summary, c.Description = n.Summary, n.Description
		}
		old := c.Version
		key, stored, err := t.storedCallTexts(ctx, c) // sealed while the call is special category
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE calls SET `+strings.Join(callTextCols(), " = ?, ")+` = ?, key_id = ?, triage_pending = ?, updated_at = ?,
			version = version + 1 WHERE id = ? AND version = ?`, append(stored, key, false, t.Now.UnixMicro(), c.ID, old)...)
		if err != nil {
			return t.s.mapErr(fmt.Errorf("confirm triage of %s: %w", c.Ref, err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return t.conflict(ctx, c, old)
		}
		c.Version, c.TriagePending, c.UpdatedAt = old+1, false, t.Now
		text := "Triage: the summary and description taken from the email were confirmed as call information."
		if edited {
			text = "Triage: the summary and description taken from the email were edited and confirmed as call information."
		}
		if err := t.addEntries(ctx, actor, c, []desk.Entry{{Kind: desk.EntryNote, Text: text}}); err != nil {
			return err
		}
		t.indexLater(c.ID, false)
		return t.audit(ctx, actor, "call.triage", "call", c.Ref, []int64{c.CustomerID}, text)
	})
	return c, err
}
