package portal

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// attachmentRules are the portal's limits on attached files, the console's rules.
func (p *Portal) attachmentRules() desk.AttachmentRules {
	return desk.AttachmentRules{MaxSize: p.AttachmentMax, Types: p.AttachmentTypes}
}

// postedForm is a form as posted (web.ReadForm), with FileError saying in a sentence, for beside
// the file field, why its files, or the form itself, could not be taken ("" when all was well).
// The text typed is in Values either way, so the page is drawn again with it.
type postedForm struct {
	web.Form
	FileError string
	// Unread says the body could not be read to its end (malformed, too large, too many parts):
	// nothing may be done with it, whatever its action.
	Unread bool
}

// readForm reads a posted form with the desk's attachment rules.
func (p *Portal) readForm(w http.ResponseWriter, r *http.Request) postedForm {
	f, err := web.ReadForm(w, r, p.attachmentRules())
	pf := postedForm{Form: f}
	switch {
	case err != nil:
		pf.Unread = true
		msg := desk.Message(err)
		if m := desk.AsError(err).Fields[web.FilesField]; m != "" {
			msg = "what you attached " + m
		}
		pf.FileError = sentence("Not saved: " + strings.TrimSuffix(msg, "; nothing was saved"))
	case len(f.Refused) > 0:
		pf.FileError = sentence("Not saved: " + strings.Join(f.Refused, "; "))
	}
	return pf
}

// publicAttachments are the files of the call's public entries, by entry (0: with no entry).
func (p *Portal) publicAttachments(ctx context.Context, callID int64) (map[int64][]desk.Attachment, []desk.Attachment, error) {
	atts, err := p.Store.Attachments(ctx, callID, false)
	if err != nil {
		return nil, nil, err
	}
	by := map[int64][]desk.Attachment{}
	for _, a := range atts {
		by[a.EntryID] = append(by[a.EntryID], a)
	}
	return by, atts, nil
}

// showAttachment sends a file of one of the person's own calls, from a public entry only: another
// person's call, an internal note's file or an unknown number are all "not found". The download
// is audited, like the console's.
func (p *Portal) showAttachment(w http.ResponseWriter, r *http.Request, v *visit) error {
	call, err := p.ownCall(r.Context(), v, r.PathValue("ref"))
	if err != nil {
		return err
	}
	notFound := desk.Errorf(desk.ENOTFOUND, "no such file")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return notFound
	}
	_, public, err := p.publicAttachments(r.Context(), call.ID)
	if err != nil {
		return err
	}
	found := false
	for _, a := range public {
		found = found || a.ID == id
	}
	if !found {
		return notFound
	}
	a, err := p.Store.Attachment(r.Context(), id)
	if err != nil {
		if desk.ErrorCode(err) == desk.ENOTFOUND {
			return notFound
		}
		return err
	}
	if a.CallID != call.ID {
		return notFound
	}
	if err := p.auditRead(v, "attachment.view", "attachment", strconv.FormatInt(a.ID, 10), []int64{call.CustomerID},
		fmt.Sprintf("portal: downloaded %s (%s) of own call %s", a.Filename, desk.SizeWords(a.Size), call.Ref)); err != nil {
		return err
	}
	web.WriteAttachment(w, a)
	return nil
}
