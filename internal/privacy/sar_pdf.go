package privacy

import (
	"fmt"
	"io"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// pdf writes the report as a PDF. The Go fonts are embedded (subset) so that names and text in
// Greek, Cyrillic and accented Latin print, not only Latin-1.
func (b *Bundle) pdf(w io.Writer, kept int) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(b.GeneratedAt)
	p.SetModificationDate(b.GeneratedAt)
	p.SetCatalogSort(true)
	p.SetTitle("Your personal data held by calldesk: "+b.Name, true)
	p.SetLang("en")
	p.AddUTF8FontFromBytes("go", "", goregular.TTF)
	p.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	p.SetAutoPageBreak(true, 15)
	p.AliasNbPages("")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("go", "", 8)
		p.CellFormat(0, 5, fmt.Sprintf("%s: page %d of {nb}", b.Name, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	h1 := func(s string) { p.SetFont("go", "B", 16); p.MultiCell(0, 8, s, "", "L", false); p.Ln(2) }
	h2 := func(s string) { p.Ln(3); p.SetFont("go", "B", 13); p.MultiCell(0, 7, s, "", "L", false); p.Ln(1) }
	h3 := func(s string) { p.Ln(2); p.SetFont("go", "B", 11); p.MultiCell(0, 6, s, "", "L", false) }
	text := func(s string) { p.SetFont("go", "", 10); p.MultiCell(0, 5, s, "", "L", false) }
	small := func(s string) { p.SetFont("go", "", 9); p.MultiCell(0, 4.5, s, "", "L", false) }

	h1("Your personal data held by calldesk")
	text(fmt.Sprintf("Prepared for %s on %s, in answer to your subject access request.", b.Name, b.GeneratedAt.UTC().Format("2 January 2006")))
	text(fmt.Sprintf("Where the text mentions another person, their details are replaced by \"[redacted: N]\" (%d in this report). "+
		"The names of staff who handled your calls are given: they acted in their professional capacity.", kept))

	h2("Your record")
	for _, f := range b.Fields {
		text(fmt.Sprintf("%s: %s (%s)", f.Name, f.Value, f.Source))
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
			text(e.Text)
		}
	}
	h2(fmt.Sprintf("Entries you wrote on other people's calls (%d)", len(b.Authored)))
	for _, e := range b.Authored {
		small(fmt.Sprintf("%s, %s:", e.CallRef, stamp(e.At)))
		text(e.Text)
	}
	h2(fmt.Sprintf("Emails (%d)", len(b.Emails)))
	for _, m := range b.Emails {
		h3(m.Subject + " (" + m.CallRef + ")")
		small(fmt.Sprintf("From %s to %s, %s", m.From, m.To, stamp(m.Date)))
		text(m.Text)
	}
	h2(fmt.Sprintf("Files (%d)", len(b.Files)))
	for _, f := range b.Files {
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
	if err := p.Error(); err != nil {
		return err
	}
	return p.Output(w)
}

func dash(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
