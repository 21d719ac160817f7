package console

import (
	"fmt"
	"net/http"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// showEmail serves the whole email an email diary entry came from (headers, quoted history,
// signature: everything the entry's trimmed text leaves out), to analysts with the support role
// only (S13), as a download that is never rendered in the page, and audited.
func (c *Console) showEmail(w http.ResponseWriter, r *http.Request, v *visit) error {
	call, err := c.Store.FindCallByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	entry, err := strconv.ParseInt(r.PathValue("entry"), 10, 64)
	if err != nil || entry <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a diary entry", r.PathValue("entry"))
	}
	rd, err := c.reader(r.Context(), v)
	if err != nil {
		return err
	}
	if !access.ReadsCall(rd, call) {
		return desk.Errorf(desk.EFORBIDDEN, "%s", desk.SpecialMasked)
	}
	raw, err := c.Store.MailOfEntry(r.Context(), call.ID, entry)
	if err != nil {
		return err
	}
	if err := c.auditRead(v, "mail.view", "call", call.Ref, customerOf(call),
		fmt.Sprintf("downloaded the whole email of diary entry %d of call %s", entry, call.Ref)); err != nil {
		return err
	}
	web.WriteAttachment(w, desk.Attachment{Filename: fmt.Sprintf("%s-email-%d.eml", call.Ref, entry), ContentType: "message/rfc822", Data: raw})
	return nil
}
