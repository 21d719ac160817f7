package portal_test

import (
	"fmt"
	"net/http"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestFreeTextSetsItsDirectionEverywhere (issue 16 point 8): an Arabic summary is the heading of
// the customer's call page and a link on their list of calls, each setting its own direction;
// a legal hold's reason inside the console's English sentence on the person page is isolated (bdi).
func TestFreeTextSetsItsDirectionEverywhere(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		arabic := "الطابعة لا تعمل"
		call := e.call(e.f.Dan, arabic)
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/calls/"+call.Ref).must(t, http.StatusOK).has(t, `<h1 dir="auto">`+arabic+`</h1>`)
		dan.get("/portal/").must(t, http.StatusOK).has(t, `dir="auto">`+arabic+`</a>`)

		reason := "شكوى قيد التحقيق"
		if _, err := e.s.PlaceLegalHold(e.ctx, storetest.Actor(e.f.Ann), 0, e.f.Dan.ID, reason); err != nil {
			t.Fatal(err)
		}
		e.signInConsole(e.f.Ann).get(fmt.Sprintf("/people/%d", e.f.Dan.ID)).must(t, http.StatusOK).has(t, `: <bdi>`+reason+`</bdi> (placed by`)
	})
}
