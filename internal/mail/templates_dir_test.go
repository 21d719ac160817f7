package mail_test

import (
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
)

// TestNotificationTextSetsItsDirection (issue 16 point 8): an update written in Arabic reaches the
// customer's email as a paragraph that sets its own direction, so it reads right to left inside
// the English message.
func TestNotificationTextSetsItsDirection(t *testing.T) {
	tpl, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	arabic := "الطابعة تعمل الآن."
	r, err := tpl.Render(desk.MailPublicUpdate, mail.MailData{Ref: "F0000001", Name: "Dan", Status: "In progress", Link: "https://d", Text: arabic})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, `<p dir="auto">`+arabic+`</p>`) {
		t.Errorf("the HTML body does not let the text set its direction:\n%s", r.HTML)
	}
}
