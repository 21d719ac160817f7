package console_test

import (
	"strconv"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestBrowserDPOMistakesAndFailures: the Data Protection Officer's forms sent with mistakes
// (logging a request with no person and no date, proving an identity with nothing) show the
// error summary, focused, with each mistake beside its field, and a bundle whose build failed
// says so with what to do; each page is checked with axe, at phone width and at 200% zoom
// (issue 16 defects 2 and 3).
func TestBrowserDPOMistakesAndFailures(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/dpo/requests")
	b.Click("form[action='/dpo/requests'] button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("The request was not logged", "Give the username or email address of the person", "Give the date the request arrived.")
	b.Check("the request form with mistakes", "dpo-request-mistakes")

	q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Eve.ID, Kind: desk.RequestAccess,
		ReceivedAt: e.clock.Now(), Channel: "console"})
	if err != nil {
		t.Fatal(err)
	}
	b.Open("/dpo/requests/" + strconv.FormatInt(q.ID, 10))
	b.Click("form input[name=step][value=identity] ~ button[type=submit]")
	b.WaitJS("the error summary, focused", `document.activeElement && document.activeElement.id === 'error-summary'`)
	b.MustSee("Nothing was changed", "Say what proved their identity")
	b.Check("a request step with a mistake", "dpo-step-mistake")

	if _, err := e.s.StepSubjectRequest(e.ctx, storetest.Actor(e.f.Cat), q.ID, q.Version, storeStep("passport")); err != nil {
		t.Fatal(err)
	}
	bu, err := e.s.QueueSARBundle(e.ctx, storetest.Actor(e.f.Cat), q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.s.ClaimSARBundle(e.ctx); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if err := e.s.FailSARBuild(e.ctx, bu.ID, "calldesk could not make it (report.pdf: the disk is full)"); err != nil {
		t.Fatal(err)
	}
	b.Open("/dpo/bundles/" + strconv.FormatInt(bu.ID, 10))
	b.MustSee("It could not be built", "report.pdf: the disk is full", "What to do", "Build the bundle again")
	b.Check("a bundle whose build failed", "bundle-failed")
	b.Open("/dpo/requests/" + strconv.FormatInt(q.ID, 10))
	b.MustSee("could not be built, so nothing has been sent")
	b.Check("a request whose bundle failed", "request-bundle-failed")
}

func storeStep(identity string) store.RequestStep { return store.RequestStep{IdentityHow: identity} }
