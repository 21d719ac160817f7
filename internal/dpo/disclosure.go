package dpo

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
)

// DisclosureKinds are the kinds of disclosure the log records: a police request on the required
// form (policy 24.2), a regular disclosure under a documented procedure (24.3), or another.
func DisclosureKinds() []string { return []string{"police", "regular", "other"} }

// DisclosureKindWords says a kind of disclosure in words.
func DisclosureKindWords(k string) string {
	switch k {
	case "police":
		return "the police, on the required form"
	case "regular":
		return "a regular disclosure under a documented procedure"
	}
	return "another third party"
}

// DisclosureRequest is a third party's request for personal data, as typed.
type DisclosureRequest struct {
	Kind, Organisation, Requester, Reference, Form, Basis, Requested string
	ReceivedAt                                                       time.Time
	People                                                           []int64
}

// CheckRequest validates a request at now: who asked (organisation and person), the legal basis
// or consent, what is asked for and about whom are required; a police request names its form,
// a regular one its documented procedure.
func CheckRequest(r DisclosureRequest, now time.Time) (store.Disclosure, error) {
	f := map[string]string{}
	text := func(field, v string, max int, required string) string {
		v = strings.TrimSpace(v)
		if n := utf8.RuneCountInString(v); n > max {
			f[field] = fmt.Sprintf("is %d characters long: at most %d", n, max)
		} else if n == 0 && required != "" {
			f[field] = "is required: " + required
		}
		return v
	}
	d := store.Disclosure{Kind: r.Kind, ReceivedAt: r.ReceivedAt.UTC()}
	known := false
	for _, k := range DisclosureKinds() {
		known = known || k == r.Kind
	}
	if !known {
		f["kind"] = "must be one of the choices given"
	}
	d.Organisation = text("organisation", r.Organisation, MaxBreachShort, "the organisation that asked")
	d.Requester = text("requester", r.Requester, MaxBreachShort, "the person who asked, at the organisation")
	d.Reference = text("reference", r.Reference, 100, "")
	formNeed := ""
	switch r.Kind {
	case "police":
		formNeed = "the police form the request came on (policy 24.2), with its number"
	case "regular":
		formNeed = "the documented procedure the disclosure follows (policy 24.3)"
	}
	d.Form = text("form", r.Form, MaxBreachShort, formNeed)
	d.Basis = text("basis", r.Basis, MaxBreachText, "the legal basis for disclosing, or the person's consent")
	d.Requested = text("requested", r.Requested, MaxBreachText, "what personal data is asked for")
	if len(r.People) == 0 {
		f["people"] = "is required: link the people whose data is asked for"
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = now.UTC()
	} else if d.ReceivedAt.After(now.Add(time.Minute)) {
		f["received"] = "is in the future: give the day the request came"
	}
	if len(f) > 0 {
		return d, desk.Invalid("the request for disclosure is not complete", f)
	}
	return d, nil
}

// Decision is the approval or refusal of a disclosure, as typed.
type Decision struct {
	State, Approver, Reasons string
}

// Apply checks the decision on d: approved or refused, by a
// named approver (the University Secretary or their nominee) who is not the requester, with
// reasons.
func (dc Decision) Apply(d store.Disclosure) (store.Disclosure, error) {
	f := map[string]string{}
	if dc.State != "approved" && dc.State != "refused" {
		f["state"] = "must be approved or refused"
	}
	d.State, d.Approver, d.Decision = dc.State, strings.TrimSpace(dc.Approver), strings.TrimSpace(dc.Reasons)
	switch {
	case d.Approver == "":
		f["approver"] = "is required: the University Secretary or the nominee who decided, by name"
	case utf8.RuneCountInString(d.Approver) > MaxBreachShort:
		f["approver"] = fmt.Sprintf("is longer than %d characters", MaxBreachShort)
	case strings.EqualFold(d.Approver, d.Requester):
		f["approver"] = "must not be the person who asked for the data"
	}
	if d.Decision == "" {
		f["reasons"] = "is required: why the data is or is not disclosed"
	} else if utf8.RuneCountInString(d.Decision) > MaxBreachText {
		f["reasons"] = fmt.Sprintf("is longer than %d characters", MaxBreachText)
	}
	if len(f) > 0 {
		return d, desk.Invalid("the decision is not valid", f)
	}
	return d, nil
}

// Export writes the data of an approved disclosure for the third party: a zip holding, for each
// person linked, their data as the subject access bundle gathers it (privacy.Builder: their
// record, calls, diaries, files...; other people's identifiers redacted), and a note of the
// disclosure. It is the only way calldesk hands a person's data to a third party; the caller
// audits the download (store.AuditDisclosureDownload) and encrypts the archive
// (privacy.SealBundle).
func Export(ctx context.Context, b *privacy.Builder, d store.Disclosure) ([]byte, error) {
	if d.State != "approved" {
		return nil, desk.Errorf(desk.EINVALID, "disclosure %d is %s: only an approved disclosure can be downloaded", d.ID, d.State)
	}
	if len(d.People) == 0 {
		return nil, desk.Errorf(desk.EINVALID, "disclosure %d links nobody: there is no data to download", d.ID)
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	note, err := z.Create("DISCLOSURE.txt")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(note, "Disclosure %d of personal data by the university's service desk\n\nTo: %s (%s), reference %s\nKind: %s\nUnder: %s\n"+
		"Legal basis: %s\nData asked for: %s\nApproved by %s on %s: %s\n\nOne archive per person follows; other people's details in it are redacted.\n",
		d.ID, d.Organisation, d.Requester, d.Reference, DisclosureKindWords(d.Kind), d.Form, d.Basis, d.Requested, d.Approver,
		d.DecidedAt.Format("2 January 2006"), d.Decision)
	for _, p := range d.People {
		bu, err := b.Gather(ctx, p.PersonID, nil)
		if err != nil {
			return nil, fmt.Errorf("person %d: %w", p.PersonID, err)
		}
		data, err := bu.RenderBytes(ctx, nil, privacy.StoreFiles(b.Store))
		if err != nil {
			return nil, fmt.Errorf("person %d: %w", p.PersonID, err)
		}
		w, err := z.Create(fmt.Sprintf("person-%d.zip", p.PersonID))
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
