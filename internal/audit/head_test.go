package audit_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"calldesk/internal/audit"
	"calldesk/internal/store"
)

var testKey = audit.Key("0123456789abcdef0123456789abcdef-test")

// headProblems checks the chain against its keyed head (k) and an exported head.
func headProblems(t *testing.T, e *env, k audit.Key, exported *store.AuditHead) []audit.Problem {
	t.Helper()
	ps, err := audit.CheckHeads(context.Background(), e.S, k, exported)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func keyHead(t *testing.T, e *env, k audit.Key) store.AuditHead {
	t.Helper()
	h, ok, err := audit.KeyHead(context.Background(), e.S, k)
	if err != nil || !ok {
		t.Fatalf("key head: %v (found %v)", err, ok)
	}
	return h
}

func wantHeadProblem(t *testing.T, ps []audit.Problem, kind string) {
	t.Helper()
	if len(ps) == 0 || ps[0].Kind != kind {
		t.Fatalf("head problems %v, want one of kind %q first", ps, kind)
	}
	if !strings.Contains(ps[0].String(), kind) {
		t.Errorf("problem reads %q", ps[0].String())
	}
}

// recompute rewrites the record at link seq and reseals every link from there to the end, as
// someone with write access to the database but not the key could: the chain stays whole.
func recompute(t *testing.T, e *env, seq int64) {
	t.Helper()
	ctx := context.Background()
	var victim int64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT audit_id FROM audit_chain WHERE seq = ?`), seq).Scan(&victim); err != nil {
		t.Fatal(err)
	}
	e.DB.MustExec(t, `UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?`, victim)
	links, err := e.S.AuditChain(ctx, seq-1, 100000)
	if err != nil || len(links) == 0 {
		t.Fatalf("chain from %d: %v", seq, err)
	}
	prev := links[0].PrevHash
	for _, l := range links {
		h := audit.Hash(prev, l.Record)
		e.DB.MustExec(t, `UPDATE audit_chain SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, h, l.Seq)
		prev = h
	}
}

// cut deletes the chain's newest n links and their records, as someone hiding their last actions
// would: the chain left is whole.
func cut(t *testing.T, e *env, n int) {
	t.Helper()
	end := int64(e.DB.Count(t, `SELECT MAX(seq) FROM audit_chain`))
	from := end - int64(n) + 1
	e.DB.MustExec(t, `DELETE FROM audit_persons WHERE audit_id IN (SELECT audit_id FROM audit_chain WHERE seq >= ?)`, from)
	e.DB.MustExec(t, `DELETE FROM audit_log WHERE id IN (SELECT audit_id FROM audit_chain WHERE seq >= ?)`, from)
	e.DB.MustExec(t, `DELETE FROM audit_chain WHERE seq >= ?`, from)
}

// TestKeyedHeadCatchesWhatTheChainCannot: a chain recomputed after a change, or cut short, still
// verifies as whole (the hash chain alone cannot tell); the keyed head catches both, a forged
// head or a wrong key is caught, and a head rolled back to an older one (saved before) is caught
// by the head exported outside the database.
func TestKeyedHeadCatchesWhatTheChainCannot(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.work(t, 4)
		seal(t, e.S)
		if ps := headProblems(t, e, testKey, nil); len(ps) != 1 || ps[0].Kind != "unkeyed" {
			t.Fatalf("a chain never keyed: %v", ps)
		}
		older := keyHead(t, e, testKey)
		e.work(t, 3)
		seal(t, e.S)
		head := keyHead(t, e, testKey)
		if head.Seq <= older.Seq || head.Seq != int64(e.DB.Count(t, `SELECT MAX(seq) FROM audit_chain`)) {
			t.Fatalf("head %d after %d: not the chain's end", head.Seq, older.Seq)
		}
		if again := keyHead(t, e, testKey); again != head {
			t.Errorf("keying an unchanged chain moved its head: %+v, then %+v", head, again)
		}
		if ps := headProblems(t, e, testKey, &head); len(ps) != 0 {
			t.Fatalf("untouched chain: %v", ps)
		}
		if ps := headProblems(t, e, audit.Key("another key, long enough for the rule: 32+"), nil); len(ps) == 0 || ps[0].Kind != "forged head" {
			t.Errorf("a wrong key: %v", ps)
		}
		seq := head.Seq

		// Recomputed from the middle: the chain verifies, its head does not.
		tx := e.DB
		recompute(t, e, older.Seq-2)
		if rep := verify(t, e.S); !rep.OK() {
			t.Fatalf("the recomputed chain should look whole to the chain check: %v", rep.First)
		}
		wantHeadProblem(t, headProblems(t, e, testKey, nil), "recomputed")
		wantHeadProblem(t, headProblems(t, e, nil, &head), "recomputed")
		// The head rewritten to match, without the key: forged.
		var newHash string
		if err := tx.QueryRow(tx.Rebind(`SELECT hash FROM audit_chain WHERE seq = ?`), seq).Scan(&newHash); err != nil {
			t.Fatal(err)
		}
		tx.MustExec(t, `UPDATE audit_head SET hash = ?`, newHash)
		wantHeadProblem(t, headProblems(t, e, testKey, nil), "forged head")
		tx.MustExec(t, `UPDATE audit_head SET hash = ?, mac = ?`, newHash, audit.Key("not the key, but as long as a key").MAC(seq, newHash))
		wantHeadProblem(t, headProblems(t, e, testKey, nil), "forged head")

		// Cut short: the newest records gone with their links.
		cut(t, e, 2)
		if rep := verify(t, e.S); !rep.OK() {
			t.Fatalf("the cut chain should look whole to the chain check: %v", rep.First)
		}
		tx.MustExec(t, `DELETE FROM audit_head`)
		tx.MustExec(t, `INSERT INTO audit_head (id, seq, hash, mac, at) VALUES (1, ?, ?, ?, 0)`, head.Seq, newHash, testKey.MAC(head.Seq, newHash))
		wantHeadProblem(t, headProblems(t, e, testKey, nil), "cut")

		// Rolled back: cut to the older head and the older head's row put back (saved before).
		// The database alone now agrees with itself; the exported head does not.
		cut(t, e, int(head.Seq-older.Seq-2))
		tx.MustExec(t, `UPDATE audit_head SET seq = ?, hash = ?, mac = ?`, older.Seq, older.Hash, older.MAC)
		var olderNow string
		if err := tx.QueryRow(tx.Rebind(`SELECT hash FROM audit_chain WHERE seq = ?`), older.Seq).Scan(&olderNow); err != nil {
			t.Fatal(err)
		}
		tx.MustExec(t, `UPDATE audit_head SET hash = ?, mac = ?`, olderNow, testKey.MAC(older.Seq, olderNow))
		if ps := headProblems(t, e, testKey, nil); len(ps) != 0 {
			t.Fatalf("the rolled-back database agrees with itself (this is what the export is for): %v", ps)
		}
		wantHeadProblem(t, headProblems(t, e, testKey, &head), "cut")
		forged := head
		forged.Seq = older.Seq
		forged.Hash = olderNow
		wantHeadProblem(t, headProblems(t, e, testKey, &forged), "forged head")
	})
}

// TestExportedHeads: the exporter keys the head and writes its line to the head file and the
// log; ParseHeads finds the furthest head in a file of its own or among log lines, in either of
// serve's log formats.
func TestExportedHeads(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dir := t.TempDir()
		file := filepath.Join(dir, "head")
		var logText, logJSON bytes.Buffer
		x := &audit.Exporter{Store: e.S, Key: testKey, File: file, Log: slog.New(slog.NewTextHandler(&logText, nil))}
		e.work(t, 2)
		n := seal(t, e.S)
		if err := x.Run(ctx, n); err != nil {
			t.Fatal(err)
		}
		read := func(path string) store.AuditHead {
			t.Helper()
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			h, ok, err := audit.ParseHeads(f)
			if err != nil || !ok {
				t.Fatalf("%s: %v (found %v)", path, err, ok)
			}
			return h
		}
		first := read(file)
		if want, _, _ := e.S.AuditHeadNow(ctx); first.Seq != want.Seq || first.Hash != want.Hash || first.MAC != want.MAC {
			t.Fatalf("exported %+v, keyed %+v", first, want)
		}
		e.work(t, 2)
		n = seal(t, e.S)
		if err := x.Run(ctx, n); err != nil {
			t.Fatal(err)
		}
		second := read(file)
		if second.Seq <= first.Seq {
			t.Fatalf("the head file did not move: %d then %d", first.Seq, second.Seq)
		}
		if ps := headProblems(t, e, testKey, &second); len(ps) != 0 {
			t.Fatalf("exported head: %v", ps)
		}
		x.Log = slog.New(slog.NewJSONHandler(&logJSON, nil))
		x.Final()
		logs := filepath.Join(dir, "serve.log")
		if err := os.WriteFile(logs, append(append([]byte("unrelated line\n"), logText.Bytes()...), logJSON.Bytes()...), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := read(logs); got.Seq != second.Seq || got.MAC != second.MAC {
			t.Errorf("from the logs %+v, want %+v (text log %q, JSON log %q)", got, second, logText.String(), logJSON.String())
		}
		if _, ok, err := audit.ParseHeads(strings.NewReader("no head here\n")); ok || err != nil {
			t.Errorf("a file without a head: found %v, %v", ok, err)
		}
	})
}
