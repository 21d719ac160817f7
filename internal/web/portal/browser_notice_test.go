package portal_test

import (
	"testing"

	"calldesk/internal/dpo"
)

// TestBrowserNoticeSummary: with a privacy notice published, the form to ask for help shows its
// summary (policy 14.5) and links to the version shown; checked with axe-core at 1280, 375 and
// 320 px.
func TestBrowserNoticeSummary(t *testing.T) {
	e := browserEnv(t)
	for _, a := range dpo.StandardActivities() {
		if _, err := e.s.CreateProcessingActivity(e.ctx, e.f.Admin, a, "standard"); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := dpo.Records(e.ctx, e.s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.PublishNotice(e.ctx, e.f.Admin, dpo.BuildNotice(recs, dpo.Contacts{}).Marshal(), "first"); err != nil {
		t.Fatal(err)
	}
	b := e.tab(t)
	b.signIn(e.f.Dan.Username)
	b.Open("/portal/calls/new")
	b.MustSee("Your information", "Who sees it", "Read the full privacy notice")
	if !b.Has(`a[href="/privacy/1"]`) || !b.Has(`input[name=notice_version][value="1"]`) {
		t.Error("the form does not link to, or record, the notice version it shows")
	}
	b.pageChecks("ask for help with the published notice", "newcall-notice")
}
