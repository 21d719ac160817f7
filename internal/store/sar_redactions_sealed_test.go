package store_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// A bundle's redaction candidates: another person's name, address and number, with the sentence
// each stands in (the address's empty), unlike anything else the tests write.
var sealedReds = []store.SARRedaction{
	{N: 1, Where: "calls.description 7", Original: "Wendeline Okapiwright", Kind: "name",
		Context: "Wendeline Okapiwright rang about the broken lift in block C", Link: "/calls/IN-7"},
	{N: 2, Where: "attachments.data 3", Original: "wokapi.home@mail.example", Kind: "email"},
	{N: 3, Where: "diary_entries.body 9", Original: "07700 900456", Kind: "phone",
		Context: "the tenant asked us to call 07700 900456 after six", Link: "/calls/IN-7#e9"},
}

// redactionSecrets are the words of sealedReds that must never be in the database in the clear.
var redactionSecrets = []string{"Okapiwright", "broken lift in block C", "wokapi.home", "900456", "tenant asked us"}

// buildBundle builds a bundle for person with model and zip and the candidates reds, as the
// SAR job does: in review when there are candidates, else final.
func buildBundle(t *testing.T, e *storetest.Env, person int64, model, zip string, reds []store.SARRedaction) store.SARBundle {
	t.Helper()
	ctx := context.Background()
	ann := storetest.Actor(e.F.Ann)
	q, err := e.S.LogSubjectRequest(ctx, ann, desk.SubjectRequest{PersonID: person, Kind: desk.RequestAccess, ReceivedAt: e.Clock.Now(),
		IdentityAt: e.Clock.Now(), IdentityHow: "card"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.QueueSARBundle(ctx, ann, q.ID); err != nil {
		t.Fatal(err)
	}
	b, ok, err := e.S.ClaimSARBundle(ctx)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if err := e.S.FinishSARBuild(ctx, b.ID, b.StartedAt, []byte(model), []byte(zip), reds); err != nil {
		t.Fatal(err)
	}
	b, err = e.S.SARBundle(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storedRedaction is a candidate's row as the database holds it.
type storedRedaction struct {
	n                 int
	original, context string
	key               sql.NullInt64
}

func storedRedactions(t *testing.T, e *storetest.Env, bundle int64) []storedRedaction {
	t.Helper()
	rows, err := e.DB.Query(e.DB.Rebind(`SELECT n, original, context, key_id FROM sar_redactions WHERE bundle_id = ? ORDER BY n`), bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedRedaction
	for rows.Next() {
		var r storedRedaction
		if err := rows.Scan(&r.n, &r.original, &r.context, &r.key); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// bundleKey is the key column of bundle's row (0: NULL).
func bundleKey(t *testing.T, e *storetest.Env, bundle int64) int64 {
	t.Helper()
	var k sql.NullInt64
	if err := e.DB.QueryRow(e.DB.Rebind(`SELECT key_id FROM sar_bundles WHERE id = ?`), bundle).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k.Int64
}

// checkRedactionsSealed checks that bundle's candidates are stored sealed under key, holding none
// of the secrets, an empty sentence staying empty.
func checkRedactionsSealed(t *testing.T, e *storetest.Env, bundle, key int64, want []store.SARRedaction) {
	t.Helper()
	got := storedRedactions(t, e, bundle)
	if len(got) != len(want) {
		t.Fatalf("%d candidates stored, want %d", len(got), len(want))
	}
	for i, r := range got {
		if !r.key.Valid || r.key.Int64 != key {
			t.Errorf("candidate %d is under key %v, want the bundle's %d", r.n, r.key, key)
		}
		if r.original == want[i].Original || (want[i].Context != "" && r.context == want[i].Context) {
			t.Errorf("candidate %d stored plain: %q %q", r.n, r.original, r.context)
		}
		if want[i].Context == "" && r.context != "" {
			t.Errorf("candidate %d: an empty sentence stored as %q", r.n, r.context)
		}
		for _, s := range redactionSecrets {
			if strings.Contains(r.original+r.context, s) {
				t.Errorf("candidate %d holds %q in the clear", r.n, s)
			}
		}
	}
}

// checkRedactionsRead checks that the review listing gives bundle's candidates as written.
func checkRedactionsRead(t *testing.T, s *store.Store, bundle int64, want []store.SARRedaction) []store.SARRedaction {
	t.Helper()
	got, err := s.SARRedactions(context.Background(), bundle)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d candidates, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		w := want[i]
		if r.N != w.N || r.Where != w.Where || r.Original != w.Original || r.Kind != w.Kind || r.Context != w.Context || r.Link != w.Link {
			t.Errorf("candidate %d read back as %+v, want %+v", w.N, r, w)
		}
	}
	return got
}

// noRedactionPlaintext checks the database holds none of the secrets in the clear: SQLite's file
// read whole after a checkpoint; PostgreSQL's candidates' rows.
func noRedactionPlaintext(t *testing.T, e *storetest.Env) {
	t.Helper()
	if e.Engine == "sqlite" {
		noPlaintext(t, &env{e}, redactionSecrets...)
		return
	}
	for _, s := range redactionSecrets {
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM sar_redactions WHERE position(? in original) > 0 OR position(? in context) > 0`, s, s); n > 0 {
			t.Errorf("%d candidates hold %q in the clear", n, s)
		}
	}
}

// With master keys, a bundle's redaction candidates are stored sealed under the bundle's key (the
// database's bytes hold neither identifier nor sentence), listed as written for the review, and
// decided; the bundle made final from the decisions is read back whole.
func TestSARRedactionsSealedAtRest(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		b := buildBundle(t, e, e.F.Dan.ID, `{"calls": "Wendeline Okapiwright rang about the broken lift in block C"}`, "", sealedReds)
		if b.State != store.BundleReview || b.Redactions != 3 || b.Pending != 3 {
			t.Fatalf("built: %+v", b)
		}
		key := bundleKey(t, e, b.ID)
		if key == 0 {
			t.Fatal("the bundle's model is not sealed")
		}
		checkRedactionsSealed(t, e, b.ID, key, sealedReds)
		checkRedactionsRead(t, e.S, b.ID, sealedReds)

		if err := e.S.DecideSARRedactions(ctx, ann, b.ID, "release", 2); err != nil {
			t.Fatal(err)
		}
		if err := e.S.DecideSARRedactions(ctx, ann, b.ID, "keep"); err != nil {
			t.Fatal(err)
		}
		got := checkRedactionsRead(t, e.S, b.ID, sealedReds)
		var decisions []string
		for _, r := range got {
			decisions = append(decisions, r.Decision)
		}
		if !slices.Equal(decisions, []string{"keep", "release", "keep"}) {
			t.Errorf("decisions %q", decisions)
		}
		checkRedactionsSealed(t, e, b.ID, key, sealedReds) // a decision leaves the text as it is

		// The final bundle, rendered from the decisions as the SAR job does (each kept
		// identifier in the model replaced by its mark).
		m, err := e.S.SARModel(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		final := string(m)
		for _, r := range got {
			if r.Decision == "keep" {
				final = strings.ReplaceAll(final, r.Original, "[redacted: "+strconv.Itoa(r.N)+"]")
			}
		}
		if final != `{"calls": "[redacted: 1] rang about the broken lift in block C"}` {
			t.Fatalf("rendered %s", final)
		}
		b, _ = e.S.SARBundle(ctx, b.ID)
		if err := e.S.FinaliseSARBundle(ctx, ann, b.ID, b.Version, []byte(final)); err != nil {
			t.Fatal(err)
		}
		if _, z, err := e.S.SARArchiveZip(ctx, ann, b.ID, "encrypted archive", time.Hour); err != nil || string(z) != final {
			t.Errorf("final bundle read back: %q %v", z, err)
		}
		checkRedactionsRead(t, e.S, b.ID, sealedReds)
		noRedactionPlaintext(t, e)
	})
}

// Without master keys the candidates are written plain, as before; SealExisting later seals them
// in batches under their bundle's key (made then), and they read back the same.
func TestSARRedactionsPlainThenSealed(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		e.S.SetKeys(nil)
		b := buildBundle(t, e, e.F.Dan.ID, `{"calls": "nothing"}`, "", sealedReds)
		for i, r := range storedRedactions(t, e, b.ID) {
			if r.key.Valid || r.original != sealedReds[i].Original || r.context != sealedReds[i].Context {
				t.Errorf("without keys, candidate %d stored as %+v", r.n, r)
			}
		}
		checkRedactionsRead(t, e.S, b.ID, sealedReds)

		e.S.SetKeys(storetest.Keys(t))
		total := 0
		for after := int64(0); ; {
			n, last, err := e.S.SealExisting(ctx, e.F.Admin, "sar_redactions", after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if last == 0 {
				break
			}
			total, after = total+n, last
		}
		if total != len(sealedReds) {
			t.Errorf("sealed %d candidates, want %d", total, len(sealedReds))
		}
		var key int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT id FROM data_keys WHERE owner_kind = 'bundle' AND owner_id = ?`), b.ID).Scan(&key); err != nil {
			t.Fatalf("the bundle's key: %v", err)
		}
		checkRedactionsSealed(t, e, b.ID, key, sealedReds)
		checkRedactionsRead(t, e.S, b.ID, sealedReds)
		if n, last, err := e.S.SealExisting(ctx, e.F.Admin, "sar_redactions", 0, 10); err != nil || n != 0 || last != 0 {
			t.Errorf("a second run: %d %d %v", n, last, err)
		}
		if _, err := e.S.ShredIfDue(ctx); err != nil {
			t.Fatal(err)
		}
		noRedactionPlaintext(t, e)
	})
}

// An erasure finds the person in another bundle's sealed candidates (the mention finder opens
// them) and scrubs them, sealed again under a new key of the bundle (the old one, which opens the
// candidates as they were in older copies, destroyed); a plain candidate is scrubbed as before;
// the other candidates and the final bundle's content are kept.
func TestErasureScrubsSealedRedactions(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		reds := []store.SARRedaction{
			{N: 1, Where: "calls.description 4", Original: "Eve Evans", Kind: "name", Context: "Eve Evans fixed the printer for Dan"},
			{N: 2, Where: "calls.description 5", Original: "Bob Baker", Kind: "name", Context: "Bob Baker was there too"},
		}
		sealed := buildBundle(t, e, e.F.Dan.ID, `{"calls": "the printer"}`, "", reds)
		if err := e.S.DecideSARRedactions(ctx, ann, sealed.ID, "keep"); err != nil {
			t.Fatal(err)
		}
		sealed, _ = e.S.SARBundle(ctx, sealed.ID)
		const zip = "Dan's final bundle"
		if err := e.S.FinaliseSARBundle(ctx, ann, sealed.ID, sealed.Version, []byte(zip)); err != nil {
			t.Fatal(err)
		}
		e.S.SetKeys(nil)
		plain := buildBundle(t, e, e.F.Dan.ID, `{"calls": "a form"}`, "",
			[]store.SARRedaction{{N: 1, Where: "calls.description 6", Original: "eevans@uni.example", Kind: "email", Context: "sent to eevans@uni.example"}})
		e.S.SetKeys(storetest.Keys(t))
		oldKey := bundleKey(t, e, sealed.ID)
		checkRedactionsSealed(t, e, sealed.ID, oldKey, reds)

		eve := desk.NewScrubber(desk.IdentifiersOf(e.F.Eve), "ZZ-PSEUDO")
		found := func() []string {
			t.Helper()
			ms, err := e.S.FindMentions(ctx, eve, store.MentionOptions{Tables: []string{"sar_redactions"}})
			if err != nil {
				t.Fatal(err)
			}
			var where []string
			for _, m := range ms {
				where = append(where, m.Column+" "+m.Key)
			}
			slices.Sort(where)
			return where
		}
		ids := map[int64][]int64{}
		for _, bid := range []int64{sealed.ID, plain.ID} {
			rows, err := e.DB.Query(e.DB.Rebind(`SELECT id FROM sar_redactions WHERE bundle_id = ? ORDER BY n`), bid)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				ids[bid] = append(ids[bid], id)
			}
			rows.Close()
		}
		want := []string{"context " + itoa(ids[plain.ID][0]), "context " + itoa(ids[sealed.ID][0]),
			"original " + itoa(ids[plain.ID][0]), "original " + itoa(ids[sealed.ID][0])}
		slices.Sort(want)
		if got := found(); !slices.Equal(got, want) {
			t.Fatalf("mentions of Eve in the candidates: %q, want %q", got, want)
		}

		if _, err := e.S.ErasePerson(ctx, ann, desk.Erasure{PersonID: e.F.Eve.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "Eve withdrew consent by letter; nothing requires us to keep it.", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		got, err := e.S.SARRedactions(ctx, sealed.ID)
		if err != nil || len(got) != 2 {
			t.Fatalf("after the erasure: %+v %v", got, err)
		}
		if strings.Contains(got[0].Original+got[0].Context, "Eve") || strings.Contains(got[0].Original+got[0].Context, "Evans") ||
			!strings.HasSuffix(got[0].Context, " fixed the printer for Dan") || got[0].Original == "" {
			t.Errorf("Eve's candidate after the erasure: %q / %q", got[0].Original, got[0].Context)
		}
		if got[1].Original != "Bob Baker" || got[1].Context != "Bob Baker was there too" || got[1].Decision != "keep" {
			t.Errorf("Bob's candidate after the erasure: %+v", got[1])
		}
		newKey := bundleKey(t, e, sealed.ID)
		if newKey == 0 || newKey == oldKey {
			t.Errorf("the bundle's key after the erasure: %d (before %d)", newKey, oldKey)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE id = ?`, oldKey); n != 0 {
			t.Error("the bundle's old key, which opens the candidates as they were, is still there")
		}
		for _, r := range storedRedactions(t, e, sealed.ID) {
			if !r.key.Valid || r.key.Int64 != newKey || strings.Contains(r.original+r.context, "Evans") || strings.Contains(r.original+r.context, "Bob") {
				t.Errorf("candidate %d stored as %+v, want sealed under %d", r.n, r, newKey)
			}
		}
		if _, z, err := e.S.SARArchiveZip(ctx, ann, sealed.ID, "encrypted archive", time.Hour); err != nil || string(z) != zip {
			t.Errorf("the final bundle after the erasure: %q %v", z, err)
		}
		p, err := e.S.SARRedactions(ctx, plain.ID)
		if err != nil || len(p) != 1 || strings.Contains(p[0].Original+p[0].Context, "eevans") || !strings.HasPrefix(p[0].Context, "sent to ") {
			t.Errorf("the plain candidate after the erasure: %+v %v", p, err)
		}
		if st := storedRedactions(t, e, plain.ID); st[0].key.Valid {
			t.Error("the plain candidate was sealed by the erasure")
		}
		if got := found(); len(got) != 0 {
			t.Errorf("Eve still found in the candidates: %q", got)
		}
	})
}

// A bundle's key is destroyed with its content (it expires; its person is erased): its candidates
// go with it, so the listing and the mention finder go on working, and the candidates' ciphertext
// (an older copy's) no longer opens. A key destroyed under them otherwise (a restored database
// backup with a newer key backup) leaves them unreadable, which the key import counts, and the
// listing says so rather than show garbage.
func TestSARRedactionsGoWithTheirKey(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ann := storetest.Actor(e.F.Ann)
		expiring := buildBundle(t, e, e.F.Dan.ID, `{"calls": "x"}`, "", sealedReds)
		if err := e.S.DecideSARRedactions(ctx, ann, expiring.ID, "keep"); err != nil {
			t.Fatal(err)
		}
		expiring, _ = e.S.SARBundle(ctx, expiring.ID)
		if err := e.S.FinaliseSARBundle(ctx, ann, expiring.ID, expiring.Version, []byte("final")); err != nil {
			t.Fatal(err)
		}
		key := bundleKey(t, e, expiring.ID)
		old := storedRedactions(t, e, expiring.ID)[0]
		erased := buildBundle(t, e, e.F.Eve.ID, `{"calls": "y"}`, "", sealedReds)
		eveKey := bundleKey(t, e, erased.ID)

		e.Clock.Advance(2 * time.Hour)
		if n, err := e.S.ExpireSARBundles(ctx, 10, time.Hour); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if _, err := e.S.ErasePerson(ctx, ann, desk.Erasure{PersonID: e.F.Eve.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "Eve withdrew consent by letter; nothing requires us to keep it.", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		for _, b := range []struct {
			id, key int64
		}{{expiring.ID, key}, {erased.ID, eveKey}} {
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM data_keys WHERE id = ?`, b.key); n != 0 {
				t.Errorf("bundle %d: its key is still there", b.id)
			}
			if n := e.DB.Count(t, `SELECT COUNT(*) FROM sar_redactions WHERE bundle_id = ?`, b.id); n != 0 {
				t.Errorf("bundle %d: %d candidates outlived its key", b.id, n)
			}
			if reds, err := e.S.SARRedactions(ctx, b.id); err != nil || len(reds) != 0 {
				t.Errorf("bundle %d listed: %+v %v", b.id, reds, err)
			}
			if got, err := e.S.SARBundle(ctx, b.id); err != nil || got.State != store.BundleExpired || got.Redactions != 0 {
				t.Errorf("bundle %d: %+v %v", b.id, got, err)
			}
		}
		c, err := base64.StdEncoding.DecodeString(old.original)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.OpenForTest(ctx, key, store.KeyOwnerBundle, expiring.ID, "sar_redactions.original", c); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Errorf("an older copy of a candidate opened after its key was destroyed: %v", err)
		}
		if _, err := e.S.FindMentions(ctx, desk.NewScrubber(desk.IdentifiersOf(e.F.Dan), ""), store.MentionOptions{}); err != nil {
			t.Errorf("the mention finder after the keys went: %v", err)
		}

		// A key gone from under its candidates.
		e.Clock.Advance(time.Minute) // a build started after the erasure
		review := buildBundle(t, e, e.F.Dan.ID, `{"calls": "z"}`, "", sealedReds)
		if n, err := e.S.ShredForTest(ctx, store.KeyOwnerBundle, review.ID); err != nil || n != 1 {
			t.Fatalf("shred: %d %v", n, err)
		}
		if reds, err := e.S.SARRedactions(ctx, review.ID); err == nil || desk.ErrorCode(err) != desk.ENOTFOUND || len(reds) != 0 {
			t.Errorf("candidates under a destroyed key listed: %+v %v", reds, err)
		}
		imp, err := e.S.ImportKeys(ctx, e.F.Admin, "no keys", func(func(store.KeyRow) error) error { return nil })
		if err != nil || !imp.Counted {
			t.Fatalf("import: %+v %v", imp, err)
		}
		if !slices.Contains(imp.Unreadable, store.UnreadableContent{Table: "sar_redactions", Rows: int64(len(sealedReds))}) {
			t.Errorf("unreadable: %+v, want the bundle's %d candidates", imp.Unreadable, len(sealedReds))
		}
	})
}

// Rekeying a bundle re-seals its candidates with its model under the new key, and a master key
// rotation leaves them readable with the new master key alone.
func TestSARRedactionsRekeyAndRotation(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		oldK, newK := genKey(t), genKey(t)
		e.S.SetKeys(newRing(t, oldK))
		const model = `{"calls": "rekeyed model"}`
		b := buildBundle(t, e, e.F.Dan.ID, model, "", sealedReds)
		first := bundleKey(t, e, b.ID)
		if n, err := e.S.RekeyForTest(ctx, store.KeyOwnerBundle, b.ID); err != nil || n != 1 {
			t.Fatalf("rekey: %d %v", n, err)
		}
		second := bundleKey(t, e, b.ID)
		if second == 0 || second == first {
			t.Fatalf("the bundle's key after rekey: %d (before %d)", second, first)
		}
		checkRedactionsSealed(t, e, b.ID, second, sealedReds)
		checkRedactionsRead(t, e.S, b.ID, sealedReds)
		if m, err := e.S.SARModel(ctx, b.ID); err != nil || string(m) != model {
			t.Errorf("model after rekey: %q %v", m, err)
		}

		e.S.SetKeys(newRing(t, newK, oldK))
		actor := desk.System("calldesk keys rotate")
		for after := int64(0); ; {
			_, last, err := e.S.RotateKeys(ctx, actor, after, 10)
			if err != nil {
				t.Fatal(err)
			}
			if last == 0 {
				break
			}
			after = last
		}
		only := openWith(t, e.DSN, newRing(t, newK))
		checkRedactionsRead(t, only, b.ID, sealedReds)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
