package console

import (
	"fmt"
	"net/http"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// attachmentRules are the console's limits on attached files.
func (c *Console) attachmentRules() desk.AttachmentRules {
	return desk.AttachmentRules{MaxSize: c.AttachmentMax, Types: c.AttachmentTypes}
}

// showAttachment sends an attachment of a call as a download, never shown inline: the browser is
// told not to guess its type, and to sandbox it should it open it anyway. Reading it is a read of
// the customer's data, audited (P2).
func (c *Console) showAttachment(w http.ResponseWriter, r *http.Request, v *visit) error {
	call, err := c.Store.FindCallByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not an attachment number", r.PathValue("id"))
	}
	a, err := c.Store.Attachment(r.Context(), id)
	if err == nil && a.CallID != call.ID {
		err = desk.Errorf(desk.ENOTFOUND, "there is no attachment %d", id)
	}
	if err == nil {
		rd, err := c.reader(r.Context(), v)
		if err != nil {
			return err
		}
		if !access.ReadsCall(rd, call) {
			return desk.Errorf(desk.EFORBIDDEN, "%s", desk.SpecialMasked)
		}
		if len(access.AttachmentsFor(rd, call, []desk.Attachment{a})) == 0 {
			return desk.Errorf(desk.EFORBIDDEN, "this file came with an email: only analysts with the support role may open it")
		}
	}
	if err != nil {
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return desk.Errorf(desk.ENOTFOUND, "call %s has no attachment %d", call.Ref, id)
		}
		return err
	}
	if err := c.auditRead(v, "attachment.view", "attachment", strconv.FormatInt(a.ID, 10), customerOf(call),
		fmt.Sprintf("downloaded %s (%s) of call %s", a.Filename, desk.SizeWords(a.Size), call.Ref)); err != nil {
		return err
	}
	web.WriteAttachment(w, a)
	return nil
}
