package console_test

import (
	"strings"
	"testing"

	"calldesk/internal/store/storetest"
)

// An analyst adding a note while the database is unavailable sees a calm page that keeps the note
// (accessible at every width), and sends it from there once the desk is back (issue 21, fault 2).
func TestBrowserUnavailableKeepsTheNote(t *testing.T) {
	t.Parallel()
	e, o := unavailableEnv(t, storetest.NewEnv(t, "sqlite", start))
	call := e.call("Projector in lecture theatre 2 shows no picture", e.f.ServiceDesk.ID)
	note := "Swapped the HDMI cable at the lectern; the picture is back"
	b := e.tab(t)
	b.signIn(e.f.Ann.Username)
	b.Open("/calls/" + call.Ref)
	eval[bool](b, `document.querySelector('details[data-key="i"]').open = true`)
	b.TypeInto(callForm(call.Ref, "note")+" textarea", note)
	o.start()
	b.submitForm(callForm(call.Ref, "note"), `note|add`)
	b.MustSee("briefly unavailable", "Nothing you typed is lost")
	if kept := eval[string](b, `document.querySelector('#kept-heading ~ form textarea').value`); kept != note {
		t.Fatalf("the page keeps %q, want the note typed", kept)
	}
	b.Check("the desk briefly unavailable, the note kept", "unavailable-kept")
	o.end()
	b.submitForm(`#kept-heading ~ form`, "send again")
	b.MustSee(note)
	if !strings.HasPrefix(b.Path(), "/calls/"+call.Ref) {
		t.Fatalf("sending again led to %s", b.Path())
	}
}
