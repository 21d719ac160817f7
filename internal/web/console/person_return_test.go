package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestBringBack: an administrator marks a person as left and brings them back, each with a
// reason and an audit record; the page says who made them a leaver and offers "Bring back" to
// administrators only; anyone else is refused.
func TestBringBack(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,admin")
		person := fmt.Sprintf("/people/%d", e.f.Dan.ID)
		cat, ann := e.signIn(e.f.Cat), e.signIn(e.f.Ann)
		cat.get(person).must(t, http.StatusOK).lacks(t, "Bring back")
		cat.post(person+"/return", url.Values{"reason": {"x"}}).must(t, http.StatusConflict)
		cat.post(person+"/leave", url.Values{"reason": {"dismissed"}}).must(t, http.StatusSeeOther)
		cat.get(person).must(t, http.StatusOK).has(t, "an administrator marked them as left", `action="/people/`+fmt.Sprint(e.f.Dan.ID)+`/return"`, "Bring back")
		ann.get(person).must(t, http.StatusOK).lacks(t, "Bring back")
		ann.post(person+"/return", url.Values{"reason": {"x"}}).must(t, http.StatusForbidden)
		cat.post(person+"/return", url.Values{"reason": {" "}}).must(t, http.StatusUnprocessableEntity)
		cat.post(person+"/return", url.Values{"reason": {"the dismissal was withdrawn"}}).must(t, http.StatusSeeOther)
		cat.get(person).must(t, http.StatusOK).has(t, "Mark as left").lacks(t, "Bring back")
		if p, err := e.s.FindPerson(e.ctx, e.f.Dan.ID); err != nil || !p.Active || !p.LeftAt.IsZero() || p.LeftBy != "" {
			t.Fatalf("brought back: %+v %v", p, err)
		}
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.return' AND object_id = ? AND actor = ? AND detail = ?`,
			fmt.Sprint(e.f.Dan.ID), e.f.Cat.Name(), "brought back by an administrator: the dismissal was withdrawn"); n != 1 {
			t.Fatalf("%d audit records of the return, want 1", n)
		}
	})
}
