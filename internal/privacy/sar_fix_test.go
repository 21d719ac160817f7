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
