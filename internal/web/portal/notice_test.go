package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"calldesk/internal/dpo"
)

// TestNoticeAtThePointOfCollection: once the DPO publishes a notice, the form to ask for help
// shows its summary (14.5) and links to the version shown; the call logged from it records that
// version, even when a newer one was published while the form was open; the portal's privacy
// page gives way to the published notice.
func TestNoticeAtThePointOfCollection(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/privacy").must(t, http.StatusOK)
		for _, a := range dpo.StandardActivities() {
			if _, err := e.s.CreateProcessingActivity(ctx, e.f.Admin, a, "standard"); err != nil {
				t.Fatal(err)
			}
		}
		recs, err := dpo.Records(ctx, e.s)
		if err != nil {
			t.Fatal(err)
		}
		n := dpo.BuildNotice(recs, dpo.Contacts{})
		if _, err := e.s.PublishNotice(ctx, e.f.Admin, n.Marshal(), "first"); err != nil {
			t.Fatal(err)
		}
		dan.get("/portal/calls/new").must(t, http.StatusOK).has(t, n.Summary.Why[:40], `href="/privacy/1"`, `name="notice_version" value="1"`)
		if _, err := e.s.PublishNotice(ctx, e.f.Admin, n.Marshal(), "second"); err != nil {
			t.Fatal(err)
		}
		r := dan.post("/portal/calls/new", url.Values{"summary": {"No wifi in the library"}, "notice_version": {"1"}}).must(t, http.StatusSeeOther)
		ref := strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		if v, err := e.s.CallNoticeVersion(ctx, ref); err != nil || v != 1 {
			t.Errorf("the call records notice version %d (%v), want 1, the one the form showed", v, err)
		}
		// A version that was never published is not recorded.
		r = dan.post("/portal/calls/new", url.Values{"summary": {"Printer jammed"}, "notice_version": {"7"}}).must(t, http.StatusSeeOther)
		ref = strings.TrimSuffix(strings.TrimPrefix(r.location, "/portal/calls/"), "?done=logged")
		if v, err := e.s.CallNoticeVersion(ctx, ref); err != nil || v != 0 {
			t.Errorf("a made-up version: recorded %d (%v)", v, err)
		}
		if r := dan.get("/portal/privacy").must(t, http.StatusSeeOther); r.location != "/privacy" {
			t.Errorf("the portal's notice sends to %q", r.location)
		}
	})
}
