package portal_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"regexp"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestCopyOfMyData: a bundle the Data Protection Officer released to the portal is listed on My
// details and downloads, for its person only, until it expires; after that the download is
// refused with a clear message. Each download is audited.
func TestCopyOfMyData(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.call(e.f.Dan, "Printer jams")
		q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Dan.ID, Kind: desk.RequestAccess,
			ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "single sign-on", IdentityBy: "portal", Channel: "portal"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.s.QueueSARBundle(e.ctx, e.f.Admin, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := (&privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}}).Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		if err := e.s.ReleaseSARBundle(e.ctx, e.f.Admin, b.ID, e.clock.Now().Add(privacy.DownloadPeriod)); err != nil {
			t.Fatal(err)
		}
		dan := e.signIn(e.f.Dan)
		page := dan.get("/portal/me").must(t, http.StatusOK).has(t, "Download the copy of your data").body
		link := regexp.MustCompile(`href="(/portal/me/data/\d+)"`).FindStringSubmatch(page)[1]
		got := dan.get(link).must(t, http.StatusOK)
		if z, err := zip.NewReader(bytes.NewReader([]byte(got.body)), int64(len(got.body))); err != nil || len(z.File) < 10 {
			t.Fatalf("the download is no bundle: %v", err)
		}
		e.signIn(e.f.Eve).get(link).must(t, http.StatusNotFound)
		e.clock.Advance(privacy.DownloadPeriod)
		dan = e.signIn(e.f.Dan)
		dan.get("/portal/me").must(t, http.StatusOK).has(t, "has been deleted").lacks(t, "Download the copy")
		dan.get(link).must(t, http.StatusForbidden).has(t, "expired")
		recs, _, err := e.s.FindAudit(e.ctx, store.AuditFilter{PersonID: e.f.Dan.ID, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			if r.Action == "sar.download" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d download audit records, want 1", n)
		}
	})
}

// TestCopyNeverGivenNotListed: a bundle made final and never given (neither released to the
// portal nor downloaded as an archive) expires unseen: My details does not list it.
func TestCopyNeverGivenNotListed(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		e.call(e.f.Dan, "Printer jams")
		q, err := e.s.LogSubjectRequest(e.ctx, e.f.Admin, desk.SubjectRequest{PersonID: e.f.Dan.ID, Kind: desk.RequestAccess,
			ReceivedAt: e.clock.Now(), IdentityAt: e.clock.Now(), IdentityHow: "single sign-on", IdentityBy: "portal", Channel: "portal"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.QueueSARBundle(e.ctx, e.f.Admin, q.ID); err != nil {
			t.Fatal(err)
		}
		job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.s, Now: e.clock.Now}}
		if err := job.Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(privacy.DownloadPeriod)
		if err := job.Run(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n := se.DB.Count(t, `SELECT COUNT(*) FROM sar_bundles WHERE state = 'expired'`); n != 1 {
			t.Fatalf("%d bundles expired, want the one never given", n)
		}
		e.signIn(e.f.Dan).get("/portal/me").must(t, http.StatusOK).lacks(t, "copy of your data, prepared", "has been deleted")
	})
}
