package portal_test

import (
	"net/http"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestSeenPagesPastTheEnd: "Who has seen my data" with a page number that is huge, negative or
// not a number answers (never a failure), and a page past the end says so and links back to the
// last page rather than saying nothing was ever written down (issue 16 point 7).
func TestSeenPagesPastTheEnd(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/me").must(t, http.StatusOK) // something to have seen
		for _, pg := range []string{"-3", "abc", "0", ""} {
			dan.get("/portal/me/seen?page="+pg).must(t, http.StatusOK).has(t, `id="seen"`)
		}
		for _, pg := range []string{"9223372036854775807", "99999999999999999999", "4611686018427387904", "7"} {
			dan.get("/portal/me/seen?page="+pg).must(t, http.StatusOK).
				has(t, "past the end", `href="/portal/me/seen"`).lacks(t, "Nothing has been written down yet")
		}
	})
}
