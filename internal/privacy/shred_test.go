package privacy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestDeletedContentLeavesTheFiles (issue 15 point 5, clause 23.5): after an erasure, and after a
// retention sweep that deletes files, and the job the server runs after them (search compaction,
// then shredding), none of the identifiers is left in the bytes of the database's files: SQLite's
// .db, -wal and -shm; PostgreSQL's relation files of the test database. The store runs without
// master keys, so that the files are written in the clear (a desk without a master key file):
// sealed, their bytes never show the identifiers (store.TestFilesAndMailSealedAtRest), and
// crypto-shredding makes older copies unreadable (store.TestErasureShredsSealedContent).
func TestDeletedContentLeavesTheFiles(t *testing.T) {
	storetest.EachEnv(t, created, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		e.S.SetKeys(nil)
		read := dbFiles(t, e)
		admin := storetest.Actor(e.F.Ann)
		zeb, err := e.S.CreatePerson(ctx, admin, desk.Person{FirstName: "Zebedee", LastName: "Quillfeather", Email: "zeb.quillfeather@uni.example",
			Phone: "07700 900852", Department: "Chemistry", Kind: desk.Student, Source: desk.FromManual})
		if err != nil {
			t.Fatal(err)
		}
		// The files: 360 KB of random text that does not compress (so PostgreSQL stores it as it
		// is, and its bytes can be looked for), naming someone every 20 lines.
		file := func(names string) []byte {
			var b bytes.Buffer
			raw := make([]byte, 57)
			for i := 0; b.Len() < 360<<10; i++ {
				if i%20 == 0 {
					b.WriteString(names + "\n")
				}
				rand.Read(raw)
				b.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
			}
			return b.Bytes()
		}
		rules := desk.AttachmentRules{MaxSize: 1 << 20}
		zebCall, err := e.S.CreateCallWithAttachments(ctx, storetest.Actor(zeb), desk.NewCall{Summary: "Scanner for Zebedee Quillfeather",
			Description: "Zebedee Quillfeather (07700 900852) cannot scan", CustomerID: zeb.ID}, "my scan",
			[]desk.Upload{{Filename: "scan.txt", Data: file("Zebedee Quillfeather, 07700 900852, zeb.quillfeather@uni.example")}}, rules)
		if err != nil {
			t.Fatal(err)
		}
		// Dan's call, closed three years before the sweep: its file goes with the attachments class.
		old, err := e.S.CreateCallWithAttachments(ctx, storetest.Actor(e.F.Dan), desk.NewCall{Summary: "Old printer", CustomerID: e.F.Dan.ID},
			"the report", []desk.Upload{{Filename: "report.txt", Data: file("Yolanda Wexcombe, Dan's landlady")}}, rules)
		if err != nil {
			t.Fatal(err)
		}
		at := sweepAt.AddDate(-3, 0, 0).UnixMicro()
		e.DB.MustExec(t, `UPDATE calls SET state = 'closed', resolution = 'Fixed it', resolved_at = ?, closed_at = ? WHERE id = ?`, at, at, old.ID)
		// A later file, so that the deleted ones are not at the end of the tables (whose empty end
		// pages VACUUM would cut off anyway).
		if _, err := e.S.CreateCallWithAttachments(ctx, storetest.Actor(e.F.Dan), desk.NewCall{Summary: "New printer", CustomerID: e.F.Dan.ID},
			"photo", []desk.Upload{{Filename: "photo.txt", Data: file("nobody in particular")}}, rules); err != nil {
			t.Fatal(err)
		}
		zebWords := []string{"illfeath", "zebedee", "900852"}
		landlady := []string{"wexcombe"}
		find := func(words []string) []string {
			t.Helper()
			var found []string
			for name, b := range read() {
				b = bytes.ToLower(b)
				for _, w := range words {
					if n := bytes.Count(b, []byte(w)); n > 0 {
						found = append(found, relation(t, e, name)+": "+w+" x"+strconv.Itoa(n))
					}
				}
			}
			return found
		}
		if f := find(append(zebWords, landlady...)); len(f) < 4 {
			t.Fatalf("before deleting, the files do not show the identifiers (%v): the test would prove nothing", f)
		}
		// PostgreSQL's planner statistics (pg_statistic, shown in pg_stats) keep sample values of
		// each column: most common values and histogram bounds. Analysed before the erasure, they
		// name Zebedee; the shred must analyse the tables it rewrites again.
		tables := store.RegisterTables(e.Engine)
		stats := func(words []string) []string {
			t.Helper()
			if e.Engine != "postgres" {
				return nil
			}
			rows, err := e.DB.Query(`SELECT tablename || '.' || attname, lower(COALESCE(most_common_vals::text, '') || ' ' || COALESCE(histogram_bounds::text, ''))
				FROM pg_stats WHERE schemaname = current_schema()`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var found []string
			for rows.Next() {
				var col, vals string
				if err := rows.Scan(&col, &vals); err != nil {
					t.Fatal(err)
				}
				for _, w := range words {
					if strings.Contains(vals, w) {
						found = append(found, col+": "+w)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return found
		}
		if e.Engine == "postgres" {
			e.DB.MustExec(t, `ANALYZE `+strings.Join(tables, ", "))
			if f := stats(zebWords); len(f) == 0 {
				t.Fatal("before the erasure, the planner statistics do not name Zebedee: the test would prove nothing")
			}
		}
		job := func() {
			t.Helper()
			if _, err := e.S.CompactSearchIfDue(ctx); err != nil {
				t.Fatal(err)
			}
			// On PostgreSQL the job waits while a transaction older than the deletion is open
			// anywhere on the server (other tests'): it runs again every minute, here every 100 ms.
			did := false
			for deadline := time.Now().Add(3 * time.Minute); !did && time.Now().Before(deadline); {
				var err error
				if did, err = e.S.ShredIfDue(ctx); err != nil {
					t.Fatal(err)
				}
				if !did {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if !did {
				t.Fatal("the job did not shred within 3 minutes of a deletion")
			}
			if did, err := e.S.ShredIfDue(ctx); err != nil || did {
				t.Fatalf("shredding again with nothing deleted since: %v, %v", did, err)
			}
		}

		if _, err := e.S.ErasePerson(ctx, admin, desk.Erasure{PersonID: zeb.ID, Basis: desk.BasisContract, Ground: desk.GroundNotNeeded,
			Decision: "left", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.FindCallByRef(ctx, zebCall.Ref); err != nil {
			t.Fatal(err)
		}
		job()
		if f := find(zebWords); len(f) > 0 {
			t.Errorf("after the erasure and the job, the database files still hold the erased person's identifiers: %v", f)
		}
		if f := stats(zebWords); len(f) > 0 {
			t.Errorf("after the erasure and the job, the planner statistics (pg_stats) still hold the erased person's identifiers: %v", f)
		}
		if f := find(landlady); len(f) == 0 {
			t.Fatal("the job wiped what nobody deleted")
		}

		// A report reading under a snapshot taken before the sweep: on PostgreSQL, VACUUM must
		// keep the rows it can still see, so the job waits for it.
		var report *sql.Tx
		if e.Engine == "postgres" {
			if report, err = e.DB.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead}); err != nil {
				t.Fatal(err)
			}
			defer report.Rollback()
			if _, err := report.Exec(`SELECT COUNT(*) FROM attachments`); err != nil {
				t.Fatal(err)
			}
		}
		e.Clock.Set(sweepAt)
		run, err := privacy.Retention{Store: e.S}.Sweep(ctx, storetest.Actor(e.F.Bob), false)
		if err != nil {
			t.Fatal(err)
		}
		if counts(run)["attachments"] == 0 {
			t.Fatalf("the sweep deleted no file: %+v", run.Lines)
		}
		if report != nil {
			if _, err := e.S.CompactSearchIfDue(ctx); err != nil {
				t.Fatal(err)
			}
			if did, err := e.S.ShredIfDue(ctx); err != nil || did {
				t.Fatalf("the job shredded while a snapshot older than the sweep was open: %v, %v", did, err)
			}
			report.Rollback()
		}
		job()
		if f := find(landlady); len(f) > 0 {
			t.Errorf("after the retention sweep and the job, the database files still hold the deleted file: %v", f)
		}
	})
}

// dbFiles returns a function reading the bytes of every file of the test's database: on SQLite
// the database, its WAL and its shared-memory index; on PostgreSQL every relation file of the
// test database (after a CHECKPOINT, so what the server holds in memory is written), when the
// server's data directory can be read here. When it cannot (a server elsewhere), the PostgreSQL
// half is skipped with the reason, except under CI.
func dbFiles(t *testing.T, e *storetest.Env) func() map[string][]byte {
	t.Helper()
	if e.Engine == "sqlite" {
		return func() map[string][]byte {
			out := map[string][]byte{}
			for _, suffix := range []string{"", "-wal", "-shm"} {
				b, err := os.ReadFile(e.DSN + suffix)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				out[filepath.Base(e.DSN+suffix)] = b
			}
			return out
		}
	}
	var dataDir, dbOID string
	if err := e.DB.QueryRow(`SELECT current_setting('data_directory'), (SELECT oid::text FROM pg_database WHERE datname = current_database())`).Scan(&dataDir, &dbOID); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(dataDir, "base", dbOID)
	if _, err := os.ReadDir(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the PostgreSQL server's files (%s) cannot be read here: %v", dir, err)
		}
		t.Skipf("the PostgreSQL server's files (%s) cannot be read here, so what they hold cannot be checked: %v (run against scripts/pg.sh's own server)", dir, err)
	}
	return func() map[string][]byte {
		e.DB.MustExec(t, `CHECKPOINT`)
		out := map[string][]byte{}
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range ents {
			if de.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out[de.Name()] = b
		}
		return out
	}
}

// relation names the file of the database: the table or index of a PostgreSQL relation file.
func relation(t *testing.T, e *storetest.Env, file string) string {
	if e.Engine != "postgres" {
		return file
	}
	node, _, _ := strings.Cut(file, "_")
	var name string
	if err := e.DB.QueryRow(`SELECT c.relname || COALESCE(' (TOAST of ' || (SELECT o.relname FROM pg_class o WHERE o.reltoastrelid = c.oid) || ')', '')
		FROM pg_class c WHERE pg_relation_filenode(c.oid)::text = $1`, node).Scan(&name); err != nil {
		return "file " + file
	}
	return name
}

// TestDiscardedMailLeavesTheFiles (clause 23.5): a quarantined message naming someone, discarded
// (its content deleted at once), then the server's job (search compaction, shredding): none of
// its bytes is left in the database's files.
func TestDiscardedMailLeavesTheFiles(t *testing.T) {
	storetest.EachEnv(t, created, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		read := dbFiles(t, e)
		var b bytes.Buffer
		raw := make([]byte, 57)
		b.WriteString("From: stranger@elsewhere.example\r\nSubject: complaint\r\n\r\n")
		for i := 0; b.Len() < 200<<10; i++ {
			if i%20 == 0 {
				b.WriteString("Xanthippe Verulamium-Quist is rude\r\n")
			}
			rand.Read(raw)
			b.WriteString(base64.StdEncoding.EncodeToString(raw) + "\r\n")
		}
		q, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 77, MessageID: "q77@elsewhere.example",
			From: "stranger@elsewhere.example", Subject: "complaint", Text: "see", Raw: b.Bytes()}, store.IngestRules{})
		if err != nil || q.Disposition != store.MailQuarantine {
			t.Fatalf("quarantine: %+v %v", q, err)
		}
		if err := e.S.DiscardMail(ctx, storetest.Actor(e.F.Ann), q.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.CompactSearchIfDue(ctx); err != nil {
			t.Fatal(err)
		}
		// On PostgreSQL the job waits while a transaction older than the deletion is open anywhere
		// on the server (other tests'): it runs again every minute, here every 100 ms.
		did := false
		for deadline := time.Now().Add(3 * time.Minute); !did && time.Now().Before(deadline); {
			if did, err = e.S.ShredIfDue(ctx); err != nil {
				t.Fatal(err)
			}
			if !did {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if !did {
			t.Error("discarding a message did not mark shredding due (or it did not run within 3 minutes)")
		}
		for name, data := range read() {
			if n := bytes.Count(data, []byte("Verulamium")); n > 0 {
				t.Errorf("%s still holds the discarded message %d times", name, n)
			}
		}
	})
}
