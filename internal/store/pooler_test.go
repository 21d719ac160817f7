package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestThroughPgBouncer runs the store's key paths through PgBouncer in transaction pooling mode
// (scripts/pgbouncer.sh: CALLDESK_TEST_PGBOUNCER), where consecutive transactions of one client
// run on different server connections and one server connection serves many clients: two
// instances migrate an empty database at once, write calls with their audit records from many
// goroutines each, seal the audit trail, claim a SAR build job and repair the service levels.
// With pgx's default statement mode (named statements prepared per connection) this fails
// with "prepared statement ... already exists" or "does not exist".
func TestThroughPgBouncer(t *testing.T) {
	if !slices.Contains(storetest.Engines(t), "postgres") {
		t.Skip("PostgreSQL only")
	}
	dsn := storetest.PgBouncerDSN(t, storetest.DSN(t, "postgres"))
	runThroughPooler(t, dsn)
}

func runThroughPooler(t *testing.T, dsn string) {
	ctx := context.Background()
	clock := storetest.NewClock(start)
	// Migrate from empty, two instances at once.
	stores := make([]*store.Store, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range stores {
		s, err := store.Open(ctx, dsn, store.Options{Now: clock.Now, ReadConns: 8})
		if err != nil {
			t.Fatalf("open through PgBouncer: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("migrate through PgBouncer: %v", err)
		}
	}
	f := storetest.Seed(t, stores[0])
	raw := storetest.Raw(t, "postgres", dsn)
	auditBefore := raw.Count(t, `SELECT COUNT(*) FROM audit_log`)

	// Create and update calls, each with its audit record, from both instances at once.
	const workers, each = 6, 10
	var mu sync.Mutex
	var refs []string
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for i := range each {
				c, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{CustomerID: f.Dan.ID,
					Summary: fmt.Sprintf("Projector %d-%d shows no signal", w, i)})
				if err != nil {
					t.Errorf("create: %v", err)
					return
				}
				if _, err := s.UpdateCall(ctx, storetest.Actor(f.Ann), c.Ref, c.Version,
					desk.Transition{Action: desk.ActAssign, GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID}); err != nil {
					t.Errorf("assign %s: %v", c.Ref, err)
					return
				}
				if _, err := stores[(w+1)%2].FindCallByRef(ctx, c.Ref); err != nil {
					t.Errorf("read %s on the other instance: %v", c.Ref, err)
					return
				}
				mu.Lock()
				refs = append(refs, c.Ref)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if len(refs) != workers*each {
		t.Fatalf("%d calls made, want %d", len(refs), workers*each)
	}
	if n := raw.Count(t, `SELECT COUNT(*) FROM audit_log`) - auditBefore; n < 2*workers*each {
		t.Errorf("%d audit records of %d creates and assignments", n, 2*workers*each)
	}

	// Seal the audit trail from both instances at once: one chain, every record in it.
	hash := func(prev string, r desk.AuditRecord) string { return fmt.Sprintf("%x", len(prev)+int(r.ID)) }
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := s.SealAudit(ctx, 25, hash)
				if err != nil {
					t.Errorf("seal: %v", err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := raw.Count(t, `SELECT COUNT(*) FROM audit_pending`); n != 0 {
		t.Errorf("%d audit records left unsealed", n)
	}
	if chain, records := raw.Count(t, `SELECT COUNT(*) FROM audit_chain`), raw.Count(t, `SELECT COUNT(*) FROM audit_log`); chain != records {
		t.Errorf("%d links for %d records", chain, records)
	}

	// A SAR build job, claimed by exactly one of the instances.
	admin := f.Admin
	q, err := stores[0].LogSubjectRequest(ctx, admin, desk.SubjectRequest{PersonID: f.Dan.ID, Kind: desk.RequestAccess,
		ReceivedAt: start, IdentityAt: start, IdentityHow: "card"})
	if err != nil {
		t.Fatalf("log request: %v", err)
	}
	if _, err := stores[0].QueueSARBundle(ctx, admin, q.ID); err != nil {
		t.Fatalf("queue bundle: %v", err)
	}
	claims := make([]bool, 2)
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := s.ClaimSARBundle(ctx)
			if err != nil {
				t.Errorf("claim: %v", err)
			}
			claims[i] = ok
		}()
	}
	wg.Wait()
	if claims[0] == claims[1] {
		t.Errorf("claims %v: want exactly one instance to take the job", claims)
	}

	// The service levels' repair.
	if _, err := stores[1].RepairSLA(ctx, 1000); err != nil {
		t.Errorf("repair service levels: %v", err)
	}
}
