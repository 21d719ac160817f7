package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// Content written before the master key file was given (a special call with its note and hold,
// a file, stored emails on a call and in quarantine, a subject access bundle, a second-factor
// secret) is sealed where it is by SealExisting, in small batches: afterwards every such row
// has its key and no plaintext, every read gives the content as written, the plain call stays
// plain, its words are blind in the index and found by a reader allowed to read it (not by
// another), the database's bytes hold none of it, and a second run seals nothing.
func TestSealExisting(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		admin := e.F.Admin
		e.S.SetKeys(nil)

		special, plain := sealedCall(t, e.S, e.F)
		fileText := []byte("Grievance notes ZEBRAFINCH-7731 by the complainant\n")
		withFile, err := e.S.CreateCallWithAttachments(ctx, storetest.Actor(e.F.Dan), desk.NewCall{Summary: "Notes attached", CustomerID: e.F.Dan.ID, Source: desk.SourcePortal},
			"Files: notes.txt", []desk.Upload{{Filename: "notes.txt", Data: fileText}}, desk.AttachmentRules{})
		if err != nil {
			t.Fatal(err)
		}
		rules := store.IngestRules{PerSenderHour: 100}
		known := store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 1, MessageID: "k1@mail.example", From: e.F.Dan.Email,
			Subject: "Laptop fan", Text: "It is loud", Raw: []byte("X-Case: OSPREY-4410\r\nSubject: Laptop fan\r\n\r\nIt is loud"),
			GroupID: e.F.ServiceDesk.ID, ProfileID: e.F.Outlook.ID}
		if d, err := e.S.IngestMail(ctx, known, rules); err != nil || d.CallRef == "" {
			t.Fatalf("take in: %+v %v", d, err)
		}
		strangerRaw := []byte("X-Case: KESTREL-9920\r\nSubject: Hello\r\n\r\nPlease call me")
		quarantined, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "sd", UIDValidity: 1, UID: 2, MessageID: "s1@mail.example", From: "who@elsewhere.example",
			Subject: "Hello", Text: "Please call me", Raw: strangerRaw, GroupID: e.F.ServiceDesk.ID, ProfileID: e.F.Outlook.ID}, rules)
		if err != nil || quarantined.Disposition != store.MailQuarantine {
			t.Fatalf("quarantine: %+v %v", quarantined, err)
		}
		q, err := e.S.LogSubjectRequest(ctx, ann, desk.SubjectRequest{PersonID: e.F.Dan.ID, Kind: desk.RequestAccess, ReceivedAt: e.Clock.Now(),
			IdentityAt: e.Clock.Now(), IdentityHow: "card"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.QueueSARBundle(ctx, ann, q.ID); err != nil {
			t.Fatal(err)
		}
		bundle, ok, err := e.S.ClaimSARBundle(ctx)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		const zip = "everything about Dan Dawson, PANGOLIN zip"
		if err := e.S.FinishSARBuild(ctx, bundle.ID, bundle.StartedAt, nil, []byte(zip), nil); err != nil {
			t.Fatal(err)
		}
		acct, err := e.S.CreateAccount(ctx, admin, desk.Account{PersonID: e.F.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		const secret = "JBSWY3DPEHPK3PXPMARMOSET2SECRET"
		if err := e.S.BeginSecondFactor(ctx, admin, acct.ID, secret); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys`); n != 0 {
			t.Fatalf("%d data keys made without master keys", n)
		}
		entries := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND body <> ''`, special.ID)
		want := map[string]int{"calls": 1, "diary_entries": entries, "attachments": 1, "mail_messages": 2, "sar_bundles": 1, "second_factors": 1}

		// Without master keys there is nothing to seal with.
		if _, _, err := e.S.SealExisting(ctx, admin, "calls", 0, 10); desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(err.Error(), "master key") {
			t.Fatalf("without keys: %v", err)
		}
		e.S.SetKeys(storetest.Keys(t))
		if _, _, err := e.S.SealExisting(ctx, admin, "people", 0, 10); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a table with nothing sealed: %v", err)
		}
		sealAll := func() map[string]int {
			got := map[string]int{}
			for _, table := range store.SealTables() {
				after, batches := int64(0), 0
				for {
					n, last, err := e.S.SealExisting(ctx, admin, table, after, 1)
					if err != nil {
						t.Fatalf("seal %s after %d: %v", table, after, err)
					}
					if last == 0 {
						break
					}
					if last <= after {
						t.Fatalf("seal %s: went from %d back to %d", table, after, last)
					}
					got[table] += n
					after, batches = last, batches+1
				}
			}
			return got
		}
		if got := sealAll(); !mapsEqual(got, want) {
			t.Errorf("sealed %v, want %v", got, want)
		}
		rows := 0
		for _, n := range want {
			rows += n
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'keys.seal'`); n != rows {
			t.Errorf("%d audit records of the batches that sealed, want %d (one a row: batches of 1)", n, rows)
		}

		// The rows: each under its key, none plain.
		var summary, desc, hold string
		var key sql.NullInt64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT summary, description, hold_reason, key_id FROM calls WHERE id = ?`), special.ID).Scan(&summary, &desc, &hold, &key); err != nil {
			t.Fatal(err)
		}
		if !key.Valid || strings.Contains(summary+desc+hold, "okapi") || strings.Contains(summary, "Okapi") {
			t.Errorf("the special call's row holds its text: key %v, %q %q %q", key, summary, desc, hold)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE id = ? AND owner_kind = 'call' AND owner_id = ?`, key.Int64, special.ID); n != 1 {
			t.Error("the special call is not sealed under its own key")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND body <> '' AND (key_id IS NULL OR key_id <> ? OR body LIKE '%okapi%')`, special.ID, key.Int64); n != 0 {
			t.Errorf("%d diary entries of the special call are not sealed under its key", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id IS NULL AND description = ?`, plain.ID, plainDesc); n != 1 {
			t.Error("the plain call is not plain")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries d JOIN calls c ON c.id = d.call_id WHERE d.key_id IS NOT NULL AND NOT c.special_category`); n != 0 {
			t.Errorf("%d diary entries of plain calls were sealed", n)
		}
		for _, table := range []string{"attachments", "mail_messages", "sar_bundles", "second_factors"} {
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM `+table+` WHERE key_id IS NULL`); n != 0 {
				t.Errorf("%d rows of %s are plain", n, table)
			}
		}
		var rawZip []byte
		var rawSecret string
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT zip FROM sar_bundles WHERE id = ?`), bundle.ID).Scan(&rawZip); err != nil {
			t.Fatal(err)
		}
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT secret FROM second_factors WHERE account_id = ?`), acct.ID).Scan(&rawSecret); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rawZip, []byte("PANGOLIN")) || strings.Contains(rawSecret, "MARMOSET") {
			t.Errorf("stored plain: %q %q", rawZip, rawSecret)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM mail_messages m JOIN data_keys k ON k.id = m.key_id WHERE m.id = ? AND k.owner_kind = 'message' AND k.owner_id = m.id`, quarantined.ID); n != 1 {
			t.Error("the quarantined message is not sealed under its own key")
		}

		// The reads give the content as written.
		checkReadsPlain(t, e.S, special)
		if got, err := e.S.FindCallByRef(ctx, plain.Ref); err != nil || got.Description != plainDesc {
			t.Errorf("the plain call: %q %v", got.Description, err)
		}
		atts, err := e.S.Attachments(ctx, withFile.ID, true)
		if err != nil || len(atts) != 1 {
			t.Fatalf("attachments %+v %v", atts, err)
		}
		if a, err := e.S.Attachment(ctx, atts[0].ID); err != nil || !bytes.Equal(a.Data, fileText) {
			t.Errorf("attachment read back: %q %v", a.Data, err)
		}
		if raw, _, err := e.S.QuarantinedRaw(ctx, quarantined.ID); err != nil || !bytes.Equal(raw, strangerRaw) {
			t.Errorf("quarantined raw: %q %v", raw, err)
		}
		if _, z, err := e.S.SARArchiveZip(ctx, ann, bundle.ID, "encrypted archive", time.Hour); err != nil || string(z) != zip {
			t.Errorf("zip read back: %q %v", z, err)
		}
		if f, err := e.S.FindSecondFactor(ctx, acct.ID); err != nil || f.Secret != secret {
			t.Errorf("secret read back: %q %v", f.Secret, err)
		}

		// Search: the special call's words are blind now; Cat (of its group) finds it, Bob not.
		reader := func(p desk.Person) desk.Reader {
			groups, err := e.S.GroupsOf(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			return desk.Reader{PersonID: p.ID, Groups: groups}
		}
		cat, bob := reader(e.F.Cat), reader(e.F.Bob)
		for _, word := range []string{"okapi", "quagga", "mondays"} {
			if calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Text: word, Reader: &cat}); err != nil || len(calls) != 1 || calls[0].Ref != special.Ref {
				t.Errorf("Cat's search for %q: %v %v", word, refsOf(calls), err)
			}
			if calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Text: word, Reader: &bob}); err != nil || len(calls) != 0 {
				t.Errorf("Bob's search for %q: %v %v", word, refsOf(calls), err)
			}
		}
		if e.Engine == "postgres" {
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE search @@ to_tsquery('simple', 'okapi | quagga | mondays')`); n != 0 {
				t.Errorf("the search vectors of %d calls hold a word of the sealed call", n)
			}
		}
		if _, err := e.S.CompactSearchIfDue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.ShredIfDue(ctx); err != nil {
			t.Fatal(err)
		}
		noPlaintext(t, e, "ZEBRAFINCH", "OSPREY", "KESTREL")
		if e.Engine == "sqlite" {
			noPlaintext(t, e, secretDesc, secretNote, secretHold, secretSummary, "okapi", "quagga", "PANGOLIN", "MARMOSET")
		}

		// A second run seals nothing, and writes no audit record.
		if got := sealAll(); slices.ContainsFunc(store.SealTables(), func(tb string) bool { return got[tb] != 0 }) {
			t.Errorf("a second run sealed %v", got)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'keys.seal'`); n != rows {
			t.Errorf("%d audit records after a second run, want %d", n, rows)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// Two runs of SealExisting at once (two operators, or a run restarted while the first goes on)
// seal each plain row once between them, and leave alone a call a running instance with master
// keys wrote sealed meanwhile; every call reads back as written.
func TestSealExistingTwiceAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		e.S.SetKeys(nil)
		const calls = 12
		var refs []string
		for i := range calls {
			c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: "Okapi " + strings.Repeat("x", i), Description: secretDesc, CustomerID: e.F.Dan.ID,
				GroupID: e.F.Networks.ID, SpecialCategory: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, secretNote); err != nil {
				t.Fatal(err)
			}
			refs = append(refs, c.Ref)
		}
		e.S.SetKeys(storetest.Keys(t))
		sealedBefore, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: "Okapi sealed", Description: secretDesc, CustomerID: e.F.Dan.ID,
			GroupID: e.F.Networks.ID, SpecialCategory: true})
		if err != nil {
			t.Fatal(err)
		}
		var key int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT key_id FROM calls WHERE id = ?`), sealedBefore.ID).Scan(&key); err != nil {
			t.Fatal(err)
		}
		entries := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE key_id IS NULL AND body <> ''`)
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := map[string]int{}
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, table := range []string{"calls", "diary_entries"} {
					after := int64(0)
					for {
						n, last, err := e.S.SealExisting(ctx, e.F.Admin, table, after, 3)
						if err != nil {
							t.Errorf("seal %s: %v", table, err)
							return
						}
						if last == 0 {
							break
						}
						mu.Lock()
						got[table] += n
						mu.Unlock()
						after = last
					}
				}
			}()
		}
		wg.Wait()
		if got["calls"] != calls || got["diary_entries"] != entries {
			t.Errorf("sealed %v between the two runs, want %d calls and %d entries, each once", got, calls, entries)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE special_category AND key_id IS NULL`); n != 0 {
			t.Errorf("%d special calls left plain", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id = ?`, sealedBefore.ID, key); n != 1 {
			t.Error("the call sealed by a running instance was sealed again")
		}
		for _, ref := range append(refs, sealedBefore.Ref) {
			c, err := e.S.FindCallByRef(ctx, ref)
			if err != nil || c.Description != secretDesc || !strings.HasPrefix(c.Summary, "Okapi") {
				t.Errorf("%s read back: %q %q %v", ref, c.Summary, c.Description, err)
			}
			diary, err := e.S.Diary(ctx, c.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(diary, func(x desk.Entry) bool { return x.Text == secretNote }) && ref != sealedBefore.Ref {
				t.Errorf("%s diary read back: %+v", ref, diary)
			}
		}
	})
}

// Sealing a million-call desk's diary reads the entries in id order and looks up each one's call
// by its key: the plan reads no call but by its key (an IN over the special calls read every call
// for each batch: minutes a batch at a million calls).
func TestSealExistingDiaryPlan(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		text := queryPlan(t, e, store.SealSelect("diary_entries"), 0, 500)
		if strings.Contains(text, "SCAN sc") || strings.Contains(text, "SCAN calls") || strings.Contains(text, "LIST SUBQUERY") ||
			strings.Contains(text, "Seq Scan on calls") {
			t.Errorf("the diary's seal reads every call:\n%s", text)
		}
	})
}

// An erasure rekeys every sealed call it scrubs: the rows under the call's old key are found
// through an index of each table holding them, never by reading the table whole (calls and
// diary entries have no index of their key column: per call, a full read of both at a million
// calls).
func TestResealPlans(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		for _, table := range store.SealTables() {
			text := queryPlan(t, e, store.ResealSelect(table), 7, 7)
			if strings.Contains(text, "SCAN "+table) || strings.Contains(text, "Seq Scan on "+table) {
				t.Errorf("rekeying reads %s whole:\n%s", table, text)
			}
		}
	})
}
