package dpo_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/dpo"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestBreachesAndDisclosuresFollowRetention: breaches closed more than six years ago and
// disclosures requested more than six years ago are deleted by the retention sweep with their
// links to people; an open breach, a recently closed one and a recent disclosure stay; a dry run
// counts them and changes nothing.
func TestBreachesAndDisclosuresFollowRetention(t *testing.T) {
	storetest.EachEnv(t, time.Date(2018, 1, 8, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		actor := storetest.Actor(f.Cat)
		actor.Reason = "test"
		report := func(what string, closeIt bool) int64 {
			t.Helper()
			b, err := e.S.ReportBreach(ctx, storetest.Actor(f.Ann), store.Breach{Report: what, AwareAt: e.Clock.Now()}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.S.LinkBreachPerson(ctx, actor, b.ID, f.Dan.ID, true); err != nil {
				t.Fatal(err)
			}
			if closeIt {
				b, _ = e.S.FindBreach(ctx, b.ID)
				nb, err := dpo.Assessment{Assessment: what, Risk: "none", Notify: "no", Decision: "no risk", State: "closed", Reason: "closed"}.Apply(b, e.Clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.S.AssessBreach(ctx, actor, nb); err != nil {
					t.Fatal(err)
				}
			}
			return b.ID
		}
		disclose := func() int64 {
			t.Helper()
			d, err := e.S.LogDisclosure(ctx, actor, store.Disclosure{Kind: "other", Organisation: "Council", Requester: "R", Basis: "b",
				Requested: "r", ReceivedAt: e.Clock.Now()}, []int64{f.Dan.ID})
			if err != nil {
				t.Fatal(err)
			}
			return d.ID
		}
		oldClosed, oldOpen, oldDisclosure := report("old and closed", true), report("old and still open", false), disclose()
		e.Clock.Advance(6*365*24*time.Hour + 30*24*time.Hour)
		recentClosed, recentDisclosure := report("recent", true), disclose()
		_ = recentClosed
		r := privacy.Retention{Store: e.S}
		dry, err := r.Sweep(ctx, actor, true)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, l := range dry.Lines {
			got[l.Class] = l.Count
		}
		if got[store.ClassBreaches] != 1 || got[store.ClassDisclosures] != 1 {
			t.Fatalf("dry run: %+v", dry.Lines)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM breaches`) + e.DB.Count(t, `SELECT COUNT(*) FROM disclosures`); n != 5 {
			t.Fatalf("the dry run deleted something: %d left", n)
		}
		if _, err := r.Sweep(ctx, actor, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.FindBreach(ctx, oldClosed); err == nil {
			t.Error("the breach closed six years ago is still kept")
		}
		if _, err := e.S.FindDisclosure(ctx, oldDisclosure); err == nil {
			t.Error("the six-year-old disclosure is still kept")
		}
		for _, id := range []int64{oldOpen, recentClosed} {
			if _, err := e.S.FindBreach(ctx, id); err != nil {
				t.Errorf("breach %d: %v", id, err)
			}
		}
		if _, err := e.S.FindDisclosure(ctx, recentDisclosure); err != nil {
			t.Error(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM breach_people WHERE breach_id = ?`, oldClosed) +
			e.DB.Count(t, `SELECT COUNT(*) FROM disclosure_people WHERE disclosure_id = ?`, oldDisclosure); n != 0 {
			t.Errorf("links of swept records left: %d", n)
		}
	})
}
