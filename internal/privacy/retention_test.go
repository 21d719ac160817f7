package privacy_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// created is when the fixture is made; sweepAt is when the clock is moved for the sweep: eight
// years on, so the fixture's audit records are past the seven-year audit rule.
var (
	created = time.Date(2018, 6, 4, 9, 0, 0, 0, time.UTC)
	sweepAt = created.AddDate(8, 0, 0)
)

// retentionFixture is a desk with calls closed at various times, on hold or not, a restricted
// customer, leavers, emails, attachments and subject requests.
type retentionFixture struct {
	e     *storetest.Env
	calls map[string]desk.Call // by name
	rita  desk.Person          // processing restricted
	words map[string]string    // a word only call name's text holds
	ids   map[string]int64     // other records by name
}

func newRetentionFixture(t *testing.T, e *storetest.Env) *retentionFixture {
	t.Helper()
	ctx := context.Background()
	f := &retentionFixture{e: e, calls: map[string]desk.Call{}, words: map[string]string{}, ids: map[string]int64{}}
	admin := storetest.Actor(e.F.Ann)
	person := func(first string) desk.Person {
		t.Helper()
		p, err := e.S.CreatePerson(ctx, admin, desk.Person{FirstName: first, LastName: "Tester", Email: strings.ToLower(first) + "@uni.example",
			Department: "Chemistry", Kind: desk.Student, Source: desk.FromManual})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.rita = person("Rita")
	type spec struct {
		name     string
		customer desk.Person
		state    string // closed, cancelled or "" (left open)
		ended    time.Time
		special  bool
	}
	specs := []spec{
		{"c7", e.F.Dan, "closed", sweepAt.AddDate(-7, 0, 0), false},
		{"c7held", e.F.Dan, "closed", sweepAt.AddDate(-7, 0, 0), false},
		{"c7eve", e.F.Eve, "closed", sweepAt.AddDate(-7, 0, 0), false},
		{"c1m", e.F.Dan, "closed", sweepAt.AddDate(0, -1, 0), false},
		{"c3y", e.F.Dan, "closed", sweepAt.AddDate(-3, 0, 0), false},
		{"cs2y", e.F.Dan, "closed", sweepAt.AddDate(-2, 0, -1), true},
		{"cs6m", e.F.Dan, "closed", sweepAt.AddDate(0, -6, 0), true},
		{"cOpen", e.F.Dan, "", sweepAt.AddDate(0, 0, -1), false},
		{"cCanc", e.F.Dan, "cancelled", sweepAt.AddDate(-7, 0, 0), false},
		{"cRita", f.rita, "closed", sweepAt.AddDate(-7, 0, 0), false},
	}
	for _, sp := range specs {
		word := "zq" + strings.ToLower(sp.name) + "word"
		f.words[sp.name] = word
		c, err := e.S.CreateCall(ctx, admin, desk.NewCall{Summary: "Printer jam " + word, Description: "Room 4 " + word,
			CustomerID: sp.customer.ID, AltEmail: "alt@home.example", AltPhone: "07700 900123", GroupID: e.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AddEntry(ctx, admin, c.Ref, desk.EntryNote, "Spoke to the customer about "+word); err != nil {
			t.Fatal(err)
		}
		at := sp.ended.UnixMicro()
		switch sp.state {
		case "closed":
			e.DB.MustExec(t, `UPDATE calls SET state = 'closed', resolution = 'Fixed it', resolved_at = ?, closed_at = ? WHERE id = ?`, at, at, c.ID)
		case "cancelled":
			e.DB.MustExec(t, `UPDATE calls SET state = 'cancelled', cancel_note = 'Duplicate', cancelled_at = ? WHERE id = ?`, at, c.ID)
		}
		if sp.special {
			e.DB.MustExec(t, `UPDATE calls SET special_category = ? WHERE id = ?`, true, c.ID)
		}
		e.DB.MustExec(t, `INSERT INTO attachments (call_id, filename, content_type, size, sha256, data, created_at) VALUES (?, 'a.txt', 'text/plain', 3, 'x', ?, ?)`,
			c.ID, []byte("abc"), at)
		e.DB.MustExec(t, `INSERT INTO mail_messages (message_id, call_id, sender, subject, disposition, raw, size, created_at)
			VALUES (?, ?, 'dan@uni.example', 'About my printer', 'entry', ?, 3, ?)`, "<in-"+sp.name+"@x>", c.ID, []byte("raw"), at)
		e.DB.MustExec(t, `INSERT INTO mail_outbox (message_id, call_id, kind, recipient, subject, text_body, html_body, state, next_at, created_at)
			VALUES (?, ?, 'update', 'dan@uni.example', 'Your call', 'Hello Dan', '<p>Hello Dan</p>', 'sent', ?, ?)`, "<out-"+sp.name+"@x>", c.ID, at, at)
		f.calls[sp.name] = c
	}
	// Emails that belong to no call: an old one from a stranger, an old one from Eve (on hold), a recent one.
	for _, m := range []struct {
		name, sender string
		at           time.Time
	}{{"mOld", "someone@else.example", sweepAt.AddDate(-3, 0, 0)}, {"mEve", e.F.Eve.Email, sweepAt.AddDate(-3, 0, 0)},
		{"mNew", "someone@else.example", sweepAt.AddDate(0, -1, 0)}} {
		e.DB.MustExec(t, `INSERT INTO mail_messages (message_id, sender, subject, disposition, raw, size, created_at)
			VALUES (?, ?, 'Hello', 'quarantine', ?, 3, ?)`, "<"+m.name+"@x>", m.sender, []byte("raw"), m.at.UnixMicro())
	}
	// Subject requests: closed three years ago, closed last month, Eve's closed three years ago, one open.
	for _, r := range []struct {
		name   string
		person int64
		state  string
		at     time.Time
	}{{"rOld", e.F.Dan.ID, "done", sweepAt.AddDate(-3, 0, 0)}, {"rNew", e.F.Dan.ID, "refused", sweepAt.AddDate(0, -1, 0)},
		{"rEve", e.F.Eve.ID, "withdrawn", sweepAt.AddDate(-3, 0, 0)}, {"rOpen", e.F.Dan.ID, "open", sweepAt.AddDate(-3, 0, 0)}} {
		e.DB.MustExec(t, `INSERT INTO subject_requests (person_id, kind, state, received_at, details, logged_by, channel, created_at, updated_at)
			VALUES (?, 'access', ?, ?, ?, 'DPO', 'post', ?, ?)`, r.person, r.state, r.at.UnixMicro(), r.name, r.at.UnixMicro(), r.at.UnixMicro())
	}
	// rOld's copy of Dan's data goes with it.
	e.DB.MustExec(t, `INSERT INTO sar_bundles (request_id, person_id, state, zip, created_by, created_at)
		SELECT id, person_id, 'expired', ?, 'DPO', created_at FROM subject_requests WHERE details = 'rOld'`, []byte("Dan's data"))
	e.DB.MustExec(t, `INSERT INTO sar_redactions (bundle_id, n, location, original, kind) SELECT id, 1, 'x', 'Eve Evans', 'name' FROM sar_bundles`)
	// Leavers: two years ago with no call; two years ago with an open call; six months ago; two years ago on hold.
	for _, l := range []struct {
		name string
		left time.Time
		open bool
	}{{"lGone", sweepAt.AddDate(-2, 0, 0), false}, {"lOpen", sweepAt.AddDate(-2, 0, 0), true},
		{"lRecent", sweepAt.AddDate(0, -6, 0), false}, {"lHeld", sweepAt.AddDate(-2, 0, 0), false}} {
		p := person(l.name)
		f.ids[l.name] = p.ID
		e.DB.MustExec(t, `UPDATE people SET left_at = ?, active = 0 WHERE id = ?`, l.left.UnixMicro(), p.ID)
		if l.open {
			if _, err := e.S.CreateCall(ctx, admin, desk.NewCall{Summary: "Still open", CustomerID: p.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	dpo := storetest.Actor(e.F.Bob)
	if _, err := e.S.PlaceLegalHold(ctx, dpo, f.calls["c7held"].ID, 0, "Disciplinary case 42"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.PlaceLegalHold(ctx, dpo, 0, e.F.Eve.ID, "Tribunal claim"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.PlaceLegalHold(ctx, dpo, 0, f.ids["lHeld"], "Insurance claim"); err != nil {
		t.Fatal(err)
	}
	if err := e.S.Restrict(ctx, dpo, f.rita.ID, true, "accuracy contested"); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Seal(ctx, e.S); err != nil {
		t.Fatal(err)
	}
	return f
}

// counts is each class's count in a run's report.
func counts(run store.RetentionRun) map[string]int {
	m := map[string]int{}
	for _, l := range run.Lines {
		m[l.Class] = l.Count
	}
	return m
}

// state is what the fixture's tables hold, to prove a dry run changed nothing.
func state(t *testing.T, e *storetest.Env) []int {
	t.Helper()
	var out []int
	for _, q := range []string{`SELECT COUNT(*) FROM calls WHERE anonymised_at IS NOT NULL OR summary = 'Anonymised call'`,
		`SELECT COUNT(*) FROM diary_entries WHERE body = ''`, `SELECT COUNT(*) FROM attachments`,
		`SELECT COUNT(*) FROM mail_messages WHERE raw IS NULL`, `SELECT COUNT(*) FROM mail_outbox WHERE text_body = ''`,
		`SELECT COUNT(*) FROM subject_requests`, `SELECT COUNT(*) FROM audit_log`, `SELECT COUNT(*) FROM audit_chain`} {
		out = append(out, e.DB.Count(t, q))
	}
	return out
}

func TestRetentionSweep(t *testing.T) {
	storetest.EachEnv(t, created, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := newRetentionFixture(t, e)
		e.Clock.Set(sweepAt)
		r := privacy.Retention{Store: e.S}
		dpo := storetest.Actor(e.F.Bob)

		before := state(t, e)
		dry, err := r.Sweep(ctx, dpo, true)
		if err != nil {
			t.Fatal(err)
		}
		if after := state(t, e); !equalInts(before, after) {
			t.Fatalf("the dry run changed the data: %v, then %v", before, after)
		}
		want := map[string]int{
			store.ClassSpecialCategory: 1, // cs2y
			store.ClassClosedCalls:     3, // c7, cCanc, cRita (restricted: not exempt)
			store.ClassAttachments:     1, // c3y's (the anonymised calls' go with them)
			store.ClassDiaryEntries:    0, // same period as the calls: nothing left to it
			store.ClassEmails:          3, // c3y's in and out, and the stranger's old one
			store.ClassSubjectRequests: 1, // rOld
			store.ClassLeavers:         1, // lGone
		}
		got := counts(dry)
		for class, n := range want {
			if got[class] != n {
				t.Errorf("dry run: %s: %d, want %d (report %+v)", class, got[class], n, dry.Lines)
			}
		}
		if got[store.ClassAuditRecords] == 0 {
			t.Errorf("dry run: no audit records due, want the fixture's oldest")
		}

		real, err := r.Sweep(ctx, dpo, false)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range real.Lines {
			d := dry.Lines[i]
			if l.Class != d.Class || l.Count != d.Count || !l.Oldest.Equal(d.Oldest) || !l.Newest.Equal(d.Newest) {
				t.Errorf("the real sweep did %+v, the dry run said %+v", l, d)
			}
		}
		line := real.Lines[1]
		if line.Class != store.ClassClosedCalls || !line.Oldest.Equal(sweepAt.AddDate(-7, 0, 0)) || !line.Newest.Equal(sweepAt.AddDate(-7, 0, 0)) {
			t.Errorf("closed calls line: %+v", line)
		}

		// Anonymised: text, snapshot, attachments, emails, search; statistics kept.
		for _, name := range []string{"c7", "cCanc", "cRita", "cs2y"} {
			c := f.calls[name]
			got, err := e.S.FindCallByRef(ctx, c.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if got.Summary != "Anonymised call" || got.Description != "" || got.Resolution != "" || got.AltEmail != "" || got.AltPhone != "" ||
				got.Customer.Name != "" || got.Customer.Email != "" || got.Customer.Department == "" || got.CancelNote != "" {
				t.Errorf("%s not anonymised: %+v", name, got)
			}
			if got.CustomerID != c.CustomerID || got.GroupID != c.GroupID || got.Priority != c.Priority || !got.LoggedAt.Equal(c.LoggedAt) {
				t.Errorf("%s lost its statistics: %+v", name, got)
			}
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND body <> ''`, c.ID); n != 0 {
				t.Errorf("%s: %d diary bodies left", name, n)
			}
			for q, want := range map[string]int{
				// Issue 17 point 6: the call keeps its service-level figures.
				`SELECT COUNT(*) FROM call_sla WHERE call_id = ? AND history LIKE '%logged%'`:                1,
				`SELECT COUNT(*) FROM attachments WHERE call_id = ?`:                                         0,
				`SELECT COUNT(*) FROM mail_messages WHERE call_id = ? AND (raw IS NOT NULL OR sender <> '')`: 0,
				`SELECT COUNT(*) FROM mail_outbox WHERE call_id = ? AND text_body <> ''`:                     0,
				`SELECT COUNT(*) FROM calls WHERE id = ? AND anonymised_at IS NOT NULL`:                      1,
			} {
				if n := e.DB.Count(t, q, c.ID); n != want {
					t.Errorf("%s: %s: %d, want %d", name, q, n, want)
				}
			}
			if _, n, err := e.S.FindCalls(ctx, store.CallFilter{Text: f.words[name]}); err != nil || n != 0 {
				t.Errorf("%s: search still finds it (%d, %v)", name, n, err)
			}
		}
		// Untouched: held, recent, open.
		for _, name := range []string{"c7held", "c7eve", "c1m", "cs6m", "cOpen"} {
			c := f.calls[name]
			got, _ := e.S.FindCallByRef(ctx, c.Ref)
			if got.Summary != c.Summary || got.Customer.Name == "" {
				t.Errorf("%s was changed: %+v", name, got)
			}
			for q, want := range map[string]int{
				`SELECT COUNT(*) FROM attachments WHERE call_id = ?`:                        1,
				`SELECT COUNT(*) FROM mail_messages WHERE call_id = ? AND raw IS NOT NULL`:  1,
				`SELECT COUNT(*) FROM mail_outbox WHERE call_id = ? AND text_body <> ''`:    1,
				`SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND body LIKE '%zq%'`: 1,
			} {
				if n := e.DB.Count(t, q, c.ID); n != want {
					t.Errorf("%s: %s: %d, want %d", name, q, n, want)
				}
			}
			if _, n, err := e.S.FindCalls(ctx, store.CallFilter{Text: f.words[name]}); err != nil || n != 1 {
				t.Errorf("%s: search finds it %d times (%v)", name, n, err)
			}
		}
		// c3y: text kept, its attachment and emails gone.
		c3 := f.calls["c3y"]
		if got, _ := e.S.FindCallByRef(ctx, c3.Ref); got.Summary != c3.Summary {
			t.Errorf("c3y was anonymised")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM attachments WHERE call_id = ?`, c3.ID); n != 0 {
			t.Errorf("c3y keeps %d attachments", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages WHERE call_id = ? AND raw IS NULL AND sender = ''`, c3.ID) +
			e.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE call_id = ? AND text_body = '' AND recipient = ''`, c3.ID); n != 2 {
			t.Errorf("c3y: %d emails emptied, want 2", n)
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM mail_messages WHERE message_id = '<mOld@x>' AND raw IS NULL`:                  1,
			`SELECT COUNT(*) FROM mail_messages WHERE message_id = '<mEve@x>' AND raw IS NOT NULL`:              1,
			`SELECT COUNT(*) FROM mail_messages WHERE message_id = '<mNew@x>' AND raw IS NOT NULL`:              1,
			`SELECT COUNT(*) FROM subject_requests`:                                                             3,
			`SELECT COUNT(*) FROM subject_requests WHERE details = 'rOld'`:                                      0,
			`SELECT COUNT(*) FROM retention_runs WHERE state = 'done'`:                                          2,
			`SELECT COUNT(*) FROM retention_runs WHERE dry_run = 1`:                                             1,
			`SELECT COUNT(*) FROM audit_log WHERE action = 'retention.anonymise' AND object_type = 'retention'`: 4,
		} {
			if n := e.DB.Count(t, q); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}

		// The audit trail: a prefix went, it still verifies, and it starts at a record about someone on hold.
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, e.S)
		if err != nil || !rep.OK() {
			t.Fatalf("verify after the sweep: %+v %v", rep.First, err)
		}
		anchor, _, err := e.S.AuditAnchor(ctx)
		if err != nil || anchor != int64(counts(real)[store.ClassAuditRecords]) {
			t.Errorf("anchor at %d (%v), want %d", anchor, err, counts(real)[store.ClassAuditRecords])
		}
		links, err := e.S.AuditChain(ctx, anchor, 1)
		if err != nil || len(links) != 1 {
			t.Fatal(err)
		}
		if first := links[0].Record; first.At.Before(sweepAt.AddDate(-7, 0, 0)) && !strings.Contains(","+joinIDs(first.Persons)+",", ","+itoa(e.F.Eve.ID)+",") &&
			!(first.ObjectType == "person" && first.ObjectID == itoa(e.F.Eve.ID)) {
			t.Errorf("the sweep stopped at %+v, which concerns nobody on hold", first)
		}

		// The sweep left the search index merging again and asked for it to be compacted.
		if e.Engine == "sqlite" {
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM call_fts_config WHERE k = 'automerge' AND v = 4`); n != 1 {
				t.Errorf("the search index's automerge was not set back after the sweep")
			}
		}
		if did, err := e.S.CompactSearchIfDue(ctx); err != nil || !did {
			t.Errorf("the sweep did not ask for search compaction: %v %v", did, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sar_bundles`) + e.DB.Count(t, `SELECT COUNT(*) FROM sar_redactions`); n != 0 {
			t.Errorf("%d SAR bundle rows of a deleted request remain", n)
		}

		// The leaver gone two years with no open call is erased, with the retention ground
		// recorded; the one with an open call, the recent one and the held one are not.
		if er, err := e.S.Erasure(ctx, f.ids["lGone"]); err != nil || er.Ground != desk.GroundRetention || !strings.Contains(er.Decision, "after leaving") {
			t.Errorf("the due leaver's erasure: %+v %v", er, err)
		}
		if p, _ := e.S.FindPerson(ctx, f.ids["lGone"]); strings.Contains(p.Name(), "lGone") {
			t.Errorf("the erased leaver is still named %q", p.Name())
		}
		for _, name := range []string{"lOpen", "lRecent", "lHeld"} {
			if _, err := e.S.Erasure(ctx, f.ids[name]); desk.ErrorCode(err) != desk.ENOTFOUND {
				t.Errorf("%s was erased: %v", name, err)
			}
		}

		// A second sweep does nothing more.
		again, err := r.Sweep(ctx, dpo, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range again.Lines {
			if l.Count != 0 {
				t.Errorf("second sweep: %+v", l)
			}
		}

		// Tampering after the anchor still shows; so does moving the anchor.
		e.DB.MustExec(t, `UPDATE audit_log SET detail = 'forged' WHERE id = ?`, links[0].AuditID)
		if rep, err := audit.Verify(ctx, e.S); err != nil || rep.OK() || rep.First.Kind != "altered" {
			t.Errorf("verify after tampering: %+v %v", rep.First, err)
		}
		e.DB.MustExec(t, `UPDATE audit_anchor SET hash = 'beef'`)
		if rep, err := audit.Verify(ctx, e.S); err != nil || rep.OK() || rep.First.Kind != audit.KindAnchor {
			t.Errorf("verify after moving the anchor: %+v %v", rep.First, err)
		}
	})
}

// TestRetentionHoldsAndRules: lifting a hold lets the next sweep reach the call; a rule change
// is audited and refused when the schedule cannot carry it out; one real sweep at a time.
func TestRetentionHoldsAndRules(t *testing.T) {
	storetest.EachEnv(t, created, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := newRetentionFixture(t, e)
		e.Clock.Set(sweepAt)
		r := privacy.Retention{Store: e.S}
		dpo := storetest.Actor(e.F.Bob)
		c := f.calls["c7held"]
		h, err := e.S.ActiveHold(ctx, c.ID, 0)
		if err != nil || !h.Active() || h.Reason != "Disciplinary case 42" || h.CallRef != c.Ref {
			t.Fatalf("active hold: %+v %v", h, err)
		}
		if _, err := e.S.PlaceLegalHold(ctx, dpo, c.ID, 0, "again"); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Errorf("a second hold: %v", err)
		}
		if err := e.S.LiftLegalHold(ctx, dpo, h.ID, ""); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("lift without a reason: %v", err)
		}
		if err := e.S.LiftLegalHold(ctx, dpo, h.ID, "Case closed"); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'legal_hold.lift' AND object_id = ?`, c.Ref); n != 1 {
			t.Errorf("lift audited %d times", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log a JOIN audit_persons p ON p.audit_id = a.id
			WHERE a.action = 'legal_hold.place' AND a.object_type = 'person' AND p.person_id = ?`, e.F.Eve.ID); n != 1 {
			t.Errorf("Eve's hold audited against her %d times", n)
		}
		if err := e.S.SetRetentionRule(ctx, dpo, store.ClassClosedCalls, 24, store.Delete, "shorter"); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("closed calls deleted: %v", err)
		}
		if err := e.S.SetRetentionRule(ctx, dpo, store.ClassClosedCalls, 24, store.Anonymise, ""); desk.ErrorCode(err) != desk.EINVALID {
			t.Errorf("a change without a reason: %v", err)
		}
		// Calls closed two years ago or more now go: c3y too.
		if err := e.S.SetRetentionRule(ctx, dpo, store.ClassClosedCalls, 24, store.Anonymise, "Records manager's decision 2026/3"); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'retention.rule' AND detail LIKE '%24 months%72 months%'`); n != 1 {
			t.Errorf("rule change audited %d times", n)
		}
		run, err := r.Sweep(ctx, dpo, false)
		if err != nil {
			t.Fatal(err)
		}
		// c7, c7held (hold lifted), cCanc, cRita, c3y; cs2y by the special-category rule.
		if got := counts(run); got[store.ClassClosedCalls] != 5 || got[store.ClassSpecialCategory] != 1 || got[store.ClassAttachments] != 0 {
			t.Errorf("after the changes: %+v", run.Lines)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND anonymised_at IS NOT NULL`, c.ID); n != 1 {
			t.Errorf("the call whose hold was lifted is not anonymised")
		}

		// The daily task runs once a day, whoever asks.
		ran, err := r.Daily(ctx)
		if err != nil || ran {
			t.Errorf("daily right after a sweep: ran %v, %v", ran, err)
		}
		e.Clock.Advance(25 * time.Hour)
		ran, err = r.Daily(ctx)
		if err != nil || !ran {
			t.Errorf("daily a day later: ran %v, %v", ran, err)
		}
		runs, err := e.S.RetentionRuns(ctx, 10)
		if err != nil || len(runs) != 2 || runs[0].By != "calldesk (retention)" || len(runs[0].Lines) != len(store.RetentionClasses()) {
			t.Errorf("runs: %+v %v", runs, err)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = itoa(id)
	}
	return strings.Join(s, ",")
}

// TestRetentionDailyOnce: several instances asking for the daily sweep at once run it once.
func TestRetentionDailyOnce(t *testing.T) {
	storetest.EachEnv(t, created, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		newRetentionFixture(t, e)
		e.Clock.Set(sweepAt)
		// A second store on the same database stands for a second instance.
		other := storetest.OpenDSN(t, e.Engine, e.DSN, e.Clock)
		results := make(chan bool, 4)
		for i := 0; i < 4; i++ {
			s := e.S
			if i%2 == 1 {
				s = other
			}
			go func() {
				ran, err := privacy.Retention{Store: s}.Daily(ctx)
				if err != nil && desk.ErrorCode(err) != desk.ECONFLICT {
					t.Errorf("daily: %v", err)
				}
				results <- ran
			}()
		}
		n := 0
		for i := 0; i < 4; i++ {
			if <-results {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the daily sweep ran %d times", n)
		}
		if c := e.DB.Count(t, `SELECT COUNT(*) FROM retention_runs`); c != 1 {
			t.Errorf("%d runs recorded", c)
		}
	})
}

// TestRetentionLeaverFails: a leaver whose erasure is refused (one of their calls was put on
// legal hold after DueLeavers listed them: here by a trigger as the leaver before them is erased)
// is noted on the leavers line and not counted; the other leaver is erased and the class after
// (the audit records) is still swept; the run is kept as having problems.
func TestRetentionLeaverFails(t *testing.T) {
	storetest.EachEnv(t, created, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := newRetentionFixture(t, e)
		dpo := storetest.Actor(e.F.Bob)
		stuck, err := e.S.CreatePerson(ctx, dpo, desk.Person{FirstName: "Stuck", LastName: "Tester", Email: "stuck@uni.example",
			Department: "Chemistry", Kind: desk.Student, Source: desk.FromManual})
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.S.CreateCall(ctx, dpo, desk.NewCall{Summary: "Grievance", CustomerID: stuck.ID, GroupID: e.F.ServiceDesk.ID})
		if err != nil {
			t.Fatal(err)
		}
		at := sweepAt.AddDate(0, -1, 0).UnixMicro()
		e.DB.MustExec(t, `UPDATE calls SET state = 'closed', resolution = 'Done', resolved_at = ?, closed_at = ? WHERE id = ?`, at, at, c.ID)
		e.DB.MustExec(t, `UPDATE people SET left_at = ?, active = 0 WHERE id = ?`, sweepAt.AddDate(-2, 0, 1).UnixMicro(), stuck.ID)
		// The hold is placed while the sweep runs, as the leaver listed before them (lGone) is
		// erased: DueLeavers passes over a call on hold it sees.
		hold := fmt.Sprintf(`INSERT INTO legal_holds (call_id, reason, placed_by, placed_at) SELECT %d, 'Grievance 9', 'Bob', %d
			WHERE NOT EXISTS (SELECT 1 FROM legal_holds WHERE call_id = %d)`, c.ID, sweepAt.UnixMicro(), c.ID)
		if e.Engine == "sqlite" {
			e.DB.MustExec(t, `CREATE TRIGGER hold_stuck AFTER INSERT ON erasures BEGIN `+hold+`; END`)
		} else {
			e.DB.MustExec(t, `CREATE FUNCTION hold_stuck() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN `+hold+`; RETURN NEW; END $$`)
			e.DB.MustExec(t, `CREATE TRIGGER hold_stuck AFTER INSERT ON erasures FOR EACH ROW EXECUTE FUNCTION hold_stuck()`)
		}
		if _, err := audit.Seal(ctx, e.S); err != nil {
			t.Fatal(err)
		}
		e.Clock.Set(sweepAt)
		run, err := privacy.Retention{Store: e.S}.Sweep(ctx, dpo, false)
		if err == nil || !strings.Contains(err.Error(), "person "+itoa(stuck.ID)+" not erased") {
			t.Fatalf("the sweep's error: %v", err)
		}
		if run.State != "failed" || !strings.Contains(run.Error, "person "+itoa(stuck.ID)) || strings.Contains(run.Error, "Stuck") {
			t.Errorf("the run: %s %q", run.State, run.Error)
		}
		var leavers store.RetentionLine
		for _, l := range run.Lines {
			if l.Class == store.ClassLeavers {
				leavers = l
			}
		}
		if leavers.Count != 1 || !strings.Contains(leavers.Note, "person "+itoa(stuck.ID)+" not erased") || !strings.Contains(leavers.Note, "hold") {
			t.Errorf("the leavers line: %+v", leavers)
		}
		if got := counts(run); len(run.Lines) != len(store.RetentionClasses()) || got[store.ClassAuditRecords] == 0 {
			t.Errorf("the classes after the leavers were not swept: %v", got)
		}
		if _, err := e.S.Erasure(ctx, f.ids["lGone"]); err != nil {
			t.Errorf("the other leaver was not erased: %v", err)
		}
		if _, err := e.S.Erasure(ctx, stuck.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("the leaver with a call on hold was erased: %v", err)
		}
		runs, err := e.S.RetentionRuns(ctx, 1)
		if err != nil || len(runs) != 1 || runs[0].State != "failed" || !strings.Contains(runs[0].Error, "person "+itoa(stuck.ID)) {
			t.Errorf("the kept run: %+v %v", runs, err)
		}
	})
}
