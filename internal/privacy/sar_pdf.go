package privacy

import (
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// pdf writes the report as a PDF. The Go fonts are embedded (subset) so that names and text in
// Greek, Cyrillic and accented Latin print, not only Latin-1.
//
// Characters the fonts lack (emoji, Chinese, Arabic...) are described instead (pdfText), so that
// no text makes the PDF fail; the PDF says where the exact text is.
func (b *Bundle) pdf(w io.Writer, kept int) error {
	pt, err := newPDFText(goregular.TTF, gobold.TTF)
	if err != nil {
		return err
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(b.GeneratedAt)
	p.SetModificationDate(b.GeneratedAt)
	p.SetCatalogSort(true)
	p.SetTitle("Your personal data held by calldesk: "+pt.String(b.Name), true)
	p.SetLang("en")
	p.AddUTF8FontFromBytes("go", "", goregular.TTF)
	p.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	p.SetAutoPageBreak(true, 15)
	p.AliasNbPages("")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("go", "", 8)
		p.CellFormat(0, 5, fmt.Sprintf("%s: page %d of {nb}", pt.String(b.Name), p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	h1 := func(s string) { p.SetFont("go", "B", 16); p.MultiCell(0, 8, pt.String(s), "", "L", false); p.Ln(2) }
	h2 := func(s string) {
		p.Ln(3)
		p.SetFont("go", "B", 13)
		p.MultiCell(0, 7, pt.String(s), "", "L", false)
		p.Ln(1)
	}
	h3 := func(s string) { p.Ln(2); p.SetFont("go", "B", 11); p.MultiCell(0, 6, pt.String(s), "", "L", false) }
	text := func(s string) { p.SetFont("go", "", 10); p.MultiCell(0, 5, pt.String(s), "", "L", false) }
	small := func(s string) { p.SetFont("go", "", 9); p.MultiCell(0, 4.5, pt.String(s), "", "L", false) }
	stamp := b.Zone.When // times for the person to read, in the desk's zone (the CSV files keep RFC 3339)

	h1("Your personal data held by calldesk")
	text(fmt.Sprintf("Prepared for %s on %s, in answer to your subject access request.", b.Name, b.Zone.Day(b.GeneratedAt)))
	text(fmt.Sprintf("Where the text mentions another person, their details are replaced by \"[redacted: N]\" (%d in this report). "+
		"The names of staff who handled your calls are given: they acted in their professional capacity.", kept))
	small(pdfStandInNote)

	h2("Your record")
	for _, f := range b.Fields {
		text(fmt.Sprintf("%s: %s (%s)", f.Name, b.Zone.ValueText(f.Value), f.Source)) // record_created and the like: instants; typed values as typed
	}
	h2(fmt.Sprintf("Your calls (%d)", len(b.Calls)))
	for _, c := range b.Calls {
		h3(c.Ref + ": " + c.Summary)
		small(fmt.Sprintf("%s; logged %s through %s; group %s; analyst %s", c.State, stamp(c.LoggedAt), c.Source, dash(c.Group), dash(c.Analyst)))
		if c.Description != "" {
			text(c.Description)
		}
		if c.Resolution != "" {
			text("Resolution: " + c.Resolution)
		}
		for _, e := range c.Entries {
			small(fmt.Sprintf("%s, %s (%s):", stamp(e.At), e.Author, e.Kind))
			text(b.entryText(e))
		}
	}
	h2(fmt.Sprintf("Entries you wrote on other people's calls (%d)", len(b.Authored)))
	for _, e := range b.Authored {
		small(fmt.Sprintf("%s, %s:", e.CallRef, stamp(e.At)))
		text(b.entryText(e))
	}
	h2(fmt.Sprintf("Emails (%d)", len(b.Emails)))
	for _, m := range b.Emails {
		ref := m.CallRef
		if ref == "" {
			ref = "no call"
		}
		h3(m.Subject + " (" + ref + ")")
		if m.Disposition != "" {
			small("Taken in from you: " + m.Disposition)
		}
		small(fmt.Sprintf("From %s to %s, %s", m.From, m.To, stamp(m.Date)))
		text(m.Text)
	}
	h2(fmt.Sprintf("Emails calldesk sent to you or about your calls (%d)", len(b.SentEmails)))
	for _, m := range b.SentEmails {
		h3(m.Subject)
		small(fmt.Sprintf("To %s, queued %s, %s %s", m.To, stamp(m.Queued), m.State, stamp(m.SentAt)))
		text(m.Text)
	}
	h2(fmt.Sprintf("Files (%d)", len(b.Files)))
	for _, f := range b.Files {
		if f.Path == "" {
			text(fmt.Sprintf("%s (%s): withheld, it holds other people's data", f.Filename, f.CallRef))
			continue
		}
		text(fmt.Sprintf("%s (%s, %s, %d bytes): %s", f.Filename, f.CallRef, f.ContentType, f.Size, f.Path))
	}
	h2(fmt.Sprintf("Who has seen or changed your data (%d)", len(b.Audit)))
	for _, a := range b.Audit {
		small(fmt.Sprintf("%s  %s, through %s: %s", stamp(a.At), a.Who, a.Via, a.What))
	}
	h2(fmt.Sprintf("Your requests (%d)", len(b.Requests)))
	for _, r := range b.Requests {
		text(fmt.Sprintf("%s request received %s: %s. %s", r.Kind, stamp(r.ReceivedAt), r.State, r.Details))
	}
	h2(fmt.Sprintf("Legal holds (%d)", len(b.LegalHolds)))
	for _, h := range b.LegalHolds {
		on := h.CallRef
		if on == "" {
			on = "you"
		}
		lifted := "still placed"
		if !h.LiftedAt.IsZero() {
			lifted = fmt.Sprintf("lifted %s by %s: %s", stamp(h.LiftedAt), h.LiftedBy, h.LiftReason)
		}
		text(fmt.Sprintf("On %s, placed %s by %s: %s (%s)", on, stamp(h.PlacedAt), h.PlacedBy, h.Reason, lifted))
	}
	h2(fmt.Sprintf("Personal data breaches that affected you (%d)", len(b.Breaches)))
	for _, x := range b.Breaches {
		told := "not yet notified to the ICO"
		if !x.NotifiedICOAt.IsZero() {
			told = fmt.Sprintf("notified to the ICO %s (reference %s)", stamp(x.NotifiedICOAt), x.ICOReference)
		}
		text(fmt.Sprintf("Breach %d, known %s (%s): %s. Data: %s. %s. Actions: %s", x.ID, stamp(x.AwareAt), x.State, x.WhatHappened, x.DataCategories, told, x.Actions))
	}
	h2(fmt.Sprintf("Disclosures of your data to third parties (%d)", len(b.Disclosures)))
	for _, d := range b.Disclosures {
		text(fmt.Sprintf("%s asked %s (%s request, basis: %s): %s. Decision: %s", d.Organisation, stamp(d.ReceivedAt), d.Kind, d.Basis, d.Requested, d.State))
	}
	h2(fmt.Sprintf("Your consents (%d)", len(b.Consents)))
	for _, c := range b.Consents {
		state := "in force"
		if !c.WithdrawnAt.IsZero() {
			state = "withdrawn " + stamp(c.WithdrawnAt)
		}
		held := ""
		if c.AltEmail != "" || c.AltPhone != "" {
			held = fmt.Sprintf(" Held under it: %s", strings.TrimSpace(strings.Join([]string{c.AltEmail, c.AltPhone}, " ")))
		}
		text(fmt.Sprintf("%s: you agreed %s to \"%s\" (wording version %d); %s.%s", c.Purpose, stamp(c.GivenAt), c.Wording, c.Version, state, held))
	}
	h2("Your account")
	if a := b.Account; a == nil {
		text("You have no account.")
	} else {
		text(fmt.Sprintf("Login %s; roles %s; created %s; active %t", a.Login, strings.Join(a.Roles, ", "), stamp(a.CreatedAt), a.Active))
		for _, ss := range a.Sessions {
			small(fmt.Sprintf("Signed in %s by %s from %s; last seen %s", stamp(ss.At), ss.Via, dash(ss.Address), stamp(ss.LastSeen)))
		}
		for _, tk := range a.Tokens {
			small(fmt.Sprintf("API token %q created %s, expires %s, revoked %s", tk.Name, stamp(tk.CreatedAt), dash(stamp(tk.ExpiresAt)), dash(stamp(tk.RevokedAt))))
		}
	}
	h2(fmt.Sprintf("Where other people's records mention you (%d)", len(b.Mentions)))
	for _, m := range b.Mentions {
		on := ""
		if m.CallRef != "" {
			on = ", " + m.CallRef
		}
		text(fmt.Sprintf("%s%s (%s): %s", m.Record, on, m.Note, m.Text))
	}
	if err := p.Error(); err != nil {
		return err
	}
	return p.Output(w)
}

// goFontsNotice is the licence of the Go fonts, which report.pdf embeds (a subset of them): their
// licence asks that a copy in binary form carry it, so the bundle's README does.
const goFontsNotice = `
The font in report.pdf
----------------------
report.pdf embeds part of the Go fonts (Go Regular and Go Bold), under this licence:

Copyright (c) 2016 Bigelow & Holmes Inc.. All rights reserved.

Distribution of this font is governed by the following license. If you do not
agree to this license, including the disclaimer, do not distribute or modify
this font.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

	* Redistributions of source code must retain the above copyright notice,
	  this list of conditions and the following disclaimer.

	* Redistributions in binary form must reproduce the above copyright notice,
	  this list of conditions and the following disclaimer in the documentation
	  and/or other materials provided with the distribution.

	* Neither the name of Google Inc. nor the names of its contributors may be
	  used to endorse or promote products derived from this software without
	  specific prior written permission.

DISCLAIMER: THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
"AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO,
THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
`

func dash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
