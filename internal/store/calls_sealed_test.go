package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// The sentences of a special-category call, each of several words: the search index holds the
// words of a special call (its words, not its text), never a sentence of it.
const (
	secretDesc    = "secretsentence my okapi condition flares on mondays"
	secretSummary = "Okapi adjustments for quagga"
	secretNote    = "diarysentence the okapi clinic letter arrived"
	secretHold    = "holdsentence waiting for the okapi clinic"
	plainDesc     = "plainsentence the toner of the quokka printer leaked"
)

// sealedCall logs a special-category call and a plain one on e, with a note and a hold on the
// special one, and returns them.
func sealedCall(t *testing.T, s *store.Store, f storetest.Fixture) (special, plain desk.Call) {
	t.Helper()
	ctx := context.Background()
	ann := storetest.Actor(f.Ann)
	var err error
	plain, err = s.CreateCall(ctx, ann, desk.NewCall{Summary: "Toner leak", Description: plainDesc, CustomerID: f.Dan.ID, GroupID: f.Networks.ID})
	if err != nil {
		t.Fatal(err)
	}
	special, err = s.CreateCall(ctx, ann, desk.NewCall{Summary: secretSummary, Description: secretDesc, CustomerID: f.Dan.ID,
		GroupID: f.Networks.ID, SpecialCategory: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEntry(ctx, ann, special.Ref, desk.EntryNote, secretNote); err != nil {
		t.Fatal(err)
	}
	special, err = s.UpdateCall(ctx, ann, special.Ref, 0, desk.Transition{Action: desk.ActHold, Until: time.Now().Add(48 * time.Hour), Reason: secretHold})
	if err != nil {
		t.Fatal(err)
	}
	return special, plain
}

// checkReadsPlain checks that every read of the store gives the special call's text as written.
func checkReadsPlain(t *testing.T, s *store.Store, special desk.Call) {
	t.Helper()
	ctx := context.Background()
	c, err := s.FindCallByRef(ctx, special.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if c.Summary != secretSummary || c.Description != secretDesc || c.HoldReason != secretHold {
		t.Errorf("read back: %q / %q / %q", c.Summary, c.Description, c.HoldReason)
	}
	diary, err := s.Diary(ctx, special.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, e := range diary {
		bodies = append(bodies, e.Text)
	}
	if !slices.Contains(bodies, secretNote) || !strings.Contains(strings.Join(bodies, "\n"), secretHold) {
		t.Errorf("diary read back: %q", bodies)
	}
	for _, brief := range []bool{false, true} {
		calls, _, err := s.FindCalls(ctx, store.CallFilter{Text: "okapi", Brief: brief})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 1 || calls[0].Ref != special.Ref || calls[0].Summary != secretSummary {
			t.Errorf("search for a word of the sealed text (brief %v): %+v", brief, calls)
		}
	}
	entries, err := s.SAREntriesOf(ctx, []int64{special.ID})
	if err != nil || len(entries) == 0 || !slices.ContainsFunc(entries, func(e store.SAREntry) bool { return e.Text == secretNote }) {
		t.Errorf("SAR entries: %+v %v", entries, err)
	}
}

// A special-category call's text and diary are sealed in the database and read back as written
// everywhere; the database's bytes hold none of its sentences (a plain call's are there, so the
// check can see); a store without the master key, or with another, refuses to show it.
func TestSpecialCallTextSealedAtRest(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			s := storetest.OpenDSN(t, engine, dsn, nil)
			f := storetest.Seed(t, s)
			special, plain := sealedCall(t, s, f)
			checkReadsPlain(t, s, special)

			raw := storetest.Raw(t, engine, dsn)
			var summary, desc, hold string
			var key sql.NullInt64
			if err := raw.QueryRow(raw.Rebind(`SELECT summary, description, hold_reason, key_id FROM calls WHERE id = ?`), special.ID).Scan(&summary, &desc, &hold, &key); err != nil {
				t.Fatal(err)
			}
			if !key.Valid || strings.Contains(summary+desc+hold, "okapi") || strings.Contains(summary, "Okapi") {
				t.Errorf("the call's row holds its text: key %v, %q %q %q", key, summary, desc, hold)
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND (key_id IS NULL OR body LIKE '%okapi%')`, special.ID); n != 0 {
				t.Errorf("%d diary entries of the special call are plain", n)
			}
			if n := raw.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id IS NULL AND description = ?`, plain.ID, plainDesc); n != 1 {
				t.Error("the plain call is not plain")
			}

			if engine == "sqlite" {
				raw.Close()
				s.Close() // checkpoints the WAL into the database file
				var all []byte
				for _, p := range []string{dsn, dsn + "-wal"} {
					b, err := os.ReadFile(p)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					all = append(all, b...)
				}
				if !bytes.Contains(all, []byte(plainDesc)) {
					t.Fatal("the plain call's text is not in the database file: the check cannot see")
				}
				for _, secret := range []string{secretDesc, secretNote, secretHold, secretSummary} {
					if bytes.Contains(all, []byte(secret)) {
						t.Errorf("the database file holds %q", secret)
					}
				}
				// Not even a word of it: the index holds the words of a sealed call blind.
				for _, word := range []string{"okapi", "quagga", "Okapi"} {
					if bytes.Contains(all, []byte(word)) {
						t.Errorf("the database file holds the word %q", word)
					}
				}
			} else if n := raw.Count(t, `SELECT COUNT(*) FROM calls WHERE search @@ to_tsquery('simple', 'okapi | quagga | mondays')`); n != 0 {
				t.Errorf("the search vectors of %d calls hold a word of the sealed call", n)
			}

			// Without the master key file, or with another key, the text is refused, never garbage.
			for _, c := range []struct {
				name string
				st   *store.Store
				want string
			}{
				{"no key file", openWith(t, dsn, nil), "--master-keys-file"},
				{"another key", openWith(t, dsn, newRing(t, genKey(t))), "cannot be opened"},
			} {
				_, err := c.st.FindCallByRef(ctx, special.Ref)
				if desk.ErrorCode(err) != desk.EINTERNAL || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: %v", c.name, err)
				}
				if _, err := c.st.Diary(ctx, special.ID, true); err == nil {
					t.Errorf("%s: the diary was read", c.name)
				}
				if got, err := c.st.FindCallByRef(ctx, plain.Ref); err != nil || got.Description != plainDesc {
					t.Errorf("%s: the plain call: %q %v", c.name, got.Description, err)
				}
			}
		})
	}
}

// Marking a call special category seals the text and diary it has, and moves its words to the
// special parts of the index; taking the mark off writes them plain again.
func TestMarkSpecialCategorySealsAndUnseals(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: secretSummary, Description: secretDesc, CustomerID: e.F.Dan.ID, GroupID: e.F.Networks.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, secretNote); err != nil {
			t.Fatal(err)
		}
		sealed := func() (call, entries int) {
			return e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id IS NOT NULL AND description <> ?`, c.ID, secretDesc),
				e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND key_id IS NOT NULL`, c.ID)
		}
		if a, b := sealed(); a != 0 || b != 0 {
			t.Fatalf("a plain call is sealed: %d %d", a, b)
		}
		// Bob (Service Desk) may not read special calls of Networks: he finds it while it is plain.
		groups, err := e.S.GroupsOf(ctx, e.F.Bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		bob := desk.Reader{PersonID: e.F.Bob.ID, Groups: groups}
		finds := func() bool {
			calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Text: "okapi", Reader: &bob})
			if err != nil {
				t.Fatal(err)
			}
			return len(calls) == 1
		}
		if !finds() {
			t.Fatal("the plain call is not found")
		}
		if _, err := e.S.MarkSpecialCategory(ctx, ann, c.Ref, 0, true, ""); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a mark without a reason: %v", err)
		}
		m, err := e.S.MarkSpecialCategory(ctx, ann, c.Ref, 0, true, "the customer described a health condition")
		if err != nil || !m.SpecialCategory {
			t.Fatalf("mark: %+v %v", m, err)
		}
		if a, b := sealed(); a != 1 || b < 1 || b != e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ?`, c.ID) {
			t.Fatalf("marked: call sealed %d, entries sealed %d", a, b)
		}
		if finds() {
			t.Error("a reader who may not read the special call still finds it by its words")
		}
		got, err := e.S.FindCallByRef(ctx, c.Ref)
		if err != nil || got.Description != secretDesc || !got.SpecialCategory {
			t.Fatalf("marked call read back: %q %v", got.Description, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.special_category'`); n != 1 {
			t.Errorf("%d audit records of the mark", n)
		}
		if m.UpdatedAt.Before(got.LoggedAt) || !m.UpdatedAt.Equal(got.UpdatedAt) {
			t.Errorf("the marked call says it was updated at %v, the database %v", m.UpdatedAt, got.UpdatedAt)
		}
		// Article 18: while the customer's processing is restricted the mark stays on.
		if err := e.S.Restrict(ctx, e.F.Admin, c.CustomerID, true, "contests accuracy"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.MarkSpecialCategory(ctx, ann, c.Ref, 0, false, "marked by mistake"); desk.ErrorCode(err) != desk.EFORBIDDEN {
			t.Fatalf("the mark taken off a restricted person's call: %v", err)
		}
		if err := e.S.Restrict(ctx, e.F.Admin, c.CustomerID, false, "resolved"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.MarkSpecialCategory(ctx, ann, c.Ref, 0, false, "marked by mistake"); err != nil {
			t.Fatal(err)
		}
		if a, b := sealed(); a != 0 || b != 0 {
			t.Errorf("unmarked: still sealed %d %d", a, b)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id IS NULL AND description = ?`, c.ID, secretDesc); n != 1 {
			t.Error("unmarked: the text is not plain")
		}
		if !finds() {
			t.Error("unmarked: the call's words are not back in the parts every analyst searches")
		}
		diary, err := e.S.Diary(ctx, c.ID, true)
		if err != nil || !slices.ContainsFunc(diary, func(x desk.Entry) bool { return x.Text == secretNote }) {
			t.Errorf("unmarked diary: %+v %v", diary, err)
		}
	})
}

// Erasure finds a person named in another customer's sealed special-category text (the mention
// finder opens it), scrubs it, and seals it again; the call's own text is otherwise kept.
func TestErasureScrubsSealedCallText(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		c, err := e.S.CreateCall(ctx, ann, desk.NewCall{Summary: "Okapi support", Description: "my okapi condition; Eve Evans knows about it",
			CustomerID: e.F.Dan.ID, GroupID: e.F.Networks.ID, SpecialCategory: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AddEntry(ctx, ann, c.Ref, desk.EntryNote, "spoke to eevans@uni.example about the okapi clinic"); err != nil {
			t.Fatal(err)
		}
		ms, err := e.S.FindMentions(ctx, desk.NewScrubber(desk.IdentifiersOf(e.F.Eve), "ZZ-PSEUDO"), store.MentionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var where []string
		for _, m := range ms {
			if m.CallID == c.ID {
				where = append(where, m.Table+"."+m.Column)
			}
		}
		slices.Sort(where)
		if !slices.Equal(where, []string{"calls.description", "diary_entries.body"}) {
			t.Fatalf("mentions in the sealed call: %q (all %+v)", where, ms)
		}
		dpo := storetest.Actor(e.F.Ann)
		if _, err := e.S.ErasePerson(ctx, dpo, desk.Erasure{PersonID: e.F.Eve.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "Eve withdrew consent by letter; nothing requires us to keep it.", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		got, err := e.S.FindCallByRef(ctx, c.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got.Description, "Eve Evans") || !strings.Contains(got.Description, "my okapi condition") {
			t.Errorf("scrubbed description: %q", got.Description)
		}
		diary, err := e.S.Diary(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range diary {
			if strings.Contains(x.Text, "eevans") {
				t.Errorf("diary still names her: %q", x.Text)
			}
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id IS NOT NULL AND description NOT LIKE '%okapi%'`, c.ID); n != 1 {
			t.Error("the scrubbed text is not sealed again")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE call_id = ? AND kind = 'note' AND (key_id IS NULL OR body LIKE '%okapi%')`, c.ID); n != 0 {
			t.Error("the scrubbed note is not sealed again")
		}
	})
}

// A second-factor secret is sealed under its account's key; a reset destroys the key, and a new
// enrolment gets a new one.
func TestSecondFactorSecretSealed(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		acct, err := e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: e.F.Ann.ID, Login: "aarcher", Roles: []desk.Role{desk.RoleAnalyst}})
		if err != nil {
			t.Fatal(err)
		}
		const secret = "JBSWY3DPEHPK3PXPQUAGGA2SECRET"
		if err := e.S.BeginSecondFactor(ctx, e.F.Admin, acct.ID, secret); err != nil {
			t.Fatal(err)
		}
		if f, err := e.S.FindSecondFactor(ctx, acct.ID); err != nil || f.Secret != secret {
			t.Fatalf("read back: %q %v", f.Secret, err)
		}
		keyOf := func() (key int64) {
			var stored string
			var k sql.NullInt64
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT secret, key_id FROM second_factors WHERE account_id = ?`), acct.ID).Scan(&stored, &k); err != nil {
				t.Fatal(err)
			}
			if !k.Valid || strings.Contains(stored, "QUAGGA") {
				t.Fatalf("stored plain: %q key %v", stored, k)
			}
			return k.Int64
		}
		first := keyOf()
		if err := e.S.ResetSecondFactor(ctx, e.F.Admin, acct.ID); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE id = ?`, first); n != 0 {
			t.Error("the reset left the secret's key")
		}
		if err := e.S.BeginSecondFactor(ctx, e.F.Admin, acct.ID, secret); err != nil {
			t.Fatal(err)
		}
		if second := keyOf(); second == first {
			t.Error("a new enrolment reused the key")
		}
		if f, err := e.S.FindSecondFactor(ctx, acct.ID); err != nil || f.Secret != secret {
			t.Fatalf("read back again: %q %v", f.Secret, err)
		}
	})
}

// A subject access bundle's zip and model are sealed under the bundle's key, read back whole,
// and the key is destroyed when the bundle expires.
func TestSARBundleSealed(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		const zip, model = "everything about Dan Dawson, quagga zip", `{"note": "Dan Dawson quagga model"}`
		final := buildBundle(t, e, e.F.Dan.ID, "", zip, nil)
		review := buildBundle(t, e, e.F.Dan.ID, model, "", []store.SARRedaction{{N: 1, Where: "note", Original: "Dan Dawson", Kind: "name"}})
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sar_bundles WHERE key_id IS NOT NULL AND (zip IS NOT NULL OR model IS NOT NULL)`); n != 2 {
			t.Fatalf("%d bundles sealed, want 2", n)
		}
		var rawZip, rawModel []byte
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT zip FROM sar_bundles WHERE id = ?`), final.ID).Scan(&rawZip); err != nil {
			t.Fatal(err)
		}
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT model FROM sar_bundles WHERE id = ?`), review.ID).Scan(&rawModel); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(rawZip, []byte("quagga")) || bytes.Contains(rawModel, []byte("quagga")) {
			t.Fatalf("stored plain: %q %q", rawZip, rawModel)
		}
		if m, err := e.S.SARModel(ctx, review.ID); err != nil || string(m) != model {
			t.Fatalf("model read back: %q %v", m, err)
		}
		if _, z, err := e.S.SARArchiveZip(ctx, ann, final.ID, "encrypted archive", time.Hour); err != nil || string(z) != zip {
			t.Fatalf("zip read back: %q %v", z, err)
		}
		var key int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT key_id FROM sar_bundles WHERE id = ?`), final.ID).Scan(&key); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(2 * time.Hour)
		if n, err := e.S.ExpireSARBundles(ctx, 10, 24*time.Hour); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE id = ?`, key); n != 0 {
			t.Error("the expired bundle's key is still there")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE owner_kind = 'bundle' AND owner_id = ?`, review.ID); n != 1 {
			t.Error("the bundle in review lost its key")
		}
	})
}

// Rekeying a special call (what an erasure does once it scrubbed it) re-seals its text and
// diary under a new key, empty fields staying empty, and destroys the old key.
func TestRekeySpecialCall(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		special, _ := sealedCall(t, e.S, e.F)
		var old int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT key_id FROM calls WHERE id = ?`), special.ID).Scan(&old); err != nil {
			t.Fatal(err)
		}
		if n, err := e.S.RekeyForTest(ctx, store.KeyOwnerCall, special.ID); err != nil || n != 1 {
			t.Fatalf("rekey: %d %v", n, err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE id = ?`, old); n != 0 {
			t.Error("the old key is still there")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND key_id <> ? AND resolution = '' AND cancel_note = ''`, special.ID, old); n != 1 {
			t.Error("the call is not under its new key, or an empty field was sealed")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM diary_entries WHERE key_id = ?`, old); n != 0 {
			t.Errorf("%d diary entries left under the old key", n)
		}
		checkReadsPlain(t, e.S, special)
	})
}

// A special-category call logged with its text sealed is indexed from the text as written, not
// read back and opened (Tx.fresh): its document is the one a rebuild from the database gives,
// for calls logged together in one batch, in triage, with a first entry or assigned (whose
// documents come from the database), and for one changed later in the same transaction.
func TestFreshSealedCallDocument(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			s := storetest.Open(t, engine, nil)
			f := storetest.Seed(t, s)
			ann := storetest.Actor(f.Ann)
			var mu sync.Mutex
			docs := map[int64]store.SealedDoc{}
			s.WatchSealedDocs(func(ds []store.SealedDoc) {
				mu.Lock()
				defer mu.Unlock()
				for _, d := range ds {
					docs[d.ID] = d
				}
			})
			news := []desk.NewCall{
				{Summary: "Okapi adjustments", Description: "my quagga condition flares", CustomerID: f.Dan.ID, SpecialCategory: true},
				{Summary: "Zebra letter", Description: "the clinic wrote about my aardvark", CustomerID: f.Dan.ID, SpecialCategory: true, TriagePending: true},
				{Summary: "Tapir access", Description: "a ramp for my wombat chair", CustomerID: f.Dan.ID, SpecialCategory: true, GroupID: f.Networks.ID},
				{Summary: "Toner", Description: "plain text of a plain call", CustomerID: f.Dan.ID},
			}
			var wg sync.WaitGroup
			calls := make([]desk.Call, 3*len(news))
			for i := range calls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					if calls[i], err = s.CreateCall(ctx, ann, news[i%len(news)]); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			// Logged with a first entry (the portal's form with files): changed after its creation
			// in the same transaction.
			withEntry, err := s.CreateCallWithAttachments(ctx, ann, news[0], "the letter from the okapi clinic",
				[]desk.Upload{{Filename: "letter.txt", Data: []byte("letter")}}, desk.AttachmentRules{})
			if err != nil {
				t.Fatal(err)
			}
			calls = append(calls, withEntry)
			mu.Lock()
			first := maps.Clone(docs)
			clear(docs)
			mu.Unlock()
			var ids []int64
			for _, c := range calls {
				ids = append(ids, c.ID)
			}
			if err := s.ReindexForTest(ctx, ids...); err != nil {
				t.Fatal(err)
			}
			for _, c := range calls {
				a, b := first[c.ID], docs[c.ID]
				if !c.SpecialCategory {
					if a.ID != 0 || b.ID != 0 {
						t.Errorf("the plain call %s was indexed as sealed", c.Ref)
					}
					continue
				}
				if a.ID == 0 || b.ID == 0 || !a.Special || a.Info != b.Info || a.Mail != b.Mail {
					t.Errorf("%s: logged with document %+v, rebuilt from the database %+v", c.Ref, a, b)
				}
			}
			// Its six words and the entry's six, blind.
			if d := first[withEntry.ID]; len(strings.Fields(d.Info)) != 12 {
				t.Errorf("the call logged with an entry: %+v", d)
			}
			for word, want := range map[string]int{"quagga": 4, "aardvark": 3, "wombat": 3} {
				found, _, err := s.FindCalls(ctx, store.CallFilter{Text: word})
				if err != nil || len(found) != want {
					t.Errorf("search %q: %d calls, %v", word, len(found), err)
				}
			}
		})
	}
}

// A call logged with a description long enough that its text may not fit in its search document
// is listed for the mention finder to read whole (search_overflow), though nothing is read back
// for a call created in the transaction (Tx.fresh); a short one is not.
func TestFreshCallOverflow(t *testing.T) {
	ctx := context.Background()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			s := storetest.OpenDSN(t, engine, dsn, nil)
			f := storetest.Seed(t, s)
			ann := storetest.Actor(f.Ann)
			// One long word: its blind form is short, so only its length can list it.
			long, err := s.CreateCall(ctx, ann, desk.NewCall{Summary: "Pasted log", Description: strings.Repeat("x", 96_000),
				CustomerID: f.Dan.ID, SpecialCategory: true})
			if err != nil {
				t.Fatal(err)
			}
			short, err := s.CreateCall(ctx, ann, desk.NewCall{Summary: "Short", Description: "a few words", CustomerID: f.Dan.ID, SpecialCategory: true})
			if err != nil {
				t.Fatal(err)
			}
			raw := storetest.Raw(t, engine, dsn)
			for _, c := range []struct {
				call desk.Call
				want int
			}{{long, 1}, {short, 0}} {
				if n := raw.Count(t, `SELECT COUNT(*) FROM search_overflow WHERE call_id = ?`, c.call.ID); n != c.want {
					t.Errorf("%s (%d characters): listed %d times, want %d", c.call.Ref, len(c.call.Description), n, c.want)
				}
			}
		})
	}
}
