package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"calldesk/internal/store/storetest"
)

// TestCannedReplyEditedInTwoPlaces: two administrators open the same canned reply; the second
// to save does not silently overwrite the first's change: 409 with the error summary, their text
// kept in the form, the reply as the first left it; saved again from that page, it replaces it.
func TestCannedReplyEditedInTwoPlaces(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		e.grant(se, f.Cat, "analyst,admin")
		e.grant(se, f.Ann, "analyst,admin")
		cat, ann := e.signIn(f.Cat), e.signIn(f.Ann)
		cat.post("/admin/replies", url.Values{"name": {"Looking into it"}, "kind": {"update"}, "body": {"We are on it."}}).must(t, http.StatusSeeOther)
		updated := regexp.MustCompile(`name="updated" value="(\d+)"`)
		catForm := cat.get("/admin/replies/1").must(t, http.StatusOK)
		annForm := ann.get("/admin/replies/1").must(t, http.StatusOK)
		mc, ma := updated.FindStringSubmatch(catForm.body), updated.FindStringSubmatch(annForm.body)
		if mc == nil || ma == nil {
			t.Fatal("the form does not say which version of the reply it shows")
		}
		e.clock.Advance(time.Second)
		cat.post("/admin/replies/1", url.Values{"name": {"Looking into it"}, "kind": {"update"}, "body": {"Cat's words."}, "updated": {mc[1]}}).must(t, http.StatusSeeOther)
		refused := ann.post("/admin/replies/1", url.Values{"name": {"Looking into it"}, "kind": {"update"}, "body": {"Ann's words."}, "updated": {ma[1]}}).
			must(t, http.StatusConflict).has(t, `id="error-summary"`, "changed by someone else after you opened it", "Ann&#39;s words.")
		if r, err := e.s.FindCannedReply(e.ctx, 1); err != nil || r.Body != "Cat's words." {
			t.Fatalf("the reply after the refused save: %q %v", r.Body, err)
		}
		m := updated.FindStringSubmatch(refused.body)
		if m == nil || m[1] == ma[1] {
			t.Fatalf("the refused form does not carry the reply's current version: %v", m)
		}
		ann.post("/admin/replies/1", url.Values{"name": {"Looking into it"}, "kind": {"update"}, "body": {"Ann's words."}, "updated": {m[1]}}).must(t, http.StatusSeeOther)
		if r, err := e.s.FindCannedReply(e.ctx, 1); err != nil || r.Body != "Ann's words." {
			t.Fatalf("the reply saved again knowingly: %q %v", r.Body, err)
		}
	})
}
