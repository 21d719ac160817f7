package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
)

// FuzzParse feeds Parse the corpus and what the fuzzer makes of it. Parse must not panic, must
// fail only with a coded error, and what it returns must keep its promises: valid UTF-8
// everywhere, Text made of FullText's lines, attachments' sizes and limits honoured.
// `make test` runs it for a bounded time (scripts/test.sh).
//
// Run it with -fuzzminimizetime bounded to a number of runs, as scripts/test.sh does (200x: at
// most 200 runs to shrink an input; a failing input too is written after those, as far as shrunk):
//
//	go test -run='^$' -fuzz='^FuzzParse$' -fuzztime=20s -fuzzminimizetime=200x ./internal/mail
//
// By default the fuzzer spends up to 60 s minimizing every input that finds new coverage, by
// trying to delete every byte range of it: O(n²) runs of Parse, about a million for a 1.5 KB
// message like the seeds. The first mutations of the seeds nearly always find new coverage, so an
// unbounded run spends all of a short -fuzztime minimizing one input and reports
// "execs: 64 (0/sec)" throughout: nothing is fuzzed, yet it passes.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/inbound/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	limits := Limits{MessageMax: 1 << 20, AttachmentMax: 512}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// The fuzzer has no time limit of its own: a hang is failed here, and all the code under
		// test runs under the watchdog, the checks below only read what it returned.
		var m *Message
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			m, err = Parse(raw, limits)
			if err == nil {
				m.Automatic()
				Ref(m.Subject)
				m.OurIDs("desk.example.ac.uk")
			}
		}()
		watchdog := time.NewTimer(10 * time.Second)
		select {
		case <-done:
			watchdog.Stop()
		case <-watchdog.C:
			t.Fatalf("Parse and the calls after it have been running for 10s on %d bytes", len(raw))
		}
		if err != nil {
			if m != nil {
				t.Error("Parse returned a message and an error")
			}
			if code := desk.ErrorCode(err); code != desk.EINVALID {
				t.Errorf("error code %q, want %q: %v", code, desk.EINVALID, err)
			}
			if msg := desk.Message(err); msg == "" || !utf8.ValidString(msg) || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error message %q is not one loggable line", msg)
			}
			return
		}
		for name, s := range map[string]string{
			"Text": m.Text, "FullText": m.FullText, "HTML": m.HTML, "Subject": m.Subject,
			"MessageID": m.MessageID, "From.Addr": m.From.Addr, "From.Name": m.From.Name,
		} {
			if !utf8.ValidString(s) {
				t.Errorf("%s is not valid UTF-8: %q", name, s)
			}
		}
		for _, s := range []string{m.Subject, m.From.Name, m.From.Addr, m.MessageID} {
			if strings.ContainsAny(s, "\r\n\x00") {
				t.Errorf("header value %q holds a line break or NUL", s)
			}
		}
		// A sender is read cleanly or not at all: an address, or the reason there is none.
		if (m.From.Addr == "") == (m.FromProblem == "") || m.Key == "" {
			t.Errorf("From %q, FromProblem %q, Key %q: want one of From and FromProblem, and a Key", m.From.Addr, m.FromProblem, m.Key)
		}
		if m.FromProblem != "" && (!utf8.ValidString(m.FromProblem) || strings.ContainsAny(m.FromProblem, "\r\n\x00")) {
			t.Errorf("FromProblem %q is not one loggable line", m.FromProblem)
		}
		for _, a := range append(append([]Address{m.From, m.Sender}, m.To...), m.Cc...) {
			if a.Addr != "" && (!utf8.ValidString(a.Addr) || !strings.Contains(a.Addr, "@") || strings.ContainsAny(a.Addr, "\r\n\x00")) {
				t.Errorf("address %q is not one clean address", a.Addr)
			}
		}
		if len(m.Text) > len(m.FullText) {
			t.Errorf("Text (%d bytes) is longer than FullText (%d)", len(m.Text), len(m.FullText))
		}
		if (m.Text == "") != (m.FullText == "") {
			t.Errorf("Text %q but FullText %q", m.Text, m.FullText)
		}
		// Every line of Text is a line of FullText, in order: the trim only hides.
		full := strings.Split(m.FullText, "\n")
		i := 0
		for _, l := range strings.Split(m.Text, "\n") {
			for i < len(full) && full[i] != l {
				i++
			}
			if i == len(full) {
				t.Fatalf("Text line %q is not a line of FullText (in order)", l)
			}
			i++
		}
		for _, a := range m.Attachments {
			if a.Size != int64(len(a.Content)) || a.Size > limits.AttachmentMax {
				t.Errorf("attachment %q: Size %d, %d bytes, limit %d", a.Filename, a.Size, len(a.Content), limits.AttachmentMax)
			}
		}
		for _, a := range m.Oversized {
			if a.Content != nil || a.Size <= limits.AttachmentMax {
				t.Errorf("oversized %q: Size %d, content %d bytes", a.Filename, a.Size, len(a.Content))
			}
		}
		for _, a := range append(m.Attachments, m.Oversized...) {
			if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00\n") || !utf8.ValidString(a.Filename) {
				t.Errorf("unsafe file name %q", a.Filename)
			}
		}
	})
}
