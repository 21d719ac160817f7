package mail

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestDump(t *testing.T) {
	if os.Getenv("MAILDUMP") == "" {
		t.Skip()
	}
	files, _ := filepath.Glob("testdata/inbound/*.eml")
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		m, err := Parse(raw, Limits{})
		fmt.Printf("===== %s\n", filepath.Base(f))
		if err != nil {
			fmt.Printf("ERR %v\n", err)
			continue
		}
		auto, why := m.Automatic()
		fmt.Printf("id=%q key=%q irt=%q refs=%q\nfrom=%+v sender=%+v replyto=%+v to=%+v\nsubj=%q date=%v ref=%q auto=%v %q\n", m.MessageID, m.Key, m.InReplyTo, m.References, m.From, m.Sender, m.ReplyTo, m.To, m.Subject, m.Date, Ref(m.Subject), auto, why)
		for _, a := range m.Attachments {
			fmt.Printf("att %q %s %d inline=%v cid=%q tnef=%v\n", a.Filename, a.ContentType, a.Size, a.Inline, a.ContentID, a.TNEF)
		}
		fmt.Printf("problems=%q\n--- text\n%s\n--- full\n%s\n", m.Problems, m.Text, m.FullText)
	}
}
