package privacy

import (
	"archive/zip"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"

	"calldesk/internal/csvsafe"
	"calldesk/internal/desk"
)

// This file renders a gathered Bundle as the zip the person receives: JSON and CSV for
// portability, report.html and report.pdf for reading, their files, and a README.

//go:embed sar_report.html
var reportHTML string

// reportTmpl is the report; its functions are bound to the bundle's zone when it is rendered
// (Bundle.report), these stand-ins only let it parse.
var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"when":      desk.Zone{}.When,
	"zoneText":  desk.Zone{}.ValueText,
	"entryText": func(BundleEntry) string { return "" },
}).Parse(reportHTML))

// Files is where the content of the bundle's attachments is read from, by attachment id.
type Files func(ctx context.Context, id int64) ([]byte, error)

// Render writes the bundle as a zip to w, with the redactions the DPO released shown as written
// and every other one as "[redacted: N]". files reads the attachments' content.
func (b *Bundle) Render(ctx context.Context, w io.Writer, released Decisions, files Files) error {
	a := b.applied(released)
	kept := 0
	for _, r := range b.Redactions {
		if !released[r.N] && r.Kind != KindFile {
			kept++
		}
	}
	z := zip.NewWriter(w)
	put := func(name string, write func(io.Writer) error) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: b.GeneratedAt})
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	jsonFile := func(v any) func(io.Writer) error {
		return func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(v)
		}
	}
	steps := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"README.txt", func(w io.Writer) error { return readme(w, a, kept) }},
		{"person.json", jsonFile(struct {
			Name        string    `json:"name"`
			GeneratedAt time.Time `json:"generated_at"`
			Fields      []Field   `json:"fields"`
		}{a.Name, a.GeneratedAt, a.Fields})},
		{"calls.json", jsonFile(a.Calls)},
		{"calls.csv", a.callsCSV},
		{"entries.csv", a.entriesCSV},
		{"emails.json", jsonFile(a.Emails)},
		{"attachments.csv", a.filesCSV},
		{"audit.csv", a.auditCSV},
		{"requests.json", jsonFile(a.Requests)},
		{"emails_sent.json", jsonFile(a.SentEmails)},
		{"legal_holds.json", jsonFile(a.LegalHolds)},
		{"breaches.json", jsonFile(a.Breaches)},
		{"disclosures.json", jsonFile(a.Disclosures)},
		{"account.json", jsonFile(a.Account)},
		{"consents.json", jsonFile(a.Consents)},
		{"mentions.json", jsonFile(a.Mentions)},
		{"report.html", func(w io.Writer) error { return a.report(w, kept) }},
		{"report.pdf", func(w io.Writer) error { return a.pdf(w, kept) }},
	}
	for _, s := range steps {
		if err := put(s.name, s.write); err != nil {
			return err
		}
	}
	for _, f := range a.Files {
		if f.Path == "" {
			continue // withheld
		}
		data, err := files(ctx, f.ID)
		if err != nil {
			return fmt.Errorf("attachment %d: %w", f.ID, err)
		}
		if err := put(f.Path, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
	}
	return z.Close()
}

// RenderBytes renders the bundle into memory.
func (b *Bundle) RenderBytes(ctx context.Context, released Decisions, files Files) ([]byte, error) {
	var buf bytes.Buffer
	if err := b.Render(ctx, &buf, released, files); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// applied is a copy of the bundle with every marker rendered.
func (b *Bundle) applied(released Decisions) *Bundle {
	ap := func(s string) string { return b.Apply(s, released) }
	a := *b
	a.Calls = make([]BundleCall, len(b.Calls))
	entries := func(es []BundleEntry) []BundleEntry {
		out := make([]BundleEntry, len(es))
		for i, e := range es {
			e.Text = ap(e.Text)
			out[i] = e
		}
		return out
	}
	for i, c := range b.Calls {
		c.Summary, c.Description, c.Resolution = ap(c.Summary), ap(c.Description), ap(c.Resolution)
		c.HoldReason, c.CancelNote = ap(c.HoldReason), ap(c.CancelNote)
		c.Entries = entries(c.Entries)
		a.Calls[i] = c
	}
	a.Authored = entries(b.Authored)
	a.Emails = make([]BundleEmail, len(b.Emails))
	for i, e := range b.Emails {
		e.From, e.To, e.Cc, e.Subject, e.Text = ap(e.From), ap(e.To), ap(e.Cc), ap(e.Subject), ap(e.Text)
		a.Emails[i] = e
	}
	a.SentEmails = make([]BundleSent, len(b.SentEmails))
	for i, e := range b.SentEmails {
		e.To, e.Subject, e.Text = ap(e.To), ap(e.Subject), ap(e.Text)
		a.SentEmails[i] = e
	}
	a.LegalHolds = make([]BundleHold, len(b.LegalHolds))
	for i, h := range b.LegalHolds {
		h.Reason, h.LiftReason = ap(h.Reason), ap(h.LiftReason)
		a.LegalHolds[i] = h
	}
	a.Breaches = make([]BundleBreach, len(b.Breaches))
	for i, x := range b.Breaches {
		x.WhatHappened, x.DataCategories, x.Actions = ap(x.WhatHappened), ap(x.DataCategories), ap(x.Actions)
		a.Breaches[i] = x
	}
	a.Disclosures = make([]BundleDisclosure, len(b.Disclosures))
	for i, d := range b.Disclosures {
		d.Basis, d.Requested = ap(d.Basis), ap(d.Requested)
		a.Disclosures[i] = d
	}
	a.Audit = make([]BundleAudit, len(b.Audit))
	for i, r := range b.Audit {
		r.Reason = ap(r.Reason)
		a.Audit[i] = r
	}
	// A file someone else added goes only when the DPO released it; withheld, the list says so
	// without its name or content.
	a.Files = make([]BundleFile, len(b.Files))
	for i, f := range b.Files {
		if f.Review != 0 && !released[f.Review] {
			f = BundleFile{Review: f.Review, ID: f.ID, CallRef: f.CallRef, Filename: fmt.Sprintf("[withheld: %d]", f.Review),
				ContentType: f.ContentType, Size: f.Size, At: f.At}
		}
		a.Files[i] = f
	}
	a.Mentions = make([]BundleMention, len(b.Mentions))
	for i, m := range b.Mentions {
		m.Text = ap(m.Text)
		a.Mentions[i] = m
	}
	a.Requests = make([]BundleRequest, len(b.Requests))
	for i, r := range b.Requests {
		r.Details, r.Outcome = ap(r.Details), ap(r.Outcome)
		a.Requests[i] = r
	}
	if a.Emails == nil {
		a.Emails = []BundleEmail{}
	}
	if a.Calls == nil {
		a.Calls = []BundleCall{}
	}
	if a.Account != nil {
		acc := *a.Account
		a.Account = &acc
	}
	if a.Requests == nil {
		a.Requests = []BundleRequest{}
	}
	return &a
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// writeCSV writes a header and rows through csvsafe, so that a cell someone typed as a formula
// is shown as text by the spreadsheet the person opens it in; the JSON files keep the exact text.
func writeCSV(w io.Writer, header []string, rows func(add func(...string) error) error) error {
	c := csvsafe.NewWriter(w)
	if err := c.Write(header); err != nil {
		return err
	}
	if err := rows(func(r ...string) error { return c.Write(r) }); err != nil {
		return err
	}
	c.Flush()
	return c.Error()
}

func (b *Bundle) callsCSV(w io.Writer) error {
	return writeCSV(w, []string{"reference", "kind", "state", "logged_at", "resolved_at", "closed_at", "logged_through", "profile",
		"priority", "group", "analyst", "logged_by", "summary", "description", "resolution"}, func(add func(...string) error) error {
		for _, c := range b.Calls {
			if err := add(c.Ref, c.Kind, c.State, stamp(c.LoggedAt), stamp(c.ResolvedAt), stamp(c.ClosedAt), c.Source, c.Profile,
				strconv.Itoa(c.Priority), c.Group, c.Analyst, c.LoggedBy, c.Summary, c.Description, c.Resolution); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Bundle) entriesCSV(w io.Writer) error {
	return writeCSV(w, []string{"call", "entry", "at", "kind", "public", "author", "whose_call", "text"}, func(add func(...string) error) error {
		for _, c := range b.Calls {
			for _, e := range c.Entries {
				if err := add(e.CallRef, strconv.FormatInt(e.ID, 10), stamp(e.At), e.Kind, strconv.FormatBool(e.Public), e.Author, "yours", e.Text); err != nil {
					return err
				}
			}
		}
		for _, e := range b.Authored {
			if err := add(e.CallRef, strconv.FormatInt(e.ID, 10), stamp(e.At), e.Kind, strconv.FormatBool(e.Public), e.Author, "another person's (you wrote this entry)", e.Text); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Bundle) filesCSV(w io.Writer) error {
	return writeCSV(w, []string{"path", "call", "filename", "content_type", "size", "sha256", "added_at"}, func(add func(...string) error) error {
		for _, f := range b.Files {
			if err := add(f.Path, f.CallRef, f.Filename, f.ContentType, strconv.FormatInt(f.Size, 10), f.SHA256, stamp(f.At)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Bundle) auditCSV(w io.Writer) error {
	return writeCSV(w, []string{"at", "who", "through", "what", "action", "reason", "address"}, func(add func(...string) error) error {
		for _, r := range b.Audit {
			if err := add(stamp(r.At), r.Who, r.Via, r.What, r.Action, r.Reason, r.Address); err != nil {
				return err
			}
		}
		return nil
	})
}

// withheld is how many files someone else added are withheld.
func (b *Bundle) withheld() int {
	n := 0
	for _, f := range b.Files {
		if f.Path == "" {
			n++
		}
	}
	return n
}

type reportPage struct {
	*Bundle
	Kept int
}

// report writes report.html, its times in the desk's zone (b.Zone), as the person's pages show them.
func (b *Bundle) report(w io.Writer, kept int) error {
	t, err := reportTmpl.Clone()
	if err != nil {
		return err
	}
	t.Funcs(template.FuncMap{"when": b.Zone.When, "zoneText": b.Zone.ValueText, "entryText": b.entryText})
	return t.Execute(w, reportPage{b, kept})
}

// entryText is a diary entry's text for the person to read (desk.Zone.EntryText); the JSON and
// CSV files keep the text as stored.
func (b *Bundle) entryText(e BundleEntry) string {
	return b.Zone.EntryText(desk.EntryKind(e.Kind), e.Text)
}

func readme(w io.Writer, b *Bundle, kept int) error {
	_, err := fmt.Fprintf(w, `Your personal data held by calldesk, the university's service desk
==================================================================

Prepared for %s on %s, in answer to your subject access request
(UK GDPR article 15; the machine-readable files also serve article 20, portability).

What each file holds
--------------------
report.html      A readable report of everything below; open it in any web browser.
report.pdf       The same report as a PDF, for printing. Its font shows the Latin, Greek and
                 Cyrillic alphabets: other scripts (Arabic, Chinese...) and emoji are
                 described in it in square brackets; report.html has the exact text.
person.json      Your record in the person register: each field, its value and where it
                 came from (the university directory, or entered in calldesk).
calls.json       Every call where you are the customer (%d), with its diary entries.
calls.csv        The same calls, one row each, for a spreadsheet.
entries.csv      Every diary entry on your calls, and the entries you wrote on other
                 people's calls (%d), one row each.
emails.json      The emails taken in on your calls, and those from you on no call of yours
                 (held back, or on another person's call) (%d): their headers and text.
emails_sent.json The emails calldesk sent to you or about your calls (%d): to, subject, text.
attachments.csv  The files of your calls and the files you uploaded (%d), listed;
attachments/     the files themselves, named by number and original name. A file someone
                 else added to your call is given unless it holds other people's data: %d
                 such files are withheld, listed as "[withheld: N]".
audit.csv        Who looked at or changed your data, when and through which screen (%d records);
                 the network address only of what you did yourself.
requests.json    Your subject requests (%d).
legal_holds.json Legal holds on you or your calls (%d): while one is placed, data it covers
                 is kept past its usual retention period.
breaches.json    Personal data breaches that affected you (%d): what happened, which of your
                 data, the risk, whether the ICO was told and what was done.
disclosures.json Disclosures of your data to third parties such as the police (%d): who
                 asked, on what legal basis, what for, and the decision.
account.json     Your account: login, roles, when it was made, whether it is active; your
                 sign-ins (when, how, from which network address) and your API tokens (names
                 and dates only)%s.
consents.json    Your consents (%d): what you agreed to, through which words, when, and
                 when you withdrew it; the optional contact details held while it stands.
mentions.json    Where other people's records mention you (%d): on their calls, diary
                 entries, files, emails, subject requests, legal holds, audit records, a job
                 title or a directory import's report. Each gives the sentence that names you,
                 marked "`+MentionNote+`", and the file of this bundle (section) its
                 record belongs with.

Times in report.html and report.pdf are in the service desk's time zone, %s, with the zone's
abbreviation at each time (GMT and BST for the UK); in the JSON and CSV files they are in UTC
(ISO 8601). The CSV files are UTF-8 with a header row.
In the CSV files, a value that begins with =, +, -, @, a tab or a carriage return has a single
quote (') put in front, so that a spreadsheet shows it as text and does not run it as a formula;
the JSON files hold every value exactly.

Other people's data
-------------------
Where the text of your calls mentions another person (their name, email address, username,
student number or phone number), it has been replaced by "[redacted: N]" unless the Data
Protection Officer decided it could be given to you. %d such mentions are redacted.
The names of staff who handled your calls are given: they acted in their professional capacity.
`, b.Name, b.Zone.Day(b.GeneratedAt), len(b.Calls), b.entryCount(), len(b.Emails), len(b.SentEmails), len(b.Files),
		b.withheld(), len(b.Audit), len(b.Requests), len(b.LegalHolds), len(b.Breaches), len(b.Disclosures), accountNote(b.Account), len(b.Consents), len(b.Mentions), b.Zone, kept)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, goFontsNotice)
	return err
}

func (b *Bundle) entryCount() int {
	n := len(b.Authored)
	for _, c := range b.Calls {
		n += len(c.Entries)
	}
	return n
}

func accountNote(a *BundleAccount) string {
	if a == nil {
		return "; you have no account, so it holds null"
	}
	return fmt.Sprintf("; %d sign-ins, %d API tokens", len(a.Sessions), len(a.Tokens))
}
