package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
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

// TestBulkAssignLeavesCallsAlreadyThere: "Select all on this page", then "Assign" to the group
// and analyst some of the calls already have: those are reported as already assigned and left
// as they are; before, each was assigned again, which put an accepted call back to assigned
// and took a call on hold off its hold (the customer had been told until when).
func TestBulkAssignLeavesCallsAlreadyThere(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		f := e.f
		to := desk.Transition{Action: desk.ActAssign, GroupID: f.ServiceDesk.ID, AnalystID: f.Ann.ID}
		accepted := e.move(f.Ann, e.call("Printer jam", 0), to)
		accepted = e.move(f.Ann, accepted, desk.Transition{Action: desk.ActAccept, AnalystID: f.Ann.ID})
		held := e.move(f.Ann, e.call("Laptop on order", 0), to)
		held = e.move(f.Ann, held, desk.Transition{Action: desk.ActHold, Until: e.clock.Now().Add(72 * time.Hour), Reason: "waiting for the delivery"})
		other := e.call("Monitor flickers", 0)
		ann := e.signIn(f.Ann)
		res := ann.follow(ann.post("/calls/bulk", bulkForm("assign", []desk.Call{accepted, held, other},
			url.Values{"group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)}, "analyst_id": {strconv.FormatInt(f.Ann.ID, 10)}}))).must(t, http.StatusOK)
		res.has(t, other.Ref+"</a>: assigned", accepted.Ref+"</a>: already", held.Ref+"</a>: already")
		if now := e.refreshed(accepted); now.State != desk.Accepted || now.Version != accepted.Version {
			t.Errorf("the accepted call: %s v%d, was accepted v%d", now.State, now.Version, accepted.Version)
		}
		if now := e.refreshed(held); now.State != desk.OnHold || now.HoldUntil.IsZero() || now.Version != held.Version {
			t.Errorf("the call on hold: %s until %v v%d, was on hold v%d", now.State, now.HoldUntil, now.Version, held.Version)
		}
	})
}

// TestCannedReplyGreetsAPersonOfOneName: a customer known by one name only (held as the last
// name, which the register allows) is greeted by it when a canned reply is picked, not as
// "Dear there".
func TestCannedReplyGreetsAPersonOfOneName(t *testing.T) {
	consoleTest(t, func(t *testing.T, e *env) {
		f := e.f
		if _, err := e.s.CreateCannedReply(e.ctx, f.Admin, store.CannedReply{Name: "Looking", Kind: store.ReplyUpdate, Body: "Dear {{first_name}}, we are on {{ref}}."}); err != nil {
			t.Fatal(err)
		}
		sukarno, err := e.s.CreatePerson(e.ctx, f.Admin, desk.Person{LastName: "Sukarno", Email: "sukarno@example.ac.uk", Kind: desk.Student, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.s.CreateCall(e.ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Wifi drops", CustomerID: sukarno.ID,
			Source: desk.SourcePhone, ProfileID: f.Outlook.ID, GroupID: f.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		e.signIn(f.Ann).get("/calls/"+c.Ref+"?for=update&reply=1").must(t, http.StatusOK).
			has(t, ">Dear Sukarno, we are on "+c.Ref+".</textarea>").lacks(t, "Dear there")
	})
}
