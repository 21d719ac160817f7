package console_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// TestSARBuildFailureShownToDPO: a bundle whose build fails (a person erased while it was being
// built) is logged with its cause, audited against the person, and shown to the DPO on the
// bundle's page and the request's as a failure, with what to do and a button that builds it
// again: it does not look like progress. A bundle that cannot be rendered when made final (its
// gathered data damaged) is logged, and the page says what failed and what to do; nothing
// changes (issue 16 defect 2).
func TestSARBuildFailureShownToDPO(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		if _, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Kind: desk.Fault, Summary: "Wi-Fi drops",
			Description: "Bob Baker has the same laptop", CustomerID: e.f.Dan.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low}); err != nil {
			t.Fatal(err)
		}
		q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Dan.ID, Kind: desk.RequestAccess,
			ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "passport", IdentityBy: "Cat Carter", Channel: "console"})
		if err != nil {
			t.Fatal(err)
		}
		req := "/dpo/requests/" + strconv.FormatInt(q.ID, 10)
		cat := e.signIn(e.f.Cat)
		page := cat.post(req+"/bundle", nil).must(t, http.StatusSeeOther).location
		job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}, Log: slog.New(slog.NewTextHandler(e.logs, nil))}

		// The build is overtaken by an erasure: it fails.
		e.clock.Advance(time.Minute)
		claimed, ok, err := e.s.ClaimSARBundle(e.ctx)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if _, err := e.s.ErasePerson(e.ctx, storetest.Actor(e.f.Ann), desk.Erasure{PersonID: e.f.Eve.ID, Basis: desk.BasisConsent,
			Ground: desk.GroundConsentWithdrawn, Decision: "She withdrew consent.", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
		if err := job.Build(e.ctx, claimed); err != nil {
			t.Fatal(err)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, "SAR bundle build failed") || !strings.Contains(logs, "erased") || strings.Count(logs, "SAR bundle build failed") != 1 {
			t.Errorf("the failed build is not logged once with its cause:\n%s", logs)
		}
		if len(e.audited(e.f.Dan, "sar.build_failed")) != 1 {
			t.Errorf("the failed build is not in Dan's audit trail")
		}
		cat.get(page).must(t, http.StatusOK).has(t, "It could not be built</strong>: a person was erased", "What to do",
			"still due on", "Build the bundle again", `action="`+req+`/bundle"`, "<dt>Failed</dt>", "nothing was built").lacks(t, "<progress", "<dt>Built</dt>")
		cat.get(req).must(t, http.StatusOK).has(t, "could not be built, so nothing has been sent to Dan Dawson and the deadline still runs",
			"<strong>could not be built</strong> (a person was erased", "Build the bundle again")
		cat.get("/dpo/requests").must(t, http.StatusOK).has(t, "open: <strong>its copy could not be built</strong>")

		// Built again, it waits for review; its gathered data damaged, making it final fails,
		// logged, said on the page with what to do, and nothing changes.
		page = cat.post(req+"/bundle", nil).must(t, http.StatusSeeOther).location
		if err := job.Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		cat.get(req).must(t, http.StatusOK).lacks(t, "could not be built, so nothing")
		cat.get("/dpo/requests").must(t, http.StatusOK).lacks(t, "its copy could not be built")
		cat.post(page+"/redactions", url.Values{"all": {"1"}, "decision": {"keep"}}).must(t, http.StatusSeeOther)
		body := cat.get(page).must(t, http.StatusOK).body
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
		id := strings.TrimPrefix(page, "/dpo/bundles/")
		se.DB.MustExec(t, `UPDATE sar_bundles SET model = ? WHERE id = ?`, []byte("not json"), id)
		cat.post(page+"/final", url.Values{"version": {version}}).must(t, http.StatusInternalServerError).
			has(t, "The bundle could not be made final, so nothing changed", "Your decisions are kept", "quoting bundle "+id, "Waiting for your review")
		if !strings.Contains(e.logs.String(), "SAR bundle could not be made final") {
			t.Errorf("the failed final is not logged:\n%s", e.logs.String())
		}
	})
}
