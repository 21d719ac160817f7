package privacy_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// Texts in several scripts, as a customer may type them.
const (
	emojiText    = "🖨️ printer on fire"
	cjkText      = "打印机坏了。プリンター"
	arabicText   = "الطابعة لا تعمل"
	combinedText = "Cafe\u0301 printer, nai\u0308ve Zoe\u0308"
	cyrillicText = "Принтер не работает"
)

// TestSARBundleAnyScript: a person whose call holds emoji, Chinese and Japanese, Arabic and
// combining marks gets their bundle built by the job (final, not failed); report.pdf prints the
// characters its font has (composed) and a description of the others, and says where the exact
// text is; the JSON, CSV and HTML files keep the exact text (issue 16 defect 2).
func TestSARBundleAnyScript(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := e.F
		c, err := e.S.CreateCall(ctx, storetest.Actor(f.Dan), desk.NewCall{Kind: desk.Fault, Summary: emojiText,
			Description: cjkText, CustomerID: f.Dan.ID, Source: desk.SourcePortal, Impact: desk.Low, Urgency: desk.Low})
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{arabicText, combinedText, cyrillicText} {
			e.Clock.Advance(1e9)
			if _, err := e.S.AddEntryWithAttachments(ctx, storetest.Actor(f.Dan), c.Ref, desk.EntryUpdate, text, nil, desk.AttachmentRules{}); err != nil {
				t.Fatal(err)
			}
		}
		b := finalBundle(t, e, f.Dan.ID) // built by the job: final, not failed
		_, data, err := e.S.SARArchiveZip(ctx, storetest.Actor(f.Ann), b.ID, "test", privacy.DownloadPeriod)
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, data)

		pdf := pdfStrings(t, files["report.pdf"])
		for _, want := range []string{"[emoji: printer] printer on fire", "[Chinese, Japanese or Korean text: see report.html]",
			"[Arabic text: see report.html]", "Café printer, naïve Zoë", cyrillicText, "square brackets"} {
			if !strings.Contains(pdf, want) {
				t.Errorf("report.pdf does not show %q", want)
			}
		}
		for _, not := range []string{"🖨", "打", "ل", "e\u0301"} {
			if strings.Contains(pdf, not) {
				t.Errorf("report.pdf prints %q, which its font lacks", not)
			}
		}

		var calls []struct {
			Summary     string `json:"summary"`
			Description string `json:"description"`
			Diary       []struct {
				Text string `json:"text"`
			} `json:"diary"`
		}
		if err := json.Unmarshal(files["calls.json"], &calls); err != nil {
			t.Fatal(err)
		}
		var diary []string
		for _, d := range calls[0].Diary {
			diary = append(diary, d.Text)
		}
		if len(calls) != 1 || calls[0].Summary != emojiText || calls[0].Description != cjkText ||
			!strings.Contains(strings.Join(diary, "|"), arabicText+"|"+combinedText+"|"+cyrillicText) {
			t.Errorf("calls.json must keep the exact text: %+v", calls)
		}
		rows, err := csv.NewReader(bytes.NewReader(files["calls.csv"])).ReadAll()
		if err != nil || len(rows) != 2 || !strings.Contains(strings.Join(rows[1], "|"), emojiText+"|"+cjkText) {
			t.Errorf("calls.csv must keep the exact text: %q %v", rows, err)
		}
		entries := string(files["entries.csv"])
		html := string(files["report.html"])
		for _, want := range []string{emojiText, cjkText, arabicText, combinedText, cyrillicText} {
			if want != emojiText && want != cjkText && !strings.Contains(entries, want) {
				t.Errorf("entries.csv does not keep %q", want)
			}
			if !strings.Contains(html, want) {
				t.Errorf("report.html does not keep %q", want)
			}
		}
		if !strings.Contains(string(files["README.txt"]), "Bigelow & Holmes") {
			t.Errorf("README.txt must carry the licence notice of the font report.pdf embeds")
		}
	})
}

// pdfStrings is the text a PDF made by fpdf shows: its content streams inflated, each string of
// its text operators decoded from UTF-16 (as fpdf writes text in a Unicode font), one a line.
func pdfStrings(t *testing.T, pdf []byte) string {
	t.Helper()
	var out strings.Builder
	streams := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(pdf, -1)
	for _, m := range streams {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not compressed content (a font, an image)
		}
		content, err := io.ReadAll(zr)
		if err != nil || !bytes.Contains(content, []byte(")Tj")) {
			continue
		}
		for _, s := range regexp.MustCompile(`(?s)\(((?:\\.|[^\\)])*)\)\s*Tj`).FindAllSubmatch(content, -1) {
			raw := regexp.MustCompile(`(?s)\\(.)`).ReplaceAllFunc(s[1], func(b []byte) []byte {
				if b[1] == 'r' {
					return []byte{'\r'}
				}
				return b[1:]
			})
			u := make([]uint16, len(raw)/2)
			for i := range u {
				u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
			}
			out.WriteString(string(utf16.Decode(u)) + "\n")
		}
	}
	if out.Len() == 0 {
		t.Fatalf("no text found in report.pdf")
	}
	return out.String()
}
