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

func accessRequest(t *testing.T, e *storetest.Env, person int64) desk.SubjectRequest {
	t.Helper()
	q, err := e.S.LogSubjectRequest(context.Background(), e.F.Admin, desk.SubjectRequest{PersonID: person, Kind: desk.RequestAccess,
		ReceivedAt: e.Clock.Now(), IdentityAt: e.Clock.Now(), IdentityHow: "passport", IdentityBy: "Ann Archer", Channel: "console"})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestSARBundleLifecycle takes a bundle from queued through the job's build (progress recorded),
// review, the DPO's decisions, final, release to the portal and a download, to expiry, with an
// audit record of each step against the person.
func TestSARBundleLifecycle(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := e.F
		dpo := storetest.Actor(f.Ann)
		for i := range 5 {
			e.Clock.Advance(time.Minute)
			if _, err := e.S.CreateCall(ctx, dpo, desk.NewCall{Kind: desk.Fault, Summary: "Laptop", CustomerID: f.Dan.ID,
				Description: "Bob Baker looked at it " + strings.Repeat("again ", i), Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low}); err != nil {
				t.Fatal(err)
			}
		}
		q := accessRequest(t, e, f.Dan.ID)
		b, err := e.S.QueueSARBundle(ctx, dpo, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.QueueSARBundle(ctx, dpo, q.ID); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Errorf("a second bundle while one is queued: %v, want a conflict", err)
		}
		job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}}
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
		b, err = e.S.SARBundle(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.State != store.BundleReview || b.Done != 5 || b.Total != 5 || b.Redactions != 5 || b.Pending != 5 {
			t.Fatalf("after the build: %+v", b)
		}
		if err := privacy.Finalise(ctx, e.S, dpo, b.ID, b.Version); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("final with undecided redactions: %v", err)
		}
		if err := e.S.DecideSARRedactions(ctx, dpo, b.ID, "release", 2); err != nil {
			t.Fatal(err)
		}
		if err := e.S.DecideSARRedactions(ctx, dpo, b.ID, "keep"); err != nil {
			t.Fatal(err)
		}
		b, _ = e.S.SARBundle(ctx, b.ID)
		if err := privacy.Finalise(ctx, e.S, dpo, b.ID, b.Version); err != nil {
			t.Fatal(err)
		}
		b, _ = e.S.SARBundle(ctx, b.ID)
		if b.State != store.BundleFinal || b.Size == 0 || len(b.SHA256) != 64 {
			t.Fatalf("after final: %+v", b)
		}
		if e.DB.Count(t, `SELECT COUNT(*) FROM sar_bundles WHERE model IS NOT NULL`) != 0 {
			t.Errorf("the gathered model outlived the final bundle")
		}
		// Dan has no account: he cannot be given it on the portal.
		if err := e.S.ReleaseSARBundle(ctx, dpo, b.ID, e.Clock.Now().Add(privacy.DownloadPeriod)); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("release without an account: %v", err)
		}
		if _, err := e.S.CreateAccount(ctx, f.Admin, desk.Account{PersonID: f.Dan.ID, Login: "ddawson", Active: true, Roles: []desk.Role{desk.RoleCustomer}}); err != nil {
			t.Fatal(err)
		}
		if err := e.S.ReleaseSARBundle(ctx, dpo, b.ID, e.Clock.Now().Add(privacy.DownloadPeriod)); err != nil {
			t.Fatal(err)
		}
		danActor := storetest.Actor(f.Dan)
		if _, _, err := e.S.SARZip(ctx, storetest.Actor(f.Eve), b.ID, f.Eve.ID, "portal download"); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("someone else's download: %v", err)
		}
		_, zip, err := e.S.SARZip(ctx, danActor, b.ID, f.Dan.ID, "portal download")
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, zip)
		calls := string(files["calls.json"])
		if !strings.Contains(calls, "Bob Baker looked") || strings.Count(calls, "[redacted: ") != 4 {
			t.Errorf("the released redaction 2 shown, 4 kept; calls.json:\n%s", calls)
		}
		e.Clock.Advance(privacy.DownloadPeriod)
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.S.SARZip(ctx, danActor, b.ID, f.Dan.ID, "portal download"); desk.ErrorCode(err) != desk.EFORBIDDEN ||
			!strings.Contains(err.Error(), "expired") {
			t.Errorf("download after expiry: %v", err)
		}
		if e.DB.Count(t, `SELECT COUNT(*) FROM sar_bundles WHERE zip IS NOT NULL`) != 0 {
			t.Errorf("the expired bundle's content was not deleted")
		}
		var actions []string
		rows, _, err := e.S.FindAudit(ctx, store.AuditFilter{PersonID: f.Dan.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if strings.HasPrefix(r.Action, "sar.") {
				actions = append([]string{r.Action}, actions...)
			}
		}
		want := "sar.queue sar.build sar.redaction sar.redaction sar.final sar.release sar.download sar.expire"
		if got := strings.Join(actions, " "); got != want {
			t.Errorf("audit: %s\nwant %s", got, want)
		}
	})
}

// TestSARBuildFailure: a build that fails records its error on the bundle, and its one audit
// record against the person (issue 16: the audit trail shows the failure), and nothing else.
func TestSARBuildFailure(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		q := accessRequest(t, e, e.F.Eve.ID)
		b, err := e.S.QueueSARBundle(ctx, storetest.Actor(e.F.Ann), q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Kind: desk.Fault, Summary: "x", CustomerID: e.F.Eve.ID,
			Source: desk.SourcePhone, Impact: desk.Low, Urgency: desk.Low}); err != nil {
			t.Fatal(err)
		}
		before := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log`)
		job := &privacy.SARJob{Builder: &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: parseMail}}
		claimed, ok, err := e.S.ClaimSARBundle(ctx)
		if err != nil || !ok || claimed.ID != b.ID {
			t.Fatalf("claim: %v %v %+v", ok, err, claimed)
		}
		cctx, cancel := context.WithCancel(ctx)
		claimed.PersonID = 999999 // nobody: gathering fails
		if err := job.Build(cctx, claimed); err != nil {
			t.Fatal(err)
		}
		cancel()
		b, _ = e.S.SARBundle(ctx, b.ID)
		if b.State != store.BundleFailed || !strings.Contains(b.Error, "no person") {
			t.Errorf("after a failed build: %+v", b)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log`); n != before+1 {
			t.Errorf("a failed build wrote %d audit records, want 1", n-before)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log a JOIN audit_persons p ON p.audit_id = a.id
			WHERE a.action = 'sar.build_failed' AND p.person_id = ? AND a.detail LIKE '%no person%'`, e.F.Eve.ID); n != 1 {
			t.Errorf("the failed build's audit record is not against Eve with its cause (%d)", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sar_redactions`); n != 0 {
			t.Errorf("a failed build left %d redactions", n)
		}
	})
}

// TestSARFieldSources: the bundle gives each field of a person the directory set with the
// directory's name and when; a field typed in by hand says so.
func TestSARFieldSources(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		res, err := e.S.SyncPeople(ctx, []store.DirectoryRecord{{Person: desk.Person{FirstName: "Fay", LastName: "Ford", Username: "fford",
			Email: "fford@uni.example", Kind: desk.Staff, DirectoryKey: "campus-77"}}}, store.SyncOptions{Source: "campus", By: "test"})
		if err != nil || res.Created != 1 {
			t.Fatalf("sync: %+v %v", res, err)
		}
		people, _, err := e.S.FindPeople(ctx, store.PersonFilter{Query: "fford"})
		if err != nil || len(people) != 1 {
			t.Fatalf("find: %v %v", people, err)
		}
		bu, err := (&privacy.Builder{Store: e.S, Now: e.Clock.Now}).Gather(ctx, people[0].ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range bu.Fields {
			got[f.Name] = f.Value + " from " + f.Source
		}
		if got["email"] != "fford@uni.example from the directory: campus" {
			t.Errorf("email: %q", got["email"])
		}
		if got["phone"] != " from entered at the service desk" {
			t.Errorf("phone: %q", got["phone"])
		}
	})
}

// TestSARClaimOnce: instances claiming at the same time never claim the same bundle.
func TestSARClaimOnce(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		const n = 8
		for range n {
			q := accessRequest(t, e, e.F.Dan.ID)
			if _, err := e.S.QueueSARBundle(ctx, e.F.Admin, q.ID); err != nil {
				t.Fatal(err)
			}
		}
		claimed := make(chan int64, 4*n)
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				for {
					b, ok, err := e.S.ClaimSARBundle(ctx)
					if err != nil || !ok {
						errs <- err
						return
					}
					claimed <- b.ID
				}
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		close(claimed)
		seen := map[int64]bool{}
		for id := range claimed {
			if seen[id] {
				t.Errorf("bundle %d claimed twice", id)
			}
			seen[id] = true
		}
		if len(seen) != n {
			t.Errorf("%d bundles claimed, want %d", len(seen), n)
		}
	})
}
