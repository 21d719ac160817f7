package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"calldesk/internal/desk"
)

// TestCloseAndCancelSayWhatHappens (issue 16, defect 4): the close and cancel forms say, before
// their buttons, what the action does: who is told and how, what the customer sees, and that the
// call cannot be reopened; after it, the notice says it again.
func TestCloseAndCancelSayWhatHappens(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		c := e.signIn(e.f.Ann)
		open := e.call("Duplicate of another call", 0)
		page := c.get("/calls/"+open.Ref).must(t, http.StatusOK)
		page.has(t, `<p class="consequence" id="cancel-what">Cancelling withdraws the call: it leaves the queues and is not worked on. Dan Dawson is not emailed, but sees it cancelled on SupportMe, with your reason. A cancelled call cannot be reopened`,
			`<button type="submit" class="danger" aria-describedby="cancel-what">Cancel the call</button>`).lacks(t, "close-what")
		r := c.post("/calls/"+open.Ref+"/cancel", url.Values{"reason": {"logged twice"}, "version": {fmt.Sprint(formVersion(t, page, open.Ref, "cancel"))}}).must(t, http.StatusSeeOther)
		c.get(r.location).must(t, http.StatusOK).has(t, "The call is cancelled: it has left the queues; the customer was not emailed")

		resolved := e.move(e.f.Ann, e.move(e.f.Ann, e.call("VPN drops", e.f.ServiceDesk.ID), desk.Transition{Action: desk.ActAccept}),
			desk.Transition{Action: desk.ActResolve, Text: "new profile"})
		page = c.get("/calls/"+resolved.Ref).must(t, http.StatusOK)
		page.has(t, `<p class="consequence" id="close-what">Closing ends the call for good. Dan Dawson is emailed that the call is closed, and sees it closed on SupportMe, with your note. A closed call cannot be reopened`,
			`aria-describedby="close-what">Close the call</button>`).lacks(t, "cancel-what")
		r = c.post("/calls/"+resolved.Ref+"/close", url.Values{"version": {fmt.Sprint(formVersion(t, page, resolved.Ref, "close"))}}).must(t, http.StatusSeeOther)
		c.get(r.location).must(t, http.StatusOK).has(t, "The call is closed: the customer is emailed that it is closed (when they have an address)", "It cannot be reopened.")
	})
}
