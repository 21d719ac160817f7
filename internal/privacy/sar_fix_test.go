package privacy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// builtForReview queues and builds a bundle of Dan's whose calls mention Bob Baker, so it waits in
// review with redactions to decide.
func builtForReview(t *testing.T, e *storetest.Env) store.SARBundle {
	t.Helper()
	ctx := context.Background()
	dpo := storetest.Actor(e.F.Ann)
	for range 2 {
		e.Clock.Advance(time.Minute)
		if _, err := e.S.CreateCall(ctx, dpo, desk.NewCall{Kind: desk.Fault, Summary: "Laptop", CustomerID: e.F.Dan.ID,
			Description: "Bob Baker looked at it", Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low}); err != nil {
			t.Fatal(err)
		}
	}
	q := accessRequest(t, e, e.F.Dan.ID)
	b, err := e.S.QueueSARBundle(ctx, dpo, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}}
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	b, err = e.S.SARBundle(ctx, b.ID)
	if err != nil || b.State != store.BundleReview {
		t.Fatalf("after the build: %+v %v", b, err)
	}
	return b
}

// TestSARDecisionMakesFinaliseStale: every redaction decision bumps the bundle's version, so a
// finalise rendered from the decisions of an earlier version fails as stale (ECONFLICT) and
// nothing is made final.
func TestSARDecisionMakesFinaliseStale(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		dpo := storetest.Actor(e.F.Ann)
		b := builtForReview(t, e)
		if err := e.S.DecideSARRedactions(ctx, dpo, b.ID, "keep"); err != nil {
			t.Fatal(err)
		}
		b, _ = e.S.SARBundle(ctx, b.ID)
		seen := b.Version // the version the DPO's page (and the finalise's render) saw
		// A decision lands while the finalise is rendering.
		if err := e.S.DecideSARRedactions(ctx, dpo, b.ID, "release", 1); err != nil {
			t.Fatal(err)
		}
		if err := e.S.FinaliseSARBundle(ctx, dpo, b.ID, seen, []byte("rendered with redaction 1 kept")); desk.ErrorCode(err) != desk.ECONFLICT ||
			!strings.Contains(err.Error(), "decision changed") {
			t.Fatalf("finalise after a decision changed: %v, want a stale conflict", err)
		}
		if err := privacy.Finalise(ctx, e.S, dpo, b.ID, seen); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("Finalise at the old version: %v, want a stale conflict", err)
		}
		if got, _ := e.S.SARBundle(ctx, b.ID); got.State != store.BundleReview {
			t.Fatalf("a stale finalise made the bundle %s", got.State)
		}
		b, _ = e.S.SARBundle(ctx, b.ID)
		if err := privacy.Finalise(ctx, e.S, dpo, b.ID, b.Version); err != nil {
			t.Fatal(err)
		}
		_, zip, err := e.S.SARZip(ctx, dpo, b.ID, 0, "test")
		if err != nil {
			t.Fatal(err)
		}
		if calls := string(unzip(t, zip)["calls.json"]); strings.Count(calls, "Bob Baker") != 1 {
			t.Errorf("the final bundle does not follow the last decisions (redaction 1 released):\n%s", calls)
		}
	})
}

// TestSARBuildRefusedAfterErasure: a person erased while a bundle is being built may be named in
// what was gathered, so the build is refused and recorded as failed with the reason.
func TestSARBuildRefusedAfterErasure(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		dpo := storetest.Actor(e.F.Ann)
		if _, err := e.S.CreateCall(ctx, dpo, desk.NewCall{Kind: desk.Fault, Summary: "Laptop", CustomerID: e.F.Dan.ID,
			Description: "Eve Evans has the same laptop", Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low}); err != nil {
			t.Fatal(err)
		}
		q := accessRequest(t, e, e.F.Dan.ID)
		b, err := e.S.QueueSARBundle(ctx, dpo, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Minute)
		claimed, ok, err := e.S.ClaimSARBundle(ctx)
		if err != nil || !ok || claimed.ID != b.ID {
			t.Fatalf("claim: %v %v", ok, err)
		}
		// The build reports progress (moving its lease on), then Eve is erased before it finishes.
		e.Clock.Advance(time.Second)
		if err := e.S.SARProgress(ctx, b.ID, 1, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.ErasePerson(ctx, dpo, desk.Erasure{PersonID: e.F.Eve.ID, Basis: desk.BasisConsent,
			Ground: desk.GroundConsentWithdrawn, Decision: "She withdrew consent.", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Second)
		if err := e.S.FinishSARBuild(ctx, b.ID, claimed.StartedAt, []byte("{}"), nil, []store.SARRedaction{{N: 1, Where: "x", Original: "Eve Evans", Kind: "name"}}); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("finish after an erasure: %v, want a conflict", err)
		}
		job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}}
		if err := job.Build(ctx, claimed); err != nil {
			t.Fatal(err)
		}
		b, _ = e.S.SARBundle(ctx, b.ID)
		if b.State != store.BundleFailed || !strings.Contains(b.Error, "erased") || !strings.Contains(b.Error, "build the bundle again") {
			t.Errorf("after a build overtaken by an erasure: %+v", b)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sar_redactions`); n != 0 {
			t.Errorf("the refused build left %d redactions", n)
		}
		// Built again, after the erasure, it finishes.
		b2, err := e.S.QueueSARBundle(ctx, dpo, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Second)
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if b2, _ = e.S.SARBundle(ctx, b2.ID); b2.State != store.BundleReview && b2.State != store.BundleFinal {
			t.Errorf("the build after the erasure: %+v", b2)
		}
	})
}

// finalBundle queues and builds a bundle of person's with nothing to redact, so it is final.
func finalBundle(t *testing.T, e *storetest.Env, person int64) store.SARBundle {
	t.Helper()
	ctx := context.Background()
	q := accessRequest(t, e, person)
	b, err := e.S.QueueSARBundle(ctx, storetest.Actor(e.F.Ann), q.ID)
	if err != nil {
		t.Fatal(err)
	}
	job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}}
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err = e.S.SARBundle(ctx, b.ID); err != nil || b.State != store.BundleFinal {
		t.Fatalf("after the build: %+v %v", b, err)
	}
	return b
}

// TestSARArchiveExpires: a bundle given as an encrypted archive lives DownloadPeriod from the
// archive's first download (a later download does not extend it); one never downloaded lives
// as long from when it was made final; then its content is deleted and it is expired, audited once.
func TestSARArchiveExpires(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		dpo := storetest.Actor(e.F.Ann)
		given := finalBundle(t, e, e.F.Eve.ID)
		e.Clock.Advance(10 * 24 * time.Hour)
		idle := finalBundle(t, e, e.F.Eve.ID) // made final 10 days after the first
		e.Clock.Advance(5 * 24 * time.Hour)
		first := e.Clock.Now()
		if _, _, err := e.S.SARArchiveZip(ctx, dpo, given.ID, "encrypted archive", privacy.DownloadPeriod); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(24 * time.Hour)
		if _, _, err := e.S.SARArchiveZip(ctx, dpo, given.ID, "encrypted archive", privacy.DownloadPeriod); err != nil {
			t.Fatal(err)
		}
		if b, _ := e.S.SARBundle(ctx, given.ID); !b.ExpiresAt.Equal(first.Add(privacy.DownloadPeriod)) {
			t.Errorf("expires %v, want 30 days after the first download %v", b.ExpiresAt, first)
		}
		job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}}
		state := func(id int64) string {
			b, err := e.S.SARBundle(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return b.State
		}
		// Day 39 after the idle one was made final and 29 after the archive's download: neither yet.
		e.Clock.Set(first.Add(privacy.DownloadPeriod - time.Minute))
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if state(given.ID) != store.BundleFinal || state(idle.ID) != store.BundleExpired {
			t.Errorf("before the archive's period ended: given %s, idle %s (made final %v)", state(given.ID), state(idle.ID), idle.FinalAt)
		}
		e.Clock.Advance(time.Minute)
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if state(given.ID) != store.BundleExpired {
			t.Errorf("after the archive's period: %s", state(given.ID))
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sar_bundles WHERE zip IS NOT NULL`); n != 0 {
			t.Errorf("%d expired bundles kept their content", n)
		}
		if _, _, err := e.S.SARArchiveZip(ctx, dpo, given.ID, "encrypted archive", privacy.DownloadPeriod); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Errorf("an expired bundle downloaded: %v", err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'sar.expire'`); n != 2 {
			t.Errorf("%d sar.expire records, want 2", n)
		}
	})
}

// TestSARExpireOnceAcrossInstances: instances expiring at the same moment write one sar.expire
// record per bundle.
func TestSARExpireOnceAcrossInstances(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		const n = 6
		for range n {
			finalBundle(t, e, e.F.Eve.ID)
		}
		e.Clock.Advance(privacy.DownloadPeriod + time.Hour)
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := e.S.ExpireSARBundles(ctx, 100, privacy.DownloadPeriod)
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if got := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'sar.expire'`); got != n {
			t.Errorf("%d sar.expire records for %d bundles", got, n)
		}
		if got := e.DB.Count(t, `SELECT COUNT(*) FROM sar_bundles WHERE state = 'expired'`); got != n {
			t.Errorf("%d bundles expired, want %d", got, n)
		}
	})
}

// TestSARFilesOthersAddedAreReviewed: a file someone else added to the person's call is a review
// item, given only when the DPO releases it; the person's own upload is theirs, given at once.
func TestSARFilesOthersAddedAreReviewed(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann, dan := storetest.Actor(e.F.Ann), storetest.Actor(e.F.Dan)
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Kind: desk.Fault, Summary: "Laptop", CustomerID: e.F.Dan.ID,
			Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []struct {
			who  desk.Actor
			name string
		}{{dan, "my-screenshot.txt"}, {ann, "staff-notes.txt"}} {
			if _, err := e.S.AddEntryWithAttachments(ctx, u.who, c.Ref, desk.EntryUpdate, "file", []desk.Upload{{Filename: u.name,
				Data: []byte("content of " + u.name + "\n")}}, desk.AttachmentRules{}); err != nil {
				t.Fatal(err)
			}
		}
		bu, err := (&privacy.Builder{Store: e.S, Now: e.Clock.Now}).Gather(ctx, e.F.Dan.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		review := 0
		for _, f := range bu.Files {
			switch f.Filename {
			case "my-screenshot.txt":
				if f.Review != 0 {
					t.Errorf("Dan's own upload is a review item")
				}
			case "staff-notes.txt":
				review = f.Review
			}
		}
		if review == 0 || bu.Redactions[review-1].Kind != privacy.KindFile || bu.Redactions[review-1].Original != "staff-notes.txt" {
			t.Fatalf("Ann's file is no review item: %d %+v", review, bu.Redactions)
		}
		withheld := unzip(t, must(bu.RenderBytes(ctx, nil, storeFiles(e.S))))
		released := unzip(t, must(bu.RenderBytes(ctx, privacy.Decisions{review: true}, storeFiles(e.S))))
		in := func(files map[string][]byte, name string) bool {
			for n, data := range files {
				if strings.HasSuffix(n, "-"+name) && strings.Contains(string(data), "content of "+name) {
					return true
				}
			}
			return false
		}
		if !in(withheld, "my-screenshot.txt") || !in(released, "my-screenshot.txt") {
			t.Errorf("Dan's own upload is not given")
		}
		if in(withheld, "staff-notes.txt") || strings.Contains(string(withheld["attachments.csv"]), "staff-notes") {
			t.Errorf("Ann's file is given though not released")
		}
		if !in(released, "staff-notes.txt") {
			t.Errorf("Ann's released file is not given")
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestSARMailFromPersonDiscarded: an email from the person's address that was held back and
// discarded (its content deleted) is still listed: that it came, when, and what became of it.
func TestSARMailFromPersonDiscarded(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		got, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 9, MessageID: "stranger@uni.example",
			From: "newcomer@uni.example", Subject: "Help with my card", Text: "hello", Raw: []byte("Subject: Help with my card\r\n\r\nhello\r\n")},
			store.IngestRules{PerSenderHour: 10})
		if err != nil || got.Disposition != store.MailQuarantine {
			t.Fatalf("ingest: %+v %v", got, err)
		}
		if err := e.S.DiscardMail(ctx, storetest.Actor(e.F.Ann), got.ID); err != nil {
			t.Fatal(err)
		}
		p, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Nia", LastName: "Newcomer", Username: "nnewcomer",
			Email: "newcomer@uni.example", Kind: desk.Student})
		if err != nil {
			t.Fatal(err)
		}
		bu, err := (&privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}).Gather(ctx, p.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(bu.Emails) != 1 || !strings.HasPrefix(bu.Emails[0].Disposition, "discarded") || bu.Emails[0].From != "newcomer@uni.example" {
			t.Fatalf("emails: %+v", bu.Emails)
		}
	})
}
