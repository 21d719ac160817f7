package console_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/browsertest"
)

// TestBrowserSARBundle drives a bundle through its pages as the Data Protection Officer would:
// build it from the request, watch the progress turn into the review by itself (htmx polling),
// keep the redactions, make it final and ask for the encrypted archive; each page is checked
// with axe, at phone width and at 200% zoom, with visible focus.
func TestBrowserSARBundle(t *testing.T) {
	t.Parallel()
	se := storetest.NewEnv(t, "sqlite", start)
	e := newEnv(t, se)
	e.grant(se, e.f.Cat, "analyst,dpo")
	for _, text := range []string{"Bob Baker said to ask here", "Dan Dawson has the same laptop"} {
		if _, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Kind: desk.Fault, Summary: "Wi-Fi drops",
			Description: text, CustomerID: e.f.Eve.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low}); err != nil {
			t.Fatal(err)
		}
	}
	q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Eve.ID, Kind: desk.RequestAccess,
		ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "passport", IdentityBy: "Cat Carter", Channel: "console"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.tab(t)
	b.signIn(e.f.Cat.Username)
	b.Open("/dpo/requests/" + strconv.FormatInt(q.ID, 10))
	b.MustSee("Copy of their data", "No bundle built yet")
	b.Click("form[action$='/bundle'] button[type=submit]")
	b.WaitJS("the bundle page", `!!document.querySelector('progress')`)
	b.MustSee("Waiting to be built")
	b.Check("a bundle being built", "bundle-building")
	if err := (&privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}}).Run(e.ctx); err != nil {
		t.Fatal(err)
	}
	// The page follows the build by itself.
	b.WaitJS("the review to replace the progress", `document.body.innerText.includes('Waiting for your review')`)
	b.MustSee("Bob Baker", "Keep all 2 remaining redacted")
	b.Check("a bundle in review", "bundle-review")
	b.FocusVisible("a bundle in review", 8)
	b.Click("#r1 button[value=release]")
	b.WaitJS("the decision", `document.body.innerText.includes('Released (Cat Carter)')`)
	b.Click("form[action$='/redactions'] input[name=all] ~ button")
	b.WaitJS("the rest kept", `!document.body.innerText.includes('remaining redacted')`)
	b.Click("form[action$='/final'] button")
	b.WaitJS("the final bundle", `document.body.innerText.includes('Final: ready to deliver')`)
	b.MustSee("has no portal account", "Download encrypted archive")
	b.Check("a final bundle", "bundle-final")
	// The report inside the bundle, as the person opens it from the zip.
	id, err := strconv.ParseInt(strings.TrimPrefix(b.Path(), "/dpo/bundles/"), 10, 64)
	if err != nil {
		t.Fatalf("bundle page %s", b.Path())
	}
	_, content, err := e.s.SARZip(e.ctx, storetest.Actor(e.f.Cat), id, 0, "browser test")
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		t.Fatal(err)
	}
	files := httptest.NewServer(http.FileServerFS(z))
	t.Cleanup(files.Close)
	report := browsertest.NewTab(t, files.URL)
	report.Open("/report.html")
	report.MustSee("Your personal data held by calldesk", "Eve Evans", "Bob Baker", "[redacted: 2]")
	report.Check("the SAR bundle's report", "sar-report")
	report.FocusVisible("the SAR bundle's report", 6)
	checkPrint(t, report, "the SAR bundle's report", "h1", "#record", "#calls") // issue 16: no contents list in print
	b.Click("form[action$='/encrypt'] button")
	b.WaitJS("the passphrase", `!!document.querySelector('code.passphrase')`)
	b.Check("the passphrase of an encrypted archive", "bundle-passphrase")
	// Once its archive has been downloaded, the page says when the bundle's content goes.
	if _, _, err := e.s.SARArchiveZip(e.ctx, storetest.Actor(e.f.Cat), id, "browser test", privacy.DownloadPeriod); err != nil {
		t.Fatal(err)
	}
	b.Open("/dpo/bundles/" + strconv.FormatInt(id, 10))
	b.MustSee("its encrypted archive was downloaded, and its content is deleted on")
	b.Check("a bundle whose encrypted archive was downloaded", "bundle-archive-given")
}
