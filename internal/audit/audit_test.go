package audit_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is one engine's fresh seeded store with a raw handle on the same database.
type env struct{ *storetest.Env }

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) { fn(t, &env{se}) })
}

// work makes n calls with a diary each: 3 audit records per call.
func (e *env) work(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	ann := storetest.Actor(e.F.Ann)
	for i := range n {
		e.Clock.Advance(time.Second)
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: fmt.Sprintf("Call %d", i), CustomerID: e.F.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.UpdateCall(ctx, ann, c.Ref, c.Version, desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, "checked"); err != nil {
			t.Fatal(err)
		}
	}
}

func seal(t *testing.T, s *store.Store) int {
	t.Helper()
	n, err := audit.Seal(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func verify(t *testing.T, s *store.Store) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// chainIsWhole checks the stored chain directly: seq 1..n without holes, each link pointing at the
// one before, every audit record in it exactly once and nothing left pending.
func chainIsWhole(t *testing.T, e *env) {
	t.Helper()
	records := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log`)
	links := e.DB.Count(t, `SELECT COUNT(*) FROM audit_chain`)
	distinct := e.DB.Count(t, `SELECT COUNT(DISTINCT audit_id) FROM audit_chain`)
	maxSeq := e.DB.Count(t, `SELECT COALESCE(MAX(seq), 0) FROM audit_chain`)
	unlinked := e.DB.Count(t, `SELECT COUNT(*) FROM audit_chain c WHERE c.seq > 1 AND c.prev_hash <>
		(SELECT p.hash FROM audit_chain p WHERE p.seq = c.seq - 1)`)
	pending := e.DB.Count(t, `SELECT COUNT(*) FROM audit_pending`)
	if links != records || distinct != records || maxSeq != records || unlinked != 0 || pending != 0 {
		t.Errorf("chain: %d records, %d links (%d distinct records), last seq %d, %d bad links, %d pending",
			records, links, distinct, maxSeq, unlinked, pending)
	}
}

func TestHash(t *testing.T) {
	r := desk.AuditRecord{ID: 7, At: start, ActorID: 3, Actor: "Ann Archer", Action: "call.view", ObjectType: "call",
		ObjectID: "F0000001", Persons: []int64{4, 5}, ClientAddr: "192.0.2.1", Reason: "SAR", Detail: "viewed"}
	h := audit.Hash("prev", r)
	if len(h) != 64 || audit.Hash("prev", r) != h {
		t.Fatalf("hash %q is not a stable SHA-256", h)
	}
	// Every field, and the previous hash, is covered.
	changes := map[string]func(r *desk.AuditRecord){
		"id":      func(r *desk.AuditRecord) { r.ID++ },
		"at":      func(r *desk.AuditRecord) { r.At = r.At.Add(time.Microsecond) },
		"actorID": func(r *desk.AuditRecord) { r.ActorID++ },
		"actor":   func(r *desk.AuditRecord) { r.Actor = "Bob" },
		"action":  func(r *desk.AuditRecord) { r.Action = "call.update" },
		"type":    func(r *desk.AuditRecord) { r.ObjectType = "person" },
		"object":  func(r *desk.AuditRecord) { r.ObjectID = "F0000002" },
		"persons": func(r *desk.AuditRecord) { r.Persons = []int64{4} },
		"addr":    func(r *desk.AuditRecord) { r.ClientAddr = "192.0.2.2" },
		"reason":  func(r *desk.AuditRecord) { r.Reason = "" },
		"detail":  func(r *desk.AuditRecord) { r.Detail = "viewed!" },
		// Field boundaries matter: moving text from one field to the next changes the hash.
		"boundary": func(r *desk.AuditRecord) { r.Reason, r.Detail = "SARv", "iewed" },
	}
	for name, change := range changes {
		c := r
		change(&c)
		if audit.Hash("prev", c) == h {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
	if audit.Hash("other", r) == h {
		t.Error("the previous hash is not covered")
	}
}

// TestSealAndVerify: an untouched trail verifies; sealing works in batches and continues the
// chain across runs.
func TestSealAndVerify(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		seeded := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log`)
		rep := verify(t, e.S)
		if !rep.OK() || rep.Checked != 0 || rep.Pending != seeded {
			t.Errorf("before sealing: %+v", rep)
		}
		if n := seal(t, e.S); n != seeded {
			t.Errorf("sealed %d, want %d", n, seeded)
		}
		e.work(t, 4)
		// Small batches through the store continue the chain where the last run stopped.
		for {
			n, err := e.S.SealAudit(ctx, 5, audit.Hash)
			if err != nil {
				t.Fatal(err)
			}
			if n > 5 {
				t.Fatalf("sealed %d in a batch of 5", n)
			}
			if n < 5 {
				break
			}
		}
		e.work(t, 2)
		if n := seal(t, e.S); n != 6 {
			t.Errorf("third run sealed %d, want 6", n)
		}
		if n := seal(t, e.S); n != 0 {
			t.Errorf("sealing again sealed %d", n)
		}
		total := seeded + 18
		rep = verify(t, e.S)
		if !rep.OK() || rep.Checked != total || rep.Pending != 0 || rep.Count != 0 {
			t.Errorf("after sealing %d records: %+v first %v", total, rep, rep.First)
		}
		chainIsWhole(t, e)
		// New records after the seal are pending, not problems.
		e.work(t, 1)
		if rep := verify(t, e.S); !rep.OK() || rep.Pending != 3 || rep.Checked != total {
			t.Errorf("with new records: %+v", rep)
		}
	})
}

// TestSealManyBatches: audit.Seal keeps going past one batch of 1000.
func TestSealManyBatches(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		seeded := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log`)
		recs := make([]desk.AuditRecord, 1100)
		for i := range recs {
			recs[i] = desk.AuditRecord{ActorID: e.F.Ann.ID, Actor: "Ann Archer", Action: "call.view", ObjectType: "call",
				ObjectID: fmt.Sprintf("F%07d", i+1), Persons: []int64{e.F.Dan.ID}, ClientAddr: "192.0.2.1"}
		}
		if err := e.S.AppendAudit(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		if n := seal(t, e.S); n != seeded+1100 {
			t.Errorf("sealed %d, want %d", n, seeded+1100)
		}
		if rep := verify(t, e.S); !rep.OK() || rep.Checked != seeded+1100 {
			t.Errorf("verify: %+v %v", rep, rep.First)
		}
		chainIsWhole(t, e)
	})
}

// TestTamperingIsDetected (issue 2 item 5): changes made underneath calldesk, with plain SQL, are
// reported as the right kind of problem at the right record.
func TestTamperingIsDetected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// tamper changes the database and returns the audit id and chain seq expected in the
		// first problem (seq 0 for a record outside the chain).
		tamper func(t *testing.T, e *env, victim int64, seq int64) (int64, int64)
		kind   string
	}{
		{"record altered", func(t *testing.T, e *env, victim, seq int64) (int64, int64) {
			e.DB.MustExec(t, `UPDATE audit_log SET detail = 'nothing to see here' WHERE id = ?`, victim)
			return victim, seq
		}, "altered"},
		{"person removed from a record", func(t *testing.T, e *env, _, _ int64) (int64, int64) {
			var id, seq int64
			if err := e.DB.QueryRow(`SELECT c.audit_id, c.seq FROM audit_chain c JOIN audit_log a ON a.id = c.audit_id
				WHERE a.persons <> '' ORDER BY c.seq LIMIT 1`).Scan(&id, &seq); err != nil {
				t.Fatal(err)
			}
			e.DB.MustExec(t, `UPDATE audit_log SET persons = '' WHERE id = ?`, id)
			e.DB.MustExec(t, `DELETE FROM audit_persons WHERE audit_id = ?`, id)
			return id, seq
		}, "altered"},
		{"record's time moved", func(t *testing.T, e *env, victim, seq int64) (int64, int64) {
			e.DB.MustExec(t, `UPDATE audit_log SET at = at - 1000000 WHERE id = ?`, victim)
			return victim, seq
		}, "altered"},
		{"record deleted", func(t *testing.T, e *env, victim, seq int64) (int64, int64) {
			e.DB.MustExec(t, `DELETE FROM audit_log WHERE id = ?`, victim)
			return victim, seq
		}, "missing"},
		{"record inserted", func(t *testing.T, e *env, _, _ int64) (int64, int64) {
			e.DB.MustExec(t, `INSERT INTO audit_log (at, actor_id, actor, action, object_type, object_id, persons, client_addr, reason, detail)
				VALUES (?, NULL, 'nobody', 'call.view', 'call', 'F0000001', '', '', '', 'planted')`, start.UnixMicro())
			var id int64
			if err := e.DB.QueryRow(`SELECT MAX(id) FROM audit_log`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id, 0
		}, "inserted"},
		{"chain link deleted", func(t *testing.T, e *env, victim, seq int64) (int64, int64) {
			e.DB.MustExec(t, `DELETE FROM audit_chain WHERE seq = ?`, seq)
			var next int64
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT audit_id FROM audit_chain WHERE seq = ?`), seq+1).Scan(&next); err != nil {
				t.Fatal(err)
			}
			return next, seq + 1
		}, "gap"},
		{"chain link's hash rewritten", func(t *testing.T, e *env, victim, seq int64) (int64, int64) {
			e.DB.MustExec(t, `UPDATE audit_chain SET hash = 'f00d' WHERE seq = ?`, seq)
			return victim, seq // the link no longer matches its record
		}, "altered"},
		{"chain link's previous hash rewritten", func(t *testing.T, e *env, victim, seq int64) (int64, int64) {
			e.DB.MustExec(t, `UPDATE audit_chain SET prev_hash = 'f00d' WHERE seq = ?`, seq)
			return victim, seq
		}, "broken link"},
		{"record altered and resealed in place", func(t *testing.T, e *env, victim, seq int64) (int64, int64) {
			// Rewriting the record's own link to match does not help: the next link still
			// points at the old hash.
			e.DB.MustExec(t, `UPDATE audit_log SET detail = 'forged' WHERE id = ?`, victim)
			recs, err := e.S.AuditChain(context.Background(), seq-1, 1)
			if err != nil || len(recs) != 1 {
				t.Fatal(err)
			}
			e.DB.MustExec(t, `UPDATE audit_chain SET hash = ? WHERE seq = ?`, audit.Hash(recs[0].PrevHash, recs[0].Record), seq)
			var next int64
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT audit_id FROM audit_chain WHERE seq = ?`), seq+1).Scan(&next); err != nil {
				t.Fatal(err)
			}
			return next, seq + 1
		}, "broken link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			each(t, func(t *testing.T, e *env) {
				e.work(t, 3)
				seal(t, e.S)
				if rep := verify(t, e.S); !rep.OK() {
					t.Fatalf("untouched trail: %v", rep.First)
				}
				links := e.DB.Count(t, `SELECT COUNT(*) FROM audit_chain`)
				seq := int64(links / 2) // a record in the middle
				var victim int64
				if err := e.DB.QueryRow(e.DB.Rebind(`SELECT audit_id FROM audit_chain WHERE seq = ?`), seq).Scan(&victim); err != nil {
					t.Fatal(err)
				}
				wantID, wantSeq := tt.tamper(t, e, victim, seq)
				rep := verify(t, e.S)
				if rep.OK() || rep.First == nil {
					t.Fatalf("tampering not detected: %+v", rep)
				}
				p := *rep.First
				if p.Kind != tt.kind || p.AuditID != wantID || p.Seq != wantSeq {
					t.Errorf("first problem %+v (%s), want %s at record %d, link %d", p, p, tt.kind, wantID, wantSeq)
				}
				if !strings.Contains(p.String(), tt.kind) || !strings.Contains(p.String(), strconv.FormatInt(wantID, 10)) {
					t.Errorf("problem reads %q", p.String())
				}
			})
		})
	}
}

// TestSealWhileWriting: records written by many writers while sealers run (two instances on
// PostgreSQL) all end up in the chain exactly once, in one unbroken chain.
func TestSealWhileWriting(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		sealers := []*store.Store{e.S}
		if e.Engine == "postgres" {
			sealers = append(sealers, storetest.OpenDSN(t, e.Engine, e.DSN, e.Clock))
		}
		var writers sync.WaitGroup
		done := make(chan struct{})
		for w := range 4 {
			writers.Add(1)
			go func() {
				defer writers.Done()
				s := sealers[w%len(sealers)]
				ann := storetest.Actor(e.F.Ann)
				for i := range 15 {
					c, err := s.CreateCall(ctx, ann, desk.NewCall{Summary: fmt.Sprintf("writer %d call %d", w, i), CustomerID: e.F.Dan.ID})
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := s.AddEntry(ctx, ann, c.Ref, desk.EntryNote, "noted"); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		var sealing sync.WaitGroup
		for _, s := range sealers {
			for range 2 {
				sealing.Add(1)
				go func() {
					defer sealing.Done()
					for {
						if _, err := s.SealAudit(ctx, 7, audit.Hash); err != nil {
							t.Error(err)
							return
						}
						select {
						case <-done:
							return
						default:
						}
					}
				}()
			}
		}
		writers.Wait()
		close(done)
		sealing.Wait()
		seal(t, e.S)
		rep := verify(t, e.S)
		records := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log`)
		if !rep.OK() || rep.Checked != records || rep.Pending != 0 {
			t.Errorf("after concurrent sealing: %+v first %v; %d records", rep, rep.First, records)
		}
		chainIsWhole(t, e)
	})
}

// TestRecorder: every record of a read is in the audit table when Add returns, with the time it
// was added, also when many readers add at once (their records group-committed); the chain seals
// over them.
func TestRecorder(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		views := func() int { return e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.view'`) }
		rec := func(i int) desk.AuditRecord {
			return desk.AuditRecord{ActorID: e.F.Ann.ID, Actor: "Ann Archer", Action: "call.view", ObjectType: "call",
				ObjectID: fmt.Sprintf("F%07d", i), Persons: []int64{e.F.Dan.ID}, ClientAddr: "192.0.2.7"}
		}
		b := audit.NewRecorder(e.S)
		defer b.Close()
		if err := b.Add(rec(1)); err != nil {
			t.Fatal(err)
		}
		if n := views(); n != 1 {
			t.Fatalf("%d records in the table when Add returned, want 1", n)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var late []string
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					id := g*100 + i + 10
					if err := b.Add(rec(id)); err != nil {
						t.Error(err)
						return
					}
					// Durable before Add returns: this reader's record is already there.
					if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE object_id = ?`, fmt.Sprintf("F%07d", id)); n != 1 {
						mu.Lock()
						late = append(late, fmt.Sprintf("F%07d", id))
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if len(late) > 0 {
			t.Errorf("records not in the table when Add returned: %v", late)
		}
		if n := views(); n != 201 {
			t.Fatalf("%d records, want 201", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.view' AND at = ? AND client_addr = '192.0.2.7'`, start.UnixMicro()); n != 201 {
			t.Errorf("%d of 201 records carry the time they were added", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_persons WHERE person_id = ?`, e.F.Dan.ID); n < 201 {
			t.Errorf("only %d records concern Dan", n)
		}
		seal(t, e.S)
		if rep := verify(t, e.S); !rep.OK() {
			t.Errorf("verify: %v", rep.First)
		}
	})
}
