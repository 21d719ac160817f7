package console

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/web"
)

// attachmentRules are the console's limits on attached files.
func (c *Console) attachmentRules() desk.AttachmentRules {
	return desk.AttachmentRules{MaxSize: c.AttachmentMax, Types: c.AttachmentTypes}
}

// maxFormValues caps the text fields of one posted form together (a diary entry is at most
// 100,000 characters, so up to 400 KB of UTF-8).
const maxFormValues = 2 << 20

// maxBody is the largest request body a form with attachments may be: every file at the limit,
// and the text.
func (c *Console) maxBody() int64 {
	return int64(desk.MaxAttachmentsPerEntry)*c.attachmentRules().Max() + maxFormValues
}

// postedForm is a form as posted: its text values and its files. Refused lists, as sentences
// naming them, the files that were too large to keep (their content was read and dropped).
type postedForm struct {
	Values  url.Values
	Files   []desk.Upload
	Refused []string
	// TooLarge says a file, or the whole body, was over its limit: the answer is 413.
	TooLarge bool
}

// readForm reads a posted form, URL-encoded or multipart. A multipart body is read part by part:
// a file over the size limit is skipped (and named in Refused) rather than failing the request,
// so the page can say so and keep everything else that was typed. A body over maxBody ends the
// reading with an EINVALID error, the values read so far kept.
func (c *Console) readForm(w http.ResponseWriter, r *http.Request) (postedForm, error) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return postedForm{Values: url.Values{}}, desk.Errorf(desk.EINVALID, "the form could not be read: %v", err)
		}
		return postedForm{Values: r.PostForm}, nil
	}
	pf := postedForm{Values: url.Values{}}
	rules := c.attachmentRules()
	body := http.MaxBytesReader(w, r.Body, c.maxBody())
	mr := multipart.NewReader(body, params["boundary"])
	valuesLeft := int64(maxFormValues)
	fail := func(err error) (postedForm, error) {
		e := pf.readError(err) // marks pf TooLarge first
		return pf, e
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return pf, nil
		}
		if err != nil {
			return fail(err)
		}
		name := part.FormName()
		if part.FileName() == "" && name != "files" {
			b, err := io.ReadAll(io.LimitReader(part, valuesLeft+1))
			if err != nil {
				return fail(err)
			}
			if valuesLeft -= int64(len(b)); valuesLeft < 0 {
				return pf, desk.Errorf(desk.EINVALID, "the form's text is longer than %s; nothing was saved", desk.SizeWords(maxFormValues))
			}
			pf.Values.Add(name, string(b))
			continue
		}
		if name != "files" || part.FileName() == "" {
			// A file input left empty, or a file under a name the console does not take.
			if _, err := io.Copy(io.Discard, part); err != nil {
				return fail(err)
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, rules.Max()+1))
		if err != nil {
			return fail(err)
		}
		filename := desk.CleanFilename(part.FileName())
		if int64(len(b)) > rules.Max() {
			pf.Refused, pf.TooLarge = append(pf.Refused, rules.TooLarge(filename)), true
			if _, err := io.Copy(io.Discard, part); err != nil {
				return fail(err)
			}
			continue
		}
		pf.Files = append(pf.Files, desk.Upload{Filename: filename, Data: b})
	}
}

// readError explains why a multipart body could not be read.
func (pf *postedForm) readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		pf.TooLarge = true
		return desk.Invalid("what you sent is too large", map[string]string{"files": fmt.Sprintf(
			"together are larger than %s, the most one entry may carry; nothing was saved", desk.SizeWords(tooBig.Limit))})
	}
	return desk.Errorf(desk.EINVALID, "the form could not be read (%v); nothing was saved", err)
}

// refusedFiles is the error for files readForm had to leave out, or nil.
func (pf postedForm) refusedFiles() error {
	if len(pf.Refused) == 0 {
		return nil
	}
	return desk.Invalid("the diary entry cannot be added", map[string]string{"files": "not saved: " + strings.Join(pf.Refused, "; ")})
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
