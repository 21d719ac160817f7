package portal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// maxFormValues caps a form's text fields together, as the console does.
const maxFormValues = 2 << 20

// attachmentRules are the portal's limits on attached files, the console's rules.
func (p *Portal) attachmentRules() desk.AttachmentRules {
	return desk.AttachmentRules{MaxSize: p.AttachmentMax, Types: p.AttachmentTypes}
}

// postedForm is a form as posted: its values, its files, and why files were refused (a sentence
// for beside the file field; "" when none was).
type postedForm struct {
	Values    url.Values
	Files     []desk.Upload
	FileError string
}

// readForm reads a posted form, URL-encoded or multipart. Every file is checked against the
// rules here, before anything is saved: one refused file refuses them all, with FileError saying
// why, and the text typed is kept.
func (p *Portal) readForm(w http.ResponseWriter, r *http.Request) (postedForm, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return postedForm{Values: url.Values{}}, desk.Errorf(desk.EINVALID, "the form could not be read")
		}
		return postedForm{Values: r.PostForm}, nil
	}
	rules := p.attachmentRules()
	r.Body = http.MaxBytesReader(w, r.Body, int64(desk.MaxAttachmentsPerEntry)*rules.Max()+maxFormValues)
	if err := r.ParseMultipartForm(maxFormValues); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return postedForm{Values: url.Values{}, FileError: fmt.Sprintf("Not saved: what you sent is larger than %s altogether, the most one message may carry.",
				desk.SizeWords(tooBig.Limit))}, nil
		}
		return postedForm{Values: url.Values{}}, desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pf := postedForm{Values: r.MultipartForm.Value}
	var problems []string
	fhs := r.MultipartForm.File["files"]
	if len(fhs) > desk.MaxAttachmentsPerEntry {
		problems = append(problems, fmt.Sprintf("you chose %d files; at most %d may be sent at once", len(fhs), desk.MaxAttachmentsPerEntry))
	}
	for _, fh := range fhs {
		name := desk.CleanFilename(fh.Filename)
		if fh.Size > rules.Max() {
			problems = append(problems, rules.TooLarge(name))
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return pf, err
		}
		data, err := io.ReadAll(io.LimitReader(f, rules.Max()+1))
		f.Close()
		if err != nil {
			return pf, err
		}
		u := desk.Upload{Filename: name, Data: data}
		if _, err := rules.Check(u); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		pf.Files = append(pf.Files, u)
	}
	if len(problems) > 0 {
		pf.Files = nil
		pf.FileError = sentence("Not saved: " + strings.Join(problems, "; "))
	}
	return pf, nil
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
