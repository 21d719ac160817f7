package console_test

import (
	"fmt"
	"net/http"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestWhoHasSeen (P2, issue 7 item 6): the Data Protection Officer sees, for a person, who looked
// at or changed their data, what, when and through which screen; nobody else may; looking is
// itself recorded.
func TestWhoHasSeen(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		call := e.call("Printer jammed", e.f.ServiceDesk.ID)
		ann := e.signIn(e.f.Ann)
		ann.get("/calls/"+call.Ref).must(t, http.StatusOK)
		ann.get(fmt.Sprintf("/people/%d", e.f.Dan.ID)).must(t, http.StatusOK).lacks(t, "Who has seen this data")
		seen := fmt.Sprintf("/people/%d/seen", e.f.Dan.ID)
		ann.get(seen).must(t, http.StatusForbidden).has(t, "Data Protection Officer")

		cat := e.signIn(e.f.Cat)
		cat.get(fmt.Sprintf("/people/%d", e.f.Dan.ID)).must(t, http.StatusOK).has(t, `href="`+seen+`"`)
		cat.get(seen).must(t, http.StatusOK).has(t, "Who has seen Dan Dawson", "Ann Archer", "looked at the call "+call.Ref,
			"looked at the person record", "the analysts&#39; console", "logged the call "+call.Ref)
		if n := len(e.audited(e.f.Dan, "person.audit")); n != 1 {
			t.Fatalf("%d records of the DPO looking, want 1", n)
		}
	})
}
