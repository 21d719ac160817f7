package store_test

import (
	"context"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func activity(code string) store.ProcessingActivity {
	return store.ProcessingActivity{Code: code, Name: "Handling calls", Purpose: "To help people with IT.", LawfulBasis: "public task",
		People: "students, staff", Recipients: "service desk analysts", Tables: []string{"calls", "diary_entries"}}
}

// Records of processing: made, changed and reviewed, each change a kept version with its reason,
// audited in the same transaction; bad input refused field by field; a stale edit refused.
func TestProcessingActivitiesVersionedAndAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dpo := storetest.Actor(e.F.Ann)
		bad := store.ProcessingActivity{Code: "Bad Code", LawfulBasis: "because", Tables: []string{"nonsense"}}
		_, err := e.S.CreateProcessingActivity(ctx, dpo, bad, "")
		de := desk.AsError(err)
		if de == nil || de.Code != desk.EINVALID {
			t.Fatalf("bad record: %v", err)
		}
		for _, f := range []string{"code", "name", "purpose", "people", "lawful_basis", "tables", "reason"} {
			if de.Fields[f] == "" {
				t.Errorf("no error for %s: %v", f, de.Fields)
			}
		}
		a, err := e.S.CreateProcessingActivity(ctx, dpo, activity("call-handling"), "first record")
		if err != nil {
			t.Fatal(err)
		}
		if a.Version != 1 || a.ID == 0 {
			t.Fatalf("created %+v", a)
		}
		if l := e.lastAudit(t); l.Action != "processing.create" || !strings.Contains(l.Detail, "first record") {
			t.Errorf("audit %+v", l)
		}
		if _, err := e.S.CreateProcessingActivity(ctx, dpo, activity("call-handling"), "again"); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("the same code twice: %v", err)
		}
		e.Clock.Advance(24 * 3600e9)
		changed := a
		changed.Purpose = "To help people with IT, and to improve the service."
		ch, err := e.S.UpdateProcessingActivity(ctx, dpo, changed, "purpose widened")
		if err != nil {
			t.Fatal(err)
		}
		if !ch.PurposeChanged || ch.Record.Version != 2 || len(ch.Fields) != 1 || ch.Fields[0] != "purpose" {
			t.Errorf("change %+v", ch)
		}
		if l := e.lastAudit(t); l.Action != "processing.change" || !strings.Contains(l.Detail, "purpose widened") || !strings.Contains(l.Detail, "purpose") {
			t.Errorf("audit %+v", l)
		}
		// An edit of version 1 after version 2 is refused; so is a change that changes nothing.
		if _, err := e.S.UpdateProcessingActivity(ctx, dpo, changed, "stale"); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Errorf("stale edit: %v", err)
		}
		same := ch.Record
		if _, err := e.S.UpdateProcessingActivity(ctx, dpo, same, "nothing"); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("no change: %v", err)
		}
		vs, err := e.S.ProcessingVersions(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].Version != 2 || vs[1].Record.Purpose != "To help people with IT." || vs[0].Reason != "purpose widened" {
			t.Errorf("versions %+v", vs)
		}
		if err := e.S.ReviewProcessingActivity(ctx, dpo, a.ID, "checked with the service owner"); err != nil {
			t.Fatal(err)
		}
		got, err := e.S.FindProcessingActivity(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ReviewedAt.IsZero() || got.ReviewedBy != e.F.Ann.Name() || got.Version != 2 || strings.Join(got.Tables, ",") != "calls,diary_entries" {
			t.Errorf("read back %+v", got)
		}
		if l := e.lastAudit(t); l.Action != "processing.review" {
			t.Errorf("audit %+v", l)
		}
		if _, err := e.S.FindProcessingActivity(ctx, 999); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("missing: %v", err)
		}
	})
}

// The people under an activity are counted from the register's links of its tables.
func TestPeopleUnder(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "printer", CustomerID: e.F.Dan.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "wifi", CustomerID: e.F.Eve.ID}); err != nil {
			t.Fatal(err)
		}
		n, err := e.S.PeopleUnder(ctx, []string{"calls"})
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d people under calls, want 2 (Dan and Eve)", n)
		}
		all, err := e.S.PeopleUnder(ctx, []string{"people", "calls"})
		if err != nil {
			t.Fatal(err)
		}
		if all != 5 {
			t.Errorf("%d people under people and calls, want the fixture's 5", all)
		}
	})
}

// Privacy notices: published in versions, each kept and audited; the version a portal call was
// logged under is on the call.
func TestNoticesAndCallNoticeVersion(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dpo := storetest.Actor(e.F.Ann)
		if _, err := e.S.LatestNotice(ctx); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("before the first: %v", err)
		}
		if _, err := e.S.PublishNotice(ctx, dpo, `{"Title":"one"}`, " "); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("no reason: %v", err)
		}
		n1, err := e.S.PublishNotice(ctx, dpo, `{"Title":"one"}`, "first")
		if err != nil {
			t.Fatal(err)
		}
		n2, err := e.S.PublishNotice(ctx, dpo, `{"Title":"two"}`, "new purpose")
		if err != nil {
			t.Fatal(err)
		}
		if n1.Version != 1 || n2.Version != 2 {
			t.Fatalf("versions %d, %d", n1.Version, n2.Version)
		}
		if l := e.lastAudit(t); l.Action != "notice.publish" || !strings.Contains(l.Detail, "new purpose") {
			t.Errorf("audit %+v", l)
		}
		latest, err := e.S.LatestNotice(ctx)
		if err != nil || latest.Version != 2 || latest.Body != `{"Title":"two"}` {
			t.Errorf("latest %+v %v", latest, err)
		}
		old, err := e.S.Notice(ctx, 1)
		if err != nil || old.Body != `{"Title":"one"}` {
			t.Errorf("version 1 %+v %v", old, err)
		}
		list, err := e.S.Notices(ctx)
		if err != nil || len(list) != 2 || list[0].Version != 2 {
			t.Errorf("list %+v %v", list, err)
		}
		c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Dan), desk.NewCall{Summary: "printer", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal, NoticeVersion: 2})
		if err != nil {
			t.Fatal(err)
		}
		if v, err := e.S.CallNoticeVersion(ctx, c.Ref); err != nil || v != 2 {
			t.Errorf("call's notice version %d, %v", v, err)
		}
		plain, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "phone call", CustomerID: e.F.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		if v, err := e.S.CallNoticeVersion(ctx, plain.Ref); err != nil || v != 0 {
			t.Errorf("a call logged by an analyst: notice version %d, %v", v, err)
		}
	})
}

// The compliance figures: subject requests on time and overdue, erasures, audit checks.
func TestComplianceFigures(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.Clock.Now()
		tally, err := e.S.SubjectRequestTally(ctx, now.AddDate(-1, 0, 0), now)
		if err != nil || tally != (store.RequestTally{}) {
			t.Errorf("empty tally %+v %v", tally, err)
		}
		if _, ok, err := e.S.LastAuditVerification(ctx); ok || err != nil {
			t.Errorf("a check before any: %v %v", ok, err)
		}
		if err := e.S.RecordAuditVerification(ctx, storetest.Actor(e.F.Ann), 40, 0, ""); err != nil {
			t.Fatal(err)
		}
		v, ok, err := e.S.LastAuditVerification(ctx)
		if !ok || err != nil || v.Checked != 40 || v.Problems != 0 || v.By != e.F.Ann.Name() {
			t.Errorf("last check %+v %v %v", v, ok, err)
		}
		if l := e.lastAudit(t); l.Action != "audit.verify" {
			t.Errorf("audit %+v", l)
		}
		if n, err := e.S.ErasuresSince(ctx, now.AddDate(-1, 0, 0)); n != 0 || err != nil {
			t.Errorf("erasures %d %v", n, err)
		}
	})
}

// Erasure reaches the DPO's records: a member of staff named as the one who changed, reviewed or
// published becomes their pseudonym, and a person a reason names is scrubbed from it.
func TestErasureReachesTheDPORecords(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		eve := storetest.Actor(e.F.Eve)
		a, err := e.S.CreateProcessingActivity(ctx, eve, activity("call-handling"), "as Dan Dawson suggested")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.S.ReviewProcessingActivity(ctx, eve, a.ID, "fine"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.PublishNotice(ctx, eve, `{}`, "after Dan Dawson's complaint"); err != nil {
			t.Fatal(err)
		}
		if err := e.S.RecordAuditVerification(ctx, eve, 3, 0, ""); err != nil {
			t.Fatal(err)
		}
		for _, p := range []desk.Person{e.F.Dan, e.F.Eve} {
			if _, err := e.S.ErasePerson(ctx, storetest.Actor(e.F.Ann), desk.Erasure{PersonID: p.ID, Basis: desk.BasisConsent,
				Ground: desk.GroundConsentWithdrawn, Decision: "asked", Confirmed: true}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.S.FindProcessingActivity(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := e.S.ProcessingVersions(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.S.LatestNotice(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := e.S.LastAuditVerification(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for what, s := range map[string]string{"changed_by": got.ChangedBy, "reviewed_by": got.ReviewedBy, "version's changed_by": vs[0].ChangedBy,
			"version's reason": vs[0].Reason, "published_by": n.PublishedBy, "notice's reason": n.Reason, "verification by": v.By} {
			if strings.Contains(s, "Eve") || strings.Contains(s, "Evans") || strings.Contains(s, "Dawson") || s == "" {
				t.Errorf("%s after the erasures: %q", what, s)
			}
		}
	})
}
