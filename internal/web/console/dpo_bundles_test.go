package console_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store/storetest"
)

// TestSARBundleConsole: the Data Protection Officer builds the bundle of an access request,
// watches its progress, releases one redaction and keeps the rest, makes it final and releases
// it to the portal; for someone without an account, downloads it encrypted under a passphrase
// shown once. Nobody else may see a bundle; every step is audited against the person.
func TestSARBundleConsole(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		for _, text := range []string{"Bob Baker said to ask here", "Still broken, Bob Baker agrees", "No other names"} {
			if _, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Kind: desk.Fault, Summary: "Wi-Fi drops",
				Description: text, CustomerID: e.f.Dan.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low}); err != nil {
				t.Fatal(err)
			}
		}
		job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}}
		request := func(p desk.Person) string {
			q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: p.ID, Kind: desk.RequestAccess,
				ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "passport", IdentityBy: "Cat Carter", Channel: "console"})
			if err != nil {
				t.Fatal(err)
			}
			return "/dpo/requests/" + strconv.FormatInt(q.ID, 10)
		}
		cat := e.signIn(e.f.Cat)
		req := request(e.f.Dan)
		cat.get(req).must(t, http.StatusOK).has(t, "Copy of their data", "No bundle built yet", "Build the bundle")
		page := cat.post(req+"/bundle", nil).must(t, http.StatusSeeOther).location
		cat.get(page).must(t, http.StatusOK).has(t, "<progress", `hx-trigger="every 2s"`, "Waiting to be built")
		cat.post(req+"/bundle", nil).must(t, http.StatusUnprocessableEntity).has(t, "already being built")
		e.signIn(e.f.Ann).get(page).must(t, http.StatusForbidden)
		if err := job.Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		body := cat.get(page).must(t, http.StatusOK).has(t, "Waiting for your review: 2 of 2 redactions to decide", "Bob Baker",
			"Keep all 2 remaining redacted").lacks(t, "hx-trigger").body
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
		cat.post(page+"/final", url.Values{"version": {version}}).must(t, http.StatusUnprocessableEntity).has(t, "not decided")
		cat.post(page+"/redactions", url.Values{"n": {"1"}, "decision": {"release"}}).must(t, http.StatusSeeOther)
		cat.post(page+"/redactions", url.Values{"all": {"1"}, "decision": {"keep"}}).must(t, http.StatusSeeOther)
		body = cat.get(page).must(t, http.StatusOK).has(t, "Released (Cat Carter)", "Kept redacted (Cat Carter)").body
		version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
		// A decision made after the page was shown (in another tab, by another DPO) makes its
		// "Make final" stale: refused, said plainly, nothing made final.
		cat.post(page+"/redactions", url.Values{"n": {"1"}, "decision": {"keep"}}).must(t, http.StatusSeeOther)
		cat.post(page+"/final", url.Values{"version": {version}}).must(t, http.StatusUnprocessableEntity).
			has(t, "a redaction decision changed while the bundle was being made final", "Waiting for your review")
		cat.post(page+"/redactions", url.Values{"n": {"1"}, "decision": {"release"}}).must(t, http.StatusSeeOther)
		body = cat.get(page).must(t, http.StatusOK).body
		version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
		cat.post(page+"/final", url.Values{"version": {version}}).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, "Final: ready to deliver", "Release to the portal", "SHA-256")
		cat.post(page+"/release", nil).must(t, http.StatusSeeOther)
		cat.get(page).must(t, http.StatusOK).has(t, "Released to the portal until", "Wed 1 Apr 2026")
		cat.get(req).must(t, http.StatusOK).has(t, "delivered")

		// Eve has no account: the encrypted archive, under a passphrase shown once.
		req = request(e.f.Eve)
		page = cat.post(req+"/bundle", nil).must(t, http.StatusSeeOther).location
		if err := job.Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		cat.get(page).must(t, http.StatusOK).has(t, "Final: ready to deliver", "has no portal account").lacks(t, "Release to the portal")
		cat.post(page+"/release", nil).must(t, http.StatusUnprocessableEntity).has(t, "no account")
		shown := cat.post(page+"/encrypt", nil).must(t, http.StatusOK).has(t, "shown this once and never stored")
		if shown.header.Get("Cache-Control") != "no-store" {
			t.Errorf("the passphrase page may be cached")
		}
		pass := regexp.MustCompile(`<code class="passphrase">([A-Z2-7-]+)</code>`).FindStringSubmatch(shown.body)[1]
		cat.post(page+"/encrypted.zip", url.Values{}).must(t, http.StatusUnprocessableEntity).has(t, "passphrase")
		// A passphrase of the client's choosing, however long, encrypts nothing.
		cat.post(page+"/encrypted.zip", url.Values{"passphrase": {"a passphrase chosen by the client"}}).must(t, http.StatusUnprocessableEntity).has(t, "passphrase")
		if n := len(e.audited(e.f.Eve, "sar.download")); n != 0 {
			t.Errorf("a refused passphrase downloaded the bundle (%d downloads)", n)
		}
		got := cat.post(page+"/encrypted.zip", url.Values{"passphrase": {pass}}).must(t, http.StatusOK)
		if ct := got.header.Get("Content-Type"); ct != "application/zip" {
			t.Errorf("Content-Type %q", ct)
		}
		z, err := zip.NewReader(bytes.NewReader([]byte(got.body)), int64(len(got.body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range z.File {
			if f.Method != 99 || f.Flags&1 == 0 {
				t.Errorf("%s is not AES-encrypted (method %d)", f.Name, f.Method)
			}
		}
		if len(z.File) != 1 || z.File[0].Name != privacy.ArchiveEntry {
			t.Errorf("the archive lists %d entries, want only %s", len(z.File), privacy.ArchiveEntry)
		}
		if strings.Contains(got.body, "README.txt") || strings.Contains(got.body, "calls.json") {
			t.Errorf("the bundle's file names are readable in the archive")
		}
		if strings.Contains(got.body, "Eve Evans") {
			t.Errorf("the archive holds plain text")
		}
		for _, want := range []string{"sar.queue", "sar.build", "sar.redaction", "sar.final", "sar.release", "sar.view"} {
			if len(e.audited(e.f.Dan, want)) == 0 {
				t.Errorf("no %s audit record for Dan", want)
			}
		}
		if len(e.audited(e.f.Eve, "sar.download")) != 1 {
			t.Errorf("the encrypted download was not audited once")
		}
	})
}

// TestSARBundleFileReview: a file an analyst added to the person's call is listed for the DPO's
// review beside the redactions; kept, the final bundle withholds it.
func TestSARBundleFileReview(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Kind: desk.Fault, Summary: "Wi-Fi drops",
			CustomerID: e.f.Dan.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddEntryWithAttachments(e.ctx, storetest.Actor(e.f.Ann), c.Ref, desk.EntryUpdate, "the log",
			[]desk.Upload{{Filename: "wifi-log.txt", Data: []byte("log of the access point\n")}}, desk.AttachmentRules{}); err != nil {
			t.Fatal(err)
		}
		q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Dan.ID, Kind: desk.RequestAccess,
			ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "passport", IdentityBy: "Cat Carter", Channel: "console"})
		if err != nil {
			t.Fatal(err)
		}
		cat := e.signIn(e.f.Cat)
		page := cat.post("/dpo/requests/"+strconv.FormatInt(q.ID, 10)+"/bundle", nil).must(t, http.StatusSeeOther).location
		if err := (&privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}}).Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		body := cat.get(page).must(t, http.StatusOK).has(t, "1 of 1 redactions to decide", "file added by someone else", "wifi-log.txt").body
		cat.post(page+"/redactions", url.Values{"all": {"1"}, "decision": {"keep"}}).must(t, http.StatusSeeOther)
		body = cat.get(page).must(t, http.StatusOK).body
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
		cat.post(page+"/final", url.Values{"version": {version}}).must(t, http.StatusSeeOther)
		id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/dpo/bundles/"), 10, 64)
		_, content, err := e.s.SARZip(e.ctx, storetest.Actor(e.f.Cat), id, 0, "test")
		if err != nil {
			t.Fatal(err)
		}
		z, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range z.File {
			if strings.Contains(f.Name, "wifi-log") {
				t.Errorf("the withheld file is in the bundle as %s", f.Name)
			}
		}
	})
}

// TestSARRedactionInContext: the review shows each candidate in its sentence, as written, with a
// link to the page where it stands (the call's diary entry, the call), and that page has the
// entry the link points at: the DPO decides seeing what the words say about whom.
func TestSARRedactionInContext(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.grant(se, e.f.Cat, "analyst,dpo")
		c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Ann), desk.NewCall{Kind: desk.Fault, Summary: "Wi-Fi drops",
			Description: "The Wi-Fi drops every hour. My office mate Bob Baker has the same laptop. It started on Monday.",
			CustomerID:  e.f.Dan.ID, Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
		if err != nil {
			t.Fatal(err)
		}
		en, err := e.s.AddEntry(e.ctx, storetest.Actor(e.f.Ann), c.Ref, desk.EntryUpdate, "Rang back.\nAsked Bob Baker whether his drops too: it does")
		if err != nil {
			t.Fatal(err)
		}
		q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Dan.ID, Kind: desk.RequestAccess,
			ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "passport", IdentityBy: "Cat Carter", Channel: "console"})
		if err != nil {
			t.Fatal(err)
		}
		cat := e.signIn(e.f.Cat)
		page := cat.post("/dpo/requests/"+strconv.FormatInt(q.ID, 10)+"/bundle", nil).must(t, http.StatusSeeOther).location
		if err := (&privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}}).Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		entry := "/calls/" + c.Ref + "#entry-" + strconv.FormatInt(en.ID, 10)
		cat.get(page).must(t, http.StatusOK).has(t, "2 of 2 redactions to decide",
			"My office mate <mark>Bob Baker</mark> has the same laptop.</td>",
			"Asked <mark>Bob Baker</mark> whether his drops too: it does</td>",
			`<a href="/calls/`+c.Ref+`">`+c.Ref+` description</a>`,
			`<a href="`+entry+`">`+c.Ref+` entry `).
			lacks(t, "The Wi-Fi drops every hour. My office", "It started on Monday", "Rang back.")
		cat.get("/calls/"+c.Ref).must(t, http.StatusOK).has(t, `id="entry-`+strconv.FormatInt(en.ID, 10)+`"`)
	})
}
