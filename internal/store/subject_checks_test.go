package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSubjectRequestChecks: whoever logs a subject request (the console, the portal), the store
// refuses one received in the future or before the UK GDPR's rights began, and overlong text,
// naming the field; a step with nothing to do says which steps there are; an overlong step text
// names its field (issue 16 defect 3).
func TestSubjectRequestChecks(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		dpo := storetest.Actor(f.Cat)
		now := e.Clock.Now()
		for _, tc := range []struct {
			name  string
			q     desk.SubjectRequest
			field string
		}{
			{"a year on", desk.SubjectRequest{ReceivedAt: now.AddDate(1, 0, 0)}, "received"},
			{"a minute on", desk.SubjectRequest{ReceivedAt: now.Add(time.Minute)}, "received"},
			{"in 1918", desk.SubjectRequest{ReceivedAt: time.Date(1918, 2, 27, 0, 0, 0, 0, time.UTC)}, "received"},
			{"a long proof", desk.SubjectRequest{ReceivedAt: now, IdentityAt: now, IdentityHow: strings.Repeat("p", 501)}, "identity"},
			{"a long authority", desk.SubjectRequest{ReceivedAt: now, ThirdParty: "x", Authority: strings.Repeat("a", 1001)}, "authority"},
		} {
			tc.q.PersonID, tc.q.Kind, tc.q.Channel = f.Dan.ID, desk.RequestAccess, "console"
			_, err := e.S.LogSubjectRequest(ctx, dpo, tc.q)
			if de := desk.AsError(err); de == nil || de.Code != desk.EINVALID || de.Fields[tc.field] == "" {
				t.Errorf("%s: %v, want a mistake in %s", tc.name, err, tc.field)
			}
		}
		q, err := e.S.LogSubjectRequest(ctx, dpo, desk.SubjectRequest{PersonID: f.Dan.ID, Kind: desk.RequestAccess, ReceivedAt: now, Channel: "console"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version, store.RequestStep{IdentityHow: "  "})
		if desk.ErrorCode(err) != desk.EINVALID || strings.Contains(err.Error(), "nothing to do") || !strings.Contains(err.Error(), "what proved the person's identity") {
			t.Errorf("an empty proof of identity: %v", err)
		}
		_, err = e.S.StepSubjectRequest(ctx, dpo, q.ID, q.Version, store.RequestStep{Close: desk.RequestDone, Outcome: strings.Repeat("o", 2001)})
		if de := desk.AsError(err); de == nil || de.Fields["outcome"] == "" {
			t.Errorf("an overlong outcome: %v", err)
		}
	})
}
