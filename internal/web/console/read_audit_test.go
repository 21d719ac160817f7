package console_test

import (
	"net/http"
	"testing"

	"calldesk/internal/store/storetest"
)

// A page or response showing personal data is sent only once the record of its reading is in the
// audit trail (issue 21, fault 1): while the database refuses audit records the call is not
// shown, by the console or the API; once it takes them, the record of each read is in the table
// when the answer arrives, with nothing to flush.
func TestReadRefusedWhenItsAuditCannotBeWritten(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		c := e.call("Thesis chapter lost in Word", e.f.ServiceDesk.ID)
		ann := e.signIn(e.f.Ann)
		token := e.tokenOf(e.f.Ann)
		before := len(e.audited(e.f.Dan, "call.view"))

		restore := se.RefuseAuditRecords(t)
		r := ann.get("/calls/" + c.Ref)
		if r.status < 500 {
			t.Fatalf("the console showed a call whose reading could not be recorded: %d", r.status)
		}
		r.lacks(t, "Thesis chapter lost in Word", "Dawson")
		status, body := e.apiGet(token, "/api/v1/calls/"+c.Ref)
		if status < 500 {
			t.Fatalf("the API answered %d for a call whose reading could not be recorded", status)
		}
		if r := (response{body: body}); r.body != "" {
			r.lacks(t, "Thesis chapter lost in Word", "Dawson")
		}
		restore()

		ann.get("/calls/"+c.Ref).must(t, http.StatusOK).has(t, "Thesis chapter lost in Word")
		if n := len(e.audited(e.f.Dan, "call.view")); n != before+1 {
			t.Fatalf("%d records of the console's read in the trail when the page arrived, want 1", n-before)
		}
		if status, _ := e.apiGet(token, "/api/v1/calls/"+c.Ref); status != http.StatusOK {
			t.Fatalf("API read after the outage: %d", status)
		}
		if n := len(e.audited(e.f.Dan, "call.view")); n != before+2 {
			t.Fatalf("%d records of reads in the trail when the API answered, want 2", n-before)
		}
	})
}
