package privacy_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestRetentionSweepsImportsHoldsAndErasures (issue 15 point 10): import-run reports, lifted
// legal holds and erasure decisions are classes of the schedule. A dry run counts what is due and
// changes nothing; the sweep does what it said: old import reports go (the latest of each source
// stays), holds lifted more than six years ago go (active and recently lifted ones stay), and
// erasure decisions older than six years lose their words and who decided (the erasure's record
// stays); each batch's audit record lists the ids it changed.
func TestRetentionSweepsImportsHoldsAndErasures(t *testing.T) {
	storetest.EachEnv(t, created, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		admin := storetest.Actor(e.F.Bob)
		run := func(source string) int64 {
			t.Helper()
			res, err := e.S.SyncPeople(ctx, nil, store.SyncOptions{Source: source, By: "test", Problems: []string{"line 2: unreadable"}})
			if err != nil || res.RunID == 0 {
				t.Fatalf("import run: %+v %v", res, err)
			}
			return res.RunID
		}
		hold := func(person int64, reason string) int64 {
			t.Helper()
			id, err := e.S.PlaceLegalHold(ctx, admin, 0, person, reason)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		lift := func(id int64) {
			t.Helper()
			if err := e.S.LiftLegalHold(ctx, admin, id, "claim settled"); err != nil {
				t.Fatal(err)
			}
		}
		erase := func(first string) int64 {
			t.Helper()
			p, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: first, LastName: "Leaver", Username: strings.ToLower(first),
				Email: strings.ToLower(first) + "@uni.example", Kind: desk.Student})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.S.ErasePerson(ctx, admin, desk.Erasure{PersonID: p.ID, Basis: desk.BasisConsent,
				Ground: desk.GroundConsentWithdrawn, Decision: first + " withdrew consent, as Bob Baker noted.", Confirmed: true}); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}

		// Eight years before the sweep: two campus runs, the one hr run; a hold placed and lifted
		// at once, one placed and lifted a year before the sweep, one still active; an erasure.
		campusA, campusB, hr := run("campus"), run("campus"), run("hr")
		oldHold := hold(e.F.Dan.ID, "Old claim")
		lift(oldHold)
		recentHold := hold(e.F.Eve.ID, "Recent claim")
		activeHold := hold(e.F.Cat.ID, "Open tribunal")
		oldErased := erase("Olga")
		e.Clock.Set(sweepAt.AddDate(-1, 0, 0))
		lift(recentHold)
		newErased := erase("Nora")
		campusC := run("campus")
		e.Clock.Set(sweepAt)

		importsLeft := func() []int64 {
			runs, err := e.S.ImportRuns(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			slices.Sort(ids)
			return ids
		}
		holdsLeft := func() int { return e.DB.Count(t, `SELECT COUNT(*) FROM legal_holds`) }
		decided := func(person int64) string {
			t.Helper()
			r, err := e.S.Erasure(ctx, person)
			if err != nil {
				t.Fatal(err)
			}
			return r.Decision + "|" + r.By
		}

		r := privacy.Retention{Store: e.S}
		dry, err := r.Sweep(ctx, admin, true)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{store.ClassImportReports: 2, store.ClassLiftedHolds: 1, store.ClassErasureDecisions: 1}
		got := counts(dry)
		for class, n := range want {
			if got[class] != n {
				t.Errorf("dry run: %s: %d, want %d (report %+v)", class, got[class], n, dry.Lines)
			}
		}
		if len(importsLeft()) != 4 || holdsLeft() != 3 || decided(oldErased) == "|" {
			t.Fatalf("the dry run changed something: imports %v, %d holds, decision %q", importsLeft(), holdsLeft(), decided(oldErased))
		}

		real, err := r.Sweep(ctx, admin, false)
		if err != nil {
			t.Fatal(err)
		}
		got = counts(real)
		for class, n := range want {
			if got[class] != n {
				t.Errorf("sweep: %s: %d, want %d (report %+v)", class, got[class], n, real.Lines)
			}
		}
		if left := importsLeft(); !slices.Equal(left, []int64{hr, campusC}) {
			t.Errorf("import runs left %v, want hr's %d and campus's latest %d (gone: %d, %d)", left, hr, campusC, campusA, campusB)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM legal_holds WHERE id = ?`, oldHold); n != 0 {
			t.Error("the hold lifted eight years ago is still kept")
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM legal_holds WHERE id IN (?, ?)`, recentHold, activeHold); n != 2 {
			t.Error("the hold lifted a year ago, or the active one, is gone")
		}
		if d := decided(oldErased); d != "|" {
			t.Errorf("the eight-year-old erasure decision is still %q", d)
		}
		if rec, err := e.S.Erasure(ctx, oldErased); err != nil || rec.Pseudonym == "" || rec.Ground != desk.GroundConsentWithdrawn {
			t.Errorf("the record of the old erasure did not stay: %+v %v", rec, err)
		}
		if d := decided(newErased); !strings.Contains(d, "withdrew consent, as Bob Baker noted.|Bob Baker") {
			t.Errorf("the recent erasure decision is %q", d)
		}
		// Each batch's audit record names what it changed.
		details := map[string]string{}
		recs, _, err := e.S.FindAudit(ctx, store.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range recs {
			if strings.HasPrefix(a.Action, "retention.") && a.ObjectType == "retention" {
				details[a.ObjectID] = a.Detail
			}
		}
		ids := func(ns ...int64) string {
			s := make([]string, len(ns))
			for i, n := range ns {
				s[i] = strconv.FormatInt(n, 10)
			}
			return "ids " + strings.Join(s, ", ")
		}
		old, err := e.S.Erasure(ctx, oldErased)
		if err != nil {
			t.Fatal(err)
		}
		for class, want := range map[string]string{store.ClassImportReports: "deleted 2 import reports, " + ids(campusA, campusB),
			store.ClassLiftedHolds:      "deleted 1 lifted legal holds, " + ids(oldHold),
			store.ClassErasureDecisions: "anonymised 1 erasure decisions, " + ids(old.ID)} {
			if details[class] != want {
				t.Errorf("%s: audit detail %q, want %q", class, details[class], want)
			}
		}
	})
}
