package mail

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"calldesk/internal/store"
)

// TestFillKeepsParts: the Intake hands the store every part of a message but the small images its
// HTML shows by cid: in a signature (signatureImages), which it notes in a few words (issue 14,
// point 5).
// Before, every inline part under 8 KiB was dropped without a word, whatever its type.
func TestFillKeepsParts(t *testing.T) {
	for name, want := range map[string]struct {
		files   []string
		dropped []string
	}{
		"parts-inline-pdf-4k.eml":   {files: []string{"booking-G07.pdf"}},
		"parts-inline-csv.eml":      {files: []string{"faults.csv"}},
		"parts-screenshot-only.eml": {files: []string{"Screenshot 2026-11-17 at 10.02.41.png"}},
		"parts-signature-logos.eml": {files: []string{"vpn-error.png"}, dropped: []string{"2 small images of the signature"}},
		"parts-calendar-invite.eml": {files: []string{"invite.ics"}},
		"parts-winmail-dat.eml":     {files: []string{"winmail.dat"}},
		"parts-other-kinds.eml":     {files: []string{"scan-of-error.pdf", "setup.exe", "attachment-3.bin"}},
		// Issue 14 fix F3 (defect 3): a small image the HTML shows by cid: is a signature's only
		// by where it stands. Screenshots within the text are kept (these were dropped as logos).
		"apple-mail-inline-image.eml":       {files: []string{"IMG_0042.jpeg"}},
		"outlook-related-inline-images.eml": {files: []string{"image001.png", "image002.jpg"}},
		// Outlook's pasted screenshot, the message's only content: kept.
		"parts-pasted-screenshot-only.eml": {files: []string{"image001.png"}},
		// A screenshot pasted below the signature, with nothing else: kept.
		"parts-screenshot-below-signature.eml": {files: []string{"image001.png"}},
		// An earlier message's logo in the quoted history: left out, and said so.
		"parts-logo-in-quoted-history.eml": {dropped: []string{"1 small image of the signature"}},
		// Issue 14 fix F4: the logo of a real signature is left out. A new Outlook message whose
		// only image is the logo below "Kind regards, name, title, phone"; a reply holding the
		// same logo's bytes again in its history (both copies); Gmail's marked signature.
		"logo-outlook-new-signature.eml":   {dropped: []string{"1 small image of the signature"}},
		"logo-outlook-reply-same-logo.eml": {dropped: []string{"2 small images of the signature"}},
		"logo-gmail-signature.eml":         {dropped: []string{"1 small image of the signature"}},
		"logo-apple-mail-signature.eml":    {dropped: []string{"1 small image of the signature"}},
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/inbound/" + name)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := Parse(raw, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var m store.InMail
			(&Intake{}).fill(&m, msg)
			var files []string
			for _, f := range m.Files {
				files = append(files, f.Filename)
			}
			if !slices.Equal(files, want.files) || !slices.Equal(m.Dropped, want.dropped) {
				t.Errorf("files %q, dropped %q; want %q, %q", files, m.Dropped, want.files, want.dropped)
			}
		})
	}
}

// TestSignatureImagesLinear: a crafted message with 1200 small images shown by cid: links is read
// with one conversion of its HTML to text, not one per image (issue 14 fix F4: each image converted
// the HTML up to it, so that such a message took 51 s), and its images are judged all the same.
func TestSignatureImagesLinear(t *testing.T) {
	const n = 1200
	var html strings.Builder
	html.WriteString("<html><body><p>The screen flickers when I dock the laptop.</p><p>Nadia</p>")
	msg := &Message{Text: "The screen flickers when I dock the laptop.\n\nNadia"}
	for i := range n {
		id := fmt.Sprintf("img%d@x", i)
		fmt.Fprintf(&html, "<p>Some words %d <img src=\"cid:%s\"></p>", i, id)
		msg.Attachments = append(msg.Attachments, Attachment{Filename: "a.png", ContentType: "image/png", Size: 100,
			Content: []byte{byte(i), byte(i >> 8)}, Inline: true, ContentID: id})
	}
	msg.HTML = html.String() + "</body></html>"
	msg.Attachments = append(msg.Attachments, Attachment{Filename: "dock.pdf", ContentType: "application/pdf", Size: 100, Content: []byte("%PDF")})
	msg.FullText = msg.Text
	calls := 0
	sig := signatureImages(msg, func(h string) (string, error) {
		calls++
		return htmlToText(h)
	})
	if calls != 1 {
		t.Errorf("the HTML was converted to text %d times; want once", calls)
	}
	// Every image stands after the new text, and another part (the PDF) is kept: the first
	// positionsMax are placed, and are the signature's; the rest are judged by their bytes only.
	if len(sig) != positionsMax {
		t.Errorf("%d images judged a signature's; want %d", len(sig), positionsMax)
	}
}

// TestSignedOff: an image after text that ends "Kind regards," and a short signature is that
// signature's logo, unless the text speaks of a picture or is a bare name (issue 14 fix F4).
func TestSignedOff(t *testing.T) {
	for text, want := range map[string]bool{
		"The workbook is locked.\n\nKind regards,\nBen Carter\nFinance Officer\nT: 01632 960 418": true,
		"It failed again.\n\nThanks\nNadia":                           true,
		"Nadia Okafor\nSchool of Chemistry, Room B.12":                false,
		"Kind regards,\nBen Carter":                                   false,
		"The error is in the screenshot below.\n\nKind regards,\nBen": false,
		"Thanks!\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11":                  false,
	} {
		if got := signedOff(text); got != want {
			t.Errorf("signedOff(%q) = %v; want %v", text, got, want)
		}
	}
}

func TestCidLinks(t *testing.T) {
	got := cidLinks(`<img src="cid:Logo@X"><img src='CID:a%2Db@y'> url(cid:bg@z) <a href="cid:">`)
	for _, id := range []string{"logo@x", "a-b@y", "bg@z"} {
		if _, ok := got[id]; !ok {
			t.Errorf("cidLinks lacks %q: %v", id, got)
		}
	}
	if len(cidLinks("no links, no cid here")) != 0 {
		t.Error("cidLinks found links in text without any")
	}
}

// TestRepairs: the reader's problem lines (as parse.go writes them, fix F2's included) that
// change what an analyst reads become a few words each for the diary, once; the others none.
func TestRepairs(t *testing.T) {
	got := repairs([]string{
		`2 line(s) before the headers skipped: "---- Original email message ---- / "`,
		`no blank line after the header: 2 line(s) from "This line" on, which are not header fields, read as the body`,
		"text before the first MIME boundary is kept at the head of the body",
		"part 1: text: 2 byte(s) 0x80 removed, taken for NUL bytes as Dovecot serves them (a € written in Windows-1252 without saying so would be lost)",
		"part 1: text without a charset is not UTF-8; read as Windows-1252",
		`part 2: unknown charset "x-klingon"; read as UTF-8`,
		"part 3: text labelled iso-8859-1 is UTF-8; read as UTF-8",
		`Cc header: "<a b@example.org>" is not an address; left out`,
		`Cc header: "<c d@example.org>" is not an address; left out`,
		`Date header "yesterday" cannot be read`,
		"the From header names 2 mailboxes; the Sender a@example.org is the author",
	})
	want := []string{"lines of junk before the headers skipped", "the end of the header, which had no blank line after it, found",
		"the text before the MIME parts kept", "0x80 bytes, taken for NUL bytes, removed",
		"a character set guessed (read as Windows-1252, UTF-8)", "a member of Cc that is not an address left out"}
	if !slices.Equal(got, want) {
		t.Errorf("repairs:\n%q\nwant\n%q", got, want)
	}
	if got := repairs([]string{`Date header "yesterday" cannot be read`}); got != nil {
		t.Errorf("an unreadable Date is a repair: %q", got)
	}
}
