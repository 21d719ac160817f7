package dpo_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var regStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestConsentGivenAndWithdrawn: a consent names its wording's version; withdrawing the contact
// details' consent deletes the details in the same step, and the survey opt-in's withdrawal takes
// the person off the survey list at once; counts per version follow.
func TestConsentGivenAndWithdrawn(t *testing.T) {
	storetest.EachEnv(t, regStart, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		must(t, dpo.EnsureWordings(ctx, e.S))
		must(t, dpo.EnsureWordings(ctx, e.S)) // twice: no second version
		dan := e.F.Dan
		me := storetest.Actor(dan)
		w, err := e.S.CurrentWording(ctx, store.PurposeContactDetails)
		must(t, err)
		if w.Version != 1 {
			t.Fatalf("first wording is version %d", w.Version)
		}
		if _, err := dpo.OptionalContacts("not-an-address", "", true); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a bad address was taken: %v", err)
		}
		if _, err := dpo.OptionalContacts("dan@home.example", "", false); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("details without consent were taken: %v", err)
		}
		details, err := dpo.OptionalContacts("dan@home.example", "07700 900123", true)
		must(t, err)
		c, err := e.S.GiveConsent(ctx, me, dan.ID, store.PurposeContactDetails, w.ID, details)
		must(t, err)
		if c.Version != 1 || !c.Live() {
			t.Fatalf("consent %+v", c)
		}
		got, err := e.S.FindOptionalContacts(ctx, dan.ID)
		must(t, err)
		if got.AltEmail != "dan@home.example" || got.AltPhone != "07700 900123" {
			t.Fatalf("details %+v", got)
		}
		// The DPO changes the words: a consent through the old version is refused as stale.
		w2, err := e.S.AddConsentWording(ctx, e.F.Admin, store.PurposeSurveys, "New words about surveys.", "plainer words")
		must(t, err)
		sw1, err := e.S.ConsentWordings(ctx)
		must(t, err)
		var old int64
		for _, x := range sw1 {
			if x.Purpose == store.PurposeSurveys && x.Version == 1 {
				old = x.ID
			}
		}
		if _, err := e.S.GiveConsent(ctx, me, dan.ID, store.PurposeSurveys, old, store.OptionalContacts{}); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("consent through a replaced wording: %v", err)
		}
		if _, err := e.S.GiveConsent(ctx, me, dan.ID, store.PurposeSurveys, w2.ID, store.OptionalContacts{}); err != nil {
			t.Fatal(err)
		}
		ids, err := e.S.SurveyRecipients(ctx)
		must(t, err)
		if len(ids) != 1 || ids[0] != dan.ID {
			t.Fatalf("survey recipients %v", ids)
		}
		// The survey opt-in does not touch the contact details.
		if _, err := e.S.FindOptionalContacts(ctx, dan.ID); err != nil {
			t.Fatalf("contact details after the survey opt-in: %v", err)
		}

		e.Clock.Advance(time.Hour)
		must(t, e.S.WithdrawConsent(ctx, me, dan.ID, store.PurposeContactDetails))
		if _, err := e.S.FindOptionalContacts(ctx, dan.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("contact details after withdrawal: %v", err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM person_contacts WHERE person_id = ?`, dan.ID); n != 0 {
			t.Fatalf("%d rows of contact details stay stored", n)
		}
		if err := e.S.WithdrawConsent(ctx, me, dan.ID, store.PurposeContactDetails); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("second withdrawal: %v", err)
		}
		must(t, e.S.WithdrawConsent(ctx, me, dan.ID, store.PurposeSurveys))
		ids, err = e.S.SurveyRecipients(ctx)
		must(t, err)
		if len(ids) != 0 {
			t.Fatalf("survey recipients after withdrawal %v", ids)
		}
		on, err := e.S.HasConsent(ctx, dan.ID, store.PurposeSurveys)
		must(t, err)
		if on {
			t.Fatal("survey consent still in force")
		}
		cs, err := e.S.Consents(ctx, dan.ID)
		must(t, err)
		if len(cs) != 2 || cs[0].Live() || cs[1].Live() {
			t.Fatalf("consents %+v", cs)
		}
		ws, err := e.S.ConsentWordings(ctx)
		must(t, err)
		for _, x := range ws {
			want := 0
			if x.Purpose == store.PurposeContactDetails || x.Version == 2 {
				want = 1
			}
			if x.Live != 0 || x.Withdrawn != want {
				t.Errorf("%s v%d: live %d withdrawn %d, want 0 and %d", x.Purpose, x.Version, x.Live, x.Withdrawn, want)
			}
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action IN ('consent.give', 'consent.withdraw') AND persons LIKE ?`, "%"+itoa(dan.ID)+"%"); n != 4 {
			t.Fatalf("%d audit records of consents", n)
		}
	})
}

// TestConsentInSARAndErasure: the person's consents and the details held under one are in their
// SAR bundle; erasure deletes both.
func TestConsentInSARAndErasure(t *testing.T) {
	storetest.EachEnv(t, regStart, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		must(t, dpo.EnsureWordings(ctx, e.S))
		eve := e.F.Eve
		w, err := e.S.CurrentWording(ctx, store.PurposeContactDetails)
		must(t, err)
		_, err = e.S.GiveConsent(ctx, storetest.Actor(eve), eve.ID, store.PurposeContactDetails, w.ID, store.OptionalContacts{AltEmail: "eve@home.example"})
		must(t, err)
		b := &privacy.Builder{Store: e.S, Now: e.Clock.Now, ParseMail: func([]byte) (privacy.EmailText, error) { return privacy.EmailText{}, nil }}
		bu, err := b.Gather(ctx, eve.ID, nil)
		must(t, err)
		if len(bu.Consents) != 1 || bu.Consents[0].AltEmail != "eve@home.example" || bu.Consents[0].Version != 1 || bu.Consents[0].Wording == "" {
			t.Fatalf("bundle consents %+v", bu.Consents)
		}
		zip, err := bu.RenderBytes(ctx, nil, nil)
		must(t, err)
		if !strings.Contains(string(zip), "consents.json") {
			t.Fatal("the bundle has no consents.json")
		}
		_, err = e.S.ErasePerson(ctx, e.F.Admin, desk.Erasure{PersonID: eve.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "asked", Confirmed: true})
		must(t, err)
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM consents WHERE person_id = ?`, eve.ID) + e.DB.Count(t, `SELECT COUNT(*) FROM person_contacts WHERE person_id = ?`, eve.ID); n != 0 {
			t.Fatalf("%d consent rows left after erasure", n)
		}
	})
}

// TestWithdrawnConsentsRetention: a withdrawn consent goes when its class's period has passed
// since withdrawal; one in force never does; ended processors and retired assessments go with
// what hangs on them, current ones stay.
func TestWithdrawnConsentsRetention(t *testing.T) {
	storetest.EachEnv(t, regStart, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		must(t, dpo.EnsureWordings(ctx, e.S))
		w, err := e.S.CurrentWording(ctx, store.PurposeSurveys)
		must(t, err)
		_, err = e.S.GiveConsent(ctx, e.F.Admin, e.F.Dan.ID, store.PurposeSurveys, w.ID, store.OptionalContacts{})
		must(t, err)
		_, err = e.S.GiveConsent(ctx, e.F.Admin, e.F.Eve.ID, store.PurposeSurveys, w.ID, store.OptionalContacts{})
		must(t, err)
		must(t, e.S.WithdrawConsent(ctx, e.F.Admin, e.F.Dan.ID, store.PurposeSurveys))
		// An ended processor and a retired assessment go the same way; current ones stay.
		ended, err := e.S.SaveProcessor(ctx, e.F.Admin, store.Processor{Name: "Old host", Service: "hosting", ContractDate: "2019-01-01",
			ReviewDue: "2020-01-01", EndedAt: e.Clock.Now(), Transfers: []store.Transfer{{Country: "Ireland", Safeguard: "adequacy"}}}, "ended")
		must(t, err)
		_, err = e.S.SaveProcessor(ctx, e.F.Admin, store.Processor{Name: "New host", Service: "hosting", ContractDate: "2026-01-01", ReviewDue: "2027-01-01"}, "new")
		must(t, err)
		retired, err := e.S.SaveDPIA(ctx, e.F.Admin, store.DPIA{Kind: store.KindDPIA, Title: "Old", Processing: "x", ReviewDue: "2020-01-01", RetiredAt: e.Clock.Now(),
			Risks: []store.Risk{{Risk: "r", Likelihood: "remote", Severity: "minimal"}}}, "retired")
		must(t, err)
		must(t, e.S.AddDPIAFiles(ctx, e.F.Admin, retired.ID, []desk.Upload{{Filename: "a.txt", Data: []byte("x")}}, "doc"))
		_, err = e.S.SaveDPIA(ctx, e.F.Admin, store.DPIA{Kind: store.KindLIA, Title: "Current", Processing: "x", ReviewDue: "2027-01-01"}, "new")
		must(t, err)
		e.Clock.Advance(7 * 365 * 24 * time.Hour)
		rules, err := e.S.RetentionRules(ctx)
		must(t, err)
		line, err := e.S.SweepClass(ctx, e.F.Admin, store.NewRetentionPlan(rules, e.Clock.Now()), store.ClassConsents, false)
		must(t, err)
		if line.Count != 1 {
			t.Fatalf("swept %d consents", line.Count)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM consents`); n != 1 {
			t.Fatalf("%d consents left", n)
		}
		for _, c := range []string{store.ClassProcessors, store.ClassDPIAs} {
			line, err := e.S.SweepClass(ctx, e.F.Admin, store.NewRetentionPlan(rules, e.Clock.Now()), c, false)
			must(t, err)
			if line.Count != 1 {
				t.Fatalf("%s: swept %d", c, line.Count)
			}
		}
		if _, err := e.S.FindProcessor(ctx, ended.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("ended processor: %v", err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM processors`) + e.DB.Count(t, `SELECT COUNT(*) FROM dpias`); n != 2 {
			t.Fatalf("%d processors and assessments left, want the 2 current", n)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM processor_transfers`) + e.DB.Count(t, `SELECT COUNT(*) FROM dpia_risks`) + e.DB.Count(t, `SELECT COUNT(*) FROM dpia_files`); n != 0 {
			t.Fatalf("%d transfers, risks or files left of swept records", n)
		}
	})
}

// TestProcessorsAndAssessments: the register keeps a processor's clauses and transfers, refuses
// a stale edit, lists those due for review; an assessment keeps its risks and files, and an edit
// after sign-off clears the sign-off.
func TestProcessorsAndAssessments(t *testing.T) {
	storetest.EachEnv(t, regStart, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		f := dpo.ProcessorForm{Name: "Hostco", Service: "hosting", ContractDate: "2025-01-01", ContractMonths: "36",
			Clauses: []string{"a", "c", "z"}, ReviewDue: "2026-03-10", Countries: []string{"Ireland", "", "USA"},
			Safeguards: []string{"adequacy", "", "nonsense"}, Reason: "new contract"}
		if _, err := f.Processor(); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a transfer without a safeguard was taken: %v", err)
		}
		f.Safeguards[2] = "addendum"
		p, err := f.Processor()
		must(t, err)
		if p.Clauses != "ac" || len(p.Transfers) != 2 || dpo.ContractEnds(p) != "2028-01-01" {
			t.Fatalf("processor %+v", p)
		}
		p, err = e.S.SaveProcessor(ctx, e.F.Admin, p, "new contract")
		must(t, err)
		stale := p
		p.Notes = "checked"
		p, err = e.S.SaveProcessor(ctx, e.F.Admin, p, "annual check")
		must(t, err)
		if _, err := e.S.SaveProcessor(ctx, e.F.Admin, stale, "stale"); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("stale edit: %v", err)
		}
		if _, err := e.S.SaveProcessor(ctx, e.F.Admin, store.Processor{Name: "hostco", Service: "x", ContractDate: "2025-01-01", ReviewDue: "2027-01-01"}, "dup"); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("a second processor of the same name: %v", err)
		}
		got, err := e.S.FindProcessor(ctx, p.ID)
		must(t, err)
		if got.Notes != "checked" || len(got.Transfers) != 2 || got.Transfers[1].Safeguard != "addendum" || !got.HasClause("c") || got.HasClause("b") {
			t.Fatalf("stored %+v", got)
		}
		due, err := e.S.ProcessorsDueForReview(ctx, "2026-03-09")
		must(t, err)
		if len(due) != 0 {
			t.Fatalf("due before its date: %+v", due)
		}
		due, err = e.S.ProcessorsDueForReview(ctx, "2026-03-10")
		must(t, err)
		if len(due) != 1 || due[0].ID != p.ID {
			t.Fatalf("due on its date: %+v", due)
		}

		df := dpo.DPIAForm{Kind: store.KindLIA, Title: "Satisfaction surveys", Processing: "emailing customers", ReviewDue: "2027-01-01",
			Risks: []string{"People feel pestered", ""}, Likelihoods: []string{"possible", ""}, Severities: []string{"minimal", ""},
			Mitigations: []string{"opt-in only", ""}, Reason: "new"}
		d, err := df.DPIA()
		must(t, err)
		d, err = e.S.SaveDPIA(ctx, e.F.Admin, d, "new")
		must(t, err)
		must(t, e.S.SignOffDPIA(ctx, e.F.Admin, d.ID, d.Version, "read it"))
		must(t, e.S.AddDPIAFiles(ctx, e.F.Admin, d.ID, []desk.Upload{{Filename: "lia.txt", Data: []byte("the balancing test")}}, "the full text"))
		got2, err := e.S.FindDPIA(ctx, d.ID)
		must(t, err)
		if got2.SignedOffBy == "" || got2.SignedOffAt.IsZero() || len(got2.Risks) != 1 || len(got2.Files) != 1 {
			t.Fatalf("assessment %+v", got2)
		}
		_, data, err := e.S.DPIAFileContent(ctx, d.ID, got2.Files[0].ID)
		must(t, err)
		if string(data) != "the balancing test" {
			t.Fatalf("file %q", data)
		}
		if err := e.S.SignOffDPIA(ctx, e.F.Admin, d.ID, d.Version, "again"); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("sign-off of a version since changed: %v", err)
		}
		got2.Outcome = "go ahead"
		got3, err := e.S.SaveDPIA(ctx, e.F.Admin, got2, "outcome")
		must(t, err)
		if got3.SignedOffBy != "" {
			t.Fatal("an edit kept the sign-off")
		}
		if dpo.RiskLevel("probable", "severe") != "high" || dpo.RiskLevel("remote", "minimal") != "low" || dpo.RiskLevel("possible", "significant") != "medium" {
			t.Fatal("risk levels")
		}
	})
}

// TestReviewRemindersOnce: three instances run the reminder job at once and again; each DPO gets
// one email per review date; a new review date reminds again, once.
func TestReviewRemindersOnce(t *testing.T) {
	storetest.EachEnv(t, regStart, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		dpoPerson, err := e.S.CreatePerson(ctx, e.F.Admin, desk.Person{FirstName: "Dee", LastName: "Officer", Email: "dpo@uni.example", Kind: desk.Staff, Active: true})
		must(t, err)
		_, err = e.S.CreateAccount(ctx, e.F.Admin, desk.Account{PersonID: dpoPerson.ID, Login: "dpo", Roles: []desk.Role{desk.RoleDPO}, Active: true})
		must(t, err)
		p, err := e.S.SaveProcessor(ctx, e.F.Admin, store.Processor{Name: "Mailco", Service: "email", ContractDate: "2025-01-01", ReviewDue: "2026-03-03"}, "new")
		must(t, err)
		_, err = e.S.SaveDPIA(ctx, e.F.Admin, store.DPIA{Kind: store.KindDPIA, Title: "Portal", Processing: "portal", ReviewDue: "2026-03-20"}, "new")
		must(t, err)
		n := 0
		seq := 0
		var mu sync.Mutex
		newID := func() string { mu.Lock(); defer mu.Unlock(); seq++; return "r" + strconv.Itoa(seq) + "@uni.example" }
		london, _ := desk.LoadZone("Europe/London")
		runAll := func() {
			var wg sync.WaitGroup
			for range 3 {
				s := storetest.OpenDSN(t, e.Engine, e.DSN, e.Clock)
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := &dpo.Reminders{Store: s, Now: e.Clock.Now, Zone: london, MessageID: newID, ConsoleURL: "https://desk.uni.example"}
					if _, err := r.Run(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		count := func() int {
			return e.DB.Count(t, `SELECT COUNT(*) FROM mail_outbox WHERE kind = 'dpo_review' AND recipient = 'dpo@uni.example'`)
		}
		runAll()
		if n = count(); n != 0 {
			t.Fatalf("%d reminders before anything is due", n)
		}
		e.Clock.Advance(24 * time.Hour) // 3 March: the processor is due
		runAll()
		runAll()
		if n = count(); n != 1 {
			t.Fatalf("%d reminders for one due review", n)
		}
		e.Clock.Advance(20 * 24 * time.Hour) // 23 March: the DPIA too
		runAll()
		if n = count(); n != 2 {
			t.Fatalf("%d reminders for two due reviews", n)
		}
		p.ReviewDue = "2026-03-24"
		_, err = e.S.SaveProcessor(ctx, e.F.Admin, p, "reviewed, next review tomorrow")
		must(t, err)
		e.Clock.Advance(24 * time.Hour)
		runAll()
		runAll()
		if n = count(); n != 3 {
			t.Fatalf("%d reminders after a new review date fell due", n)
		}
	})
}
