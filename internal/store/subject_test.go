package store_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func TestSubjectRequests(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		dpo := storetest.Actor(f.Cat)
		now := e.Clock.Now()
		// A third party without written authority is refused.
		if _, err := e.S.LogSubjectRequest(ctx, dpo, desk.SubjectRequest{PersonID: f.Dan.ID, Kind: desk.RequestAccess, ReceivedAt: now,
			ThirdParty: "Dan's solicitor", Channel: "console"}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a third party without authority: %v", err)
		}
		// Logged by email, identity not yet proved: no deadline yet.
		q, err := e.S.LogSubjectRequest(ctx, dpo, desk.SubjectRequest{PersonID: f.Dan.ID, Kind: desk.RequestAccess, ReceivedAt: now,
			ThirdParty: "Dan's solicitor", Authority: "signed letter of 30 January, scanned to the request file", Channel: "console",
			Details: "A copy of everything you hold about me"})
		if err != nil || !q.Due().IsZero() || q.State != desk.RequestOpen || q.Person != "Dan Dawson" {
			t.Fatalf("logged: %+v %v", q, err)
		}
		// Signed in through single sign-on, Eve's counts as proof at once.
		eve, err := e.S.LogSubjectRequest(ctx, storetest.Actor(f.Eve), desk.SubjectRequest{PersonID: f.Eve.ID, Kind: desk.RequestErasure,
			ReceivedAt: now, IdentityAt: now, IdentityHow: "signed in through single sign-on", IdentityBy: "calldesk", Channel: "portal"})
		if err != nil || !eve.Due().Equal(time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("Eve's: %+v %v", eve, err)
		}
		list := func(view string) int {
			t.Helper()
			rs, err := e.S.SubjectRequests(ctx, e.Clock.Now(), store.RequestFilter{View: view, Soon: 7 * 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			return len(rs)
		}
		if list("open") != 2 || list("unverified") != 1 || list("due") != 0 || list("overdue") != 0 {
			t.Fatalf("views: open %d unverified %d due %d overdue %d", list("open"), list("unverified"), list("due"), list("overdue"))
		}
		// Dan's identity is proved three days later: a month from then.
		e.Clock.Advance(72 * time.Hour)
		if q, err = e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version, store.RequestStep{IdentityHow: "passport seen at the service desk"}); err != nil {
			t.Fatal(err)
		}
		if !q.Due().Equal(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)) || q.IdentityBy != "Cat Carter" {
			t.Fatalf("proved: due %s by %s", q.Due(), q.IdentityBy)
		}
		if _, err := e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version-1, store.RequestStep{Reason: "x", ExtendMonths: 1}); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("a stale version: %v", err)
		}
		// Due soon, then overdue.
		e.Clock.Advance(24 * 24 * time.Hour)
		if list("due") != 2 {
			t.Fatalf("due soon: %d", list("due"))
		}
		e.Clock.Advance(8 * 24 * time.Hour)
		if list("overdue") != 2 {
			t.Fatalf("overdue: %d", list("overdue"))
		}
		// Extended with a reason; closed with an outcome.
		if _, err := e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version, store.RequestStep{ExtendMonths: 2}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("an extension without a reason: %v", err)
		}
		if q, err = e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version, store.RequestStep{ExtendMonths: 2, Reason: "300 calls to review for third parties"}); err != nil {
			t.Fatal(err)
		}
		if !q.Due().Equal(time.Date(2026, 5, 3, 9, 0, 0, 0, time.UTC)) || list("overdue") != 1 {
			t.Fatalf("extended: due %s, overdue %d", q.Due(), list("overdue"))
		}
		if _, err := e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version, store.RequestStep{Close: desk.RequestDone}); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("closed without an outcome: %v", err)
		}
		if q, err = e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version, store.RequestStep{Close: desk.RequestDone, Outcome: "bundle sent on 2 April"}); err != nil || q.State != desk.RequestDone {
			t.Fatalf("closed: %+v %v", q, err)
		}
		// Every step is in Dan's audit trail.
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: f.Dan.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			if r.ObjectType == "request" {
				n++
			}
		}
		if n != 4 {
			t.Fatalf("%d audit records of Dan's request, want 4 (logged, proved, extended, closed)", n)
		}
	})
}
