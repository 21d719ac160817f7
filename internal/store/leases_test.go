package store_test

import (
	"context"
	"testing"
	"time"
)

// TestRetentionSweepHeartbeat (issue 21 point 7): a real sweep whose heartbeat goes on is left
// running however long it takes; one whose heartbeat stopped for the lease (its instance died
// mid-sweep) is marked failed by the next instance that asks, which then sweeps. (Before the
// heartbeat a dead sweep held the schedule for six hours.)
func TestRetentionSweepHeartbeat(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const lease = time.Minute
		id, ok, err := e.S.StartRetentionRun(ctx, "calldesk (retention)", false, 24*time.Hour, lease)
		if err != nil || !ok {
			t.Fatalf("the first sweep: %v %v", ok, err)
		}
		// Alive for ten minutes, renewed every 20 s: nobody else sweeps.
		for range 30 {
			e.Clock.Advance(20 * time.Second)
			if alive, err := e.S.RetentionAlive(ctx, id); err != nil || !alive {
				t.Fatalf("heartbeat: %v %v", alive, err)
			}
			if _, ok, err := e.S.StartRetentionRun(ctx, "calldesk (retention)", false, 24*time.Hour, lease); err != nil || ok {
				t.Fatalf("a second sweep while the first is alive: %v %v", ok, err)
			}
		}
		// Its instance dies: a lease later, the next instance sweeps.
		e.Clock.Advance(lease - time.Second)
		if _, ok, err := e.S.StartRetentionRun(ctx, "calldesk (retention)", false, 24*time.Hour, lease); err != nil || ok {
			t.Fatalf("a sweep before the lease ran out: %v %v", ok, err)
		}
		e.Clock.Advance(2 * time.Second)
		again, ok, err := e.S.StartRetentionRun(ctx, "calldesk (retention)", false, 24*time.Hour, lease)
		if err != nil || !ok || again == id {
			t.Fatalf("the sweep after its instance died: %d %v %v", again, ok, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM retention_runs WHERE id = ? AND state = 'failed' AND error = 'the sweep stopped without finishing'`, id); n != 1 {
			t.Error("the dead sweep was not marked failed")
		}
		// The dead sweep's instance, were it only slow, learns it lost the sweep.
		if alive, err := e.S.RetentionAlive(ctx, id); err != nil || alive {
			t.Errorf("heartbeat of the sweep taken for dead: %v %v", alive, err)
		}
	})
}

// TestMailLeaseRenewal (issue 21 point 7): a sender renews a message's lease just before sending
// it; once the lease ran out and another sender claimed the message, the first is told to leave
// it, so that the message is not sent by both.
func TestMailLeaseRenewal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.DB.MustExec(t, `INSERT INTO mail_outbox (message_id, kind, recipient, subject, text_body, html_body, state, next_at, created_at)
			VALUES ('lease@uni.example', 'ack', 'dan@uni.example', 'Hello', 'Hi', '', 'pending', ?, ?)`, e.Clock.Now().UnixMicro(), e.Clock.Now().UnixMicro())
		a, err := e.S.ClaimMail(ctx, 10, time.Minute)
		if err != nil || len(a) != 1 {
			t.Fatalf("first claim: %v %v", a, err)
		}
		if mine, err := e.S.RenewMail(ctx, a[0].ID, a[0].Attempts, time.Minute); err != nil || !mine {
			t.Fatalf("renewal within the lease: %v %v", mine, err)
		}
		e.Clock.Advance(30 * time.Second)
		if b, err := e.S.ClaimMail(ctx, 10, time.Minute); err != nil || len(b) != 0 {
			t.Fatalf("claimed by another within the renewed lease: %v %v", b, err)
		}
		e.Clock.Advance(2 * time.Minute)
		b, err := e.S.ClaimMail(ctx, 10, time.Minute)
		if err != nil || len(b) != 1 {
			t.Fatalf("claim after the lease ran out: %v %v", b, err)
		}
		if mine, err := e.S.RenewMail(ctx, a[0].ID, a[0].Attempts, time.Minute); err != nil || mine {
			t.Errorf("the first sender's renewal after another claimed it: %v %v", mine, err)
		}
		if mine, err := e.S.RenewMail(ctx, b[0].ID, b[0].Attempts, time.Minute); err != nil || !mine {
			t.Errorf("the second sender's renewal: %v %v", mine, err)
		}
	})
}

// TestShredLease (issue 21 point 7): while another instance holds the shredding lease, shredding
// waits, still due; once the lease has run out without renewal (that instance died mid-way, its
// work undone), this one shreds. The flag is cleared only when the work is done.
func TestShredLease(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.DB.MustExec(t, `UPDATE maintenance SET due = 1 WHERE name = 'shred'`)
		until := e.Clock.Now().Add(time.Minute).UnixMicro()
		e.DB.MustExec(t, `INSERT INTO maintenance (name, due) VALUES ('shred_lease', ?)`, until)
		if did, err := e.S.ShredIfDueFor(ctx, time.Minute); err != nil || did {
			t.Fatalf("shredding while another instance holds the lease: %v %v", did, err)
		}
		if due, err := e.S.ShredDue(ctx); err != nil || !due {
			t.Fatalf("no longer due while another instance works: %v %v", due, err)
		}
		e.Clock.Advance(time.Minute + time.Second)
		if did, err := e.S.ShredIfDueFor(ctx, time.Minute); err != nil || !did {
			t.Fatalf("shredding after the other instance's lease ran out: %v %v", did, err)
		}
		if due, err := e.S.ShredDue(ctx); err != nil || due {
			t.Errorf("still due after shredding: %v %v", due, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM maintenance WHERE name = 'shred_lease' AND due = 0`); n != 1 {
			t.Error("the lease was not given up")
		}
	})
}
