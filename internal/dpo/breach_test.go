package dpo_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
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

// dpoAccount gives Cat (the fixture's third analyst) the dpo role, so the breach mails go to her.
func dpoAccount(t *testing.T, e *storetest.Env) {
	t.Helper()
	if _, err := e.S.CreateAccount(context.Background(), e.F.Admin, desk.Account{PersonID: e.F.Cat.ID, Login: "ccarter",
		Roles: []desk.Role{desk.RoleAnalyst, desk.RoleDPO}, Active: true}); err != nil {
		t.Fatal(err)
	}
}

func mailer() store.BreachMail {
	return (&dpo.Mailer{Domain: "desk.uni.example", ConsoleURL: "https://desk.uni.example"}).Mail
}

// breachMails are the subjects of the breach mails in the outbox, in order.
func breachMails(t *testing.T, e *storetest.Env) []string {
	t.Helper()
	rows, err := e.DB.DB.Query(e.DB.Rebind(`SELECT recipient, subject FROM mail_outbox WHERE kind = 'breach' ORDER BY id`))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var to, subj string
		if err := rows.Scan(&to, &subj); err != nil {
			t.Fatal(err)
		}
		out = append(out, to+": "+subj)
	}
	return out
}

func TestBreachReportAndAssessment(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		dpoAccount(t, e)
		now := e.Clock.Now()
		if _, err := dpo.CheckReport(dpo.BreachReport{What: "  "}, now); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("an empty report: %v", err)
		}
		if _, err := dpo.CheckReport(dpo.BreachReport{What: "x", AwareAt: now.Add(time.Hour)}, now); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("aware in the future: %v", err)
		}
		in, err := dpo.CheckReport(dpo.BreachReport{What: "Sent the list of Dan Dawson's calls to the wrong address", AwareAt: now.Add(-2 * time.Hour)}, now)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.S.ReportBreach(ctx, storetest.Actor(f.Ann), in, mailer())
		if err != nil || b.State != "open" || b.ReporterID != f.Ann.ID || b.ReportedBy != "Ann Archer" || !b.AwareAt.Equal(now.Add(-2*time.Hour)) {
			t.Fatalf("reported: %+v %v", b, err)
		}
		if got := breachMails(t, e); len(got) != 1 || !strings.HasPrefix(got[0], "ccarter@uni.example: Personal data breach") {
			t.Fatalf("the DPO is emailed the report: %q", got)
		}
		// Bob reports one too; each reporter sees only their own.
		other, err := e.S.ReportBreach(ctx, storetest.Actor(f.Bob), store.Breach{Report: "Laptop stolen", AwareAt: now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := e.S.Breaches(ctx, store.BreachFilter{ReporterID: f.Ann.ID})
		if err != nil || len(mine) != 1 || mine[0].ID != b.ID {
			t.Fatalf("Ann's reports: %+v %v", mine, err)
		}
		all, err := e.S.Breaches(ctx, store.BreachFilter{})
		if err != nil || len(all) != 2 {
			t.Fatalf("all reports: %d %v", len(all), err)
		}

		// The assessment: a decision to notify needs its approver; a notification its reference.
		a := dpo.Assessment{Assessment: "A spreadsheet of 40 students' calls sent outside", PeopleCount: "40", DataCategories: "names, call text",
			Risk: "risk", Notify: "yes", State: "open", Reason: "first assessment"}
		if _, err := a.Apply(b, e.Clock.Now()); desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(desk.MessageWithFields(err), "approved") {
			t.Fatalf("notify without approval: %v", err)
		}
		a.ApprovedBy = "Jo Registrar, University Secretary"
		a.NotifiedAt = now
		if _, err := a.Apply(b, e.Clock.Now()); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("notified without a reference: %v", err)
		}
		a.Reference = "ICO/00012345"
		nb, err := a.Apply(b, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		actor := storetest.Actor(f.Cat)
		actor.Reason = "first assessment"
		if err := e.S.LinkBreachPerson(ctx, actor, b.ID, f.Dan.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := e.S.LinkBreachPerson(ctx, actor, b.ID, f.Dan.ID, true); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("linked twice: %v", err)
		}
		if _, err := e.S.AssessBreach(ctx, actor, nb); desk.ErrorCode(err) != desk.ECONFLICT {
			t.Fatalf("a stale version (the link changed it): %v", err)
		}
		b, err = e.S.FindBreach(ctx, b.ID)
		if err != nil || len(b.People) != 1 || b.People[0].Name != "Dan Dawson" {
			t.Fatalf("linked: %+v %v", b.People, err)
		}
		nb, _ = a.Apply(b, e.Clock.Now())
		got, err := e.S.AssessBreach(ctx, actor, nb)
		if err != nil || got.Reference != "ICO/00012345" || got.PeopleCount != 40 || got.Version != b.Version+1 {
			t.Fatalf("assessed: %+v %v", got, err)
		}
		if c := dpo.ClockOf(got, e.Clock.Now()); !c.Stopped || !c.InTime || !strings.Contains(c.Words(), "within 72 hours") {
			t.Fatalf("the clock of a breach notified in time: %+v %s", c, c.Words())
		}
		// The change is audited with its reason, about Dan.
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'breach.assess' AND reason = 'first assessment' AND persons LIKE ?`, "%"+itoa(f.Dan.ID)+"%"); n != 1 {
			t.Fatalf("assessment audit records: %d", n)
		}
		// The period report: one of two notified, within 72 hours.
		sum, err := e.S.BreachesInPeriod(ctx, now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
		if err != nil || sum != (store.BreachSummary{Breaches: 2, Notified: 1, NotifiedInTime: 1}) {
			t.Fatalf("the period: %+v %v", sum, err)
		}
		// Bob's, notified on the fourth day, is late.
		ob, _ := e.S.FindBreach(ctx, other.ID)
		e.Clock.Advance(80 * time.Hour)
		late := dpo.Assessment{Assessment: "Laptop stolen, encrypted? no", Risk: "high", Notify: "yes", ApprovedBy: "Jo Registrar",
			NotifiedAt: e.Clock.Now(), Reference: "ICO/2", State: "open", Reason: "notified"}
		lb, err := late.Apply(ob, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if lb, err = e.S.AssessBreach(ctx, actor, lb); err != nil {
			t.Fatal(err)
		}
		if c := dpo.ClockOf(lb, e.Clock.Now()); c.InTime || !strings.Contains(c.Words(), "late") {
			t.Fatalf("late: %s", c.Words())
		}
		sum, _ = e.S.BreachesInPeriod(ctx, now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
		if sum.Notified != 2 || sum.NotifiedInTime != 1 {
			t.Fatalf("the period after a late one: %+v", sum)
		}
		// Closing a high-risk breach needs whether the people were told.
		late.State = "closed"
		if _, err := late.Apply(lb, e.Clock.Now()); desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(desk.MessageWithFields(err), "told") {
			t.Fatalf("closing without telling: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBreachClockEscalatesOnceAcrossInstances: three instances on one database run the clock's
// job over and over as the injected clock passes 24, 48 and 60 hours: each mark's email goes to
// the DPO once, not once per instance or per run; a breach notified to the ICO stops escalating.
func TestBreachClockEscalatesOnceAcrossInstances(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		dpoAccount(t, e)
		instances := []*store.Store{e.S, storetest.OpenDSN(t, e.Engine, e.DSN, e.Clock), storetest.OpenDSN(t, e.Engine, e.DSN, e.Clock)}
		b, err := e.S.ReportBreach(ctx, storetest.Actor(e.F.Ann), store.Breach{Report: "USB stick lost", AwareAt: e.Clock.Now()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		quiet, err := e.S.ReportBreach(ctx, storetest.Actor(e.F.Bob), store.Breach{Report: "Email to wrong Dan", AwareAt: e.Clock.Now()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		run := func() int {
			t.Helper()
			var wg sync.WaitGroup
			var mu sync.Mutex
			total := 0
			for _, s := range instances {
				for range 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						n, err := dpo.EscalateBreaches(ctx, s, mailer())
						if err != nil {
							t.Error(err)
						}
						mu.Lock()
						total += n
						mu.Unlock()
					}()
				}
			}
			wg.Wait()
			return total
		}
		if n := run(); n != 0 {
			t.Fatalf("escalated at once: %d", n)
		}
		e.Clock.Advance(23 * time.Hour)
		if n := run(); n != 0 {
			t.Fatalf("escalated before 24 hours: %d", n)
		}
		e.Clock.Advance(time.Hour)
		if n := run(); n != 2 {
			t.Fatalf("at 24 hours: %d marks sent, want one for each breach", n)
		}
		// The second breach is notified to the ICO: its clock stops.
		qb, _ := e.S.FindBreach(ctx, quiet.ID)
		qa, err := dpo.Assessment{Assessment: "wrong Dan", Risk: "risk", Notify: "yes", ApprovedBy: "Jo Registrar", NotifiedAt: e.Clock.Now(),
			Reference: "ICO/9", State: "open", Reason: "notified"}.Apply(qb, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.AssessBreach(ctx, storetest.Actor(e.F.Cat), qa); err != nil {
			t.Fatal(err)
		}
		for _, h := range []time.Duration{12, 12, 6, 6, 6, 6, 20} { // 36, 48, 54, 60, 66, 72, 92 hours
			e.Clock.Advance(h * time.Hour)
			run()
		}
		got := breachMails(t, e)
		want := []string{"24 hours of 72", "24 hours of 72", "48 hours of 72", "60 hours of 72"}
		if len(got) != len(want) {
			t.Fatalf("mails: %q", got)
		}
		for i, w := range want {
			if !strings.Contains(got[i], w) || !strings.HasPrefix(got[i], "ccarter@uni.example") {
				t.Errorf("mail %d: %q, want %q", i, got[i], w)
			}
		}
		fb, err := e.S.FindBreach(ctx, b.ID)
		if err != nil || len(fb.Escalations) != 3 {
			t.Fatalf("marks recorded: %v %v", fb.Escalations, err)
		}
		if c := dpo.ClockOf(fb, e.Clock.Now()); c.Stopped || !strings.Contains(c.Words(), "overdue") {
			t.Fatalf("an unnotified breach at 92 hours: %s", c.Words())
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'breach.escalate'`); n != 4 {
			t.Fatalf("escalation audit records: %d", n)
		}
	})
}

// TestLinkedBreachAndDisclosureInSARAndErasure: a breach and a disclosure linked to Dan appear in
// his subject access bundle (a disclosure withheld under an exemption does not); erasing him
// takes his links away, and the records stay, scrubbed of his name.
func TestLinkedBreachAndDisclosureInSARAndErasure(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		dpoActor := storetest.Actor(f.Cat)
		dpoActor.Reason = "linking"
		b, err := e.S.ReportBreach(ctx, storetest.Actor(f.Ann), store.Breach{Report: "Dan Dawson's call sent to the wrong person", AwareAt: e.Clock.Now()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.S.LinkBreachPerson(ctx, dpoActor, b.ID, f.Dan.ID, true); err != nil {
			t.Fatal(err)
		}
		in, err := dpo.CheckRequest(dpo.DisclosureRequest{Kind: "police", Organisation: "Thames Valley Police", Requester: "DC Sam Holt",
			Reference: "43/12345/26", Form: "DP2 form 7781", Basis: "Schedule 2 paragraph 2 DPA 2018: prevention or detection of crime",
			Requested: "Dan Dawson's calls about his stolen laptop", People: []int64{f.Dan.ID}}, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.S.LogDisclosure(ctx, dpoActor, in, []int64{f.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		hidden, err := e.S.LogDisclosure(ctx, dpoActor, store.Disclosure{Kind: "police", Organisation: "Met Police", Requester: "DS Lee",
			Form: "DP2", Basis: "crime", Requested: "Dan Dawson's sign-ins from the library", ReceivedAt: e.Clock.Now()}, []int64{f.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.S.SetDisclosureExemption(ctx, dpoActor, hidden.ID, f.Dan.ID, "Schedule 2 paragraph 2: telling him would prejudice the investigation"); err != nil {
			t.Fatal(err)
		}
		builder := &privacy.Builder{Store: e.S, Now: e.Clock.Now}
		bu, err := builder.Gather(ctx, f.Dan.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(bu.Breaches) != 1 || bu.Breaches[0].ID != b.ID {
			t.Fatalf("breaches in the bundle: %+v", bu.Breaches)
		}
		if len(bu.Disclosures) != 1 || bu.Disclosures[0].ID != d.ID || bu.Disclosures[0].Organisation != "Thames Valley Police" {
			t.Fatalf("disclosures in the bundle (the exempt one left out): %+v", bu.Disclosures)
		}
		data, err := bu.RenderBytes(ctx, nil, privacy.StoreFiles(e.S))
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, data)
		var shown []map[string]any
		if err := json.Unmarshal(files["disclosures.json"], &shown); err != nil || len(shown) != 1 {
			t.Fatalf("disclosures.json: %s %v", files["disclosures.json"], err)
		}
		if !bytes.Contains(files["breaches.json"], []byte(`"id": `+itoa(b.ID))) {
			t.Fatalf("breaches.json: %s", files["breaches.json"])
		}
		for name, content := range files {
			if bytes.Contains(content, []byte("Met Police")) || bytes.Contains(content, []byte("from the library")) {
				t.Fatalf("the exempt disclosure reached the bundle's %s (as itself or as a mention of Dan)", name)
			}
		}
		if len(bu.Mentions) != 0 {
			t.Fatalf("a linked breach or a disclosure listed again among the mentions: %+v", bu.Mentions)
		}

		// Erasure: the links go, the records stay, scrubbed of his name.
		if _, err := e.S.ErasePerson(ctx, dpoActor, desk.Erasure{PersonID: f.Dan.ID, Basis: desk.BasisConsent, Ground: desk.GroundConsentWithdrawn,
			Decision: "asked to be forgotten", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM breach_people WHERE person_id = ?`, f.Dan.ID) +
			e.DB.Count(t, `SELECT COUNT(*) FROM disclosure_people WHERE person_id = ?`, f.Dan.ID); n != 0 {
			t.Fatalf("links left after erasure: %d", n)
		}
		fb, err := e.S.FindBreach(ctx, b.ID)
		if err != nil || strings.Contains(fb.Report, "Dawson") || !strings.Contains(fb.Report, "sent to the wrong person") {
			t.Fatalf("the breach after erasure: %q %v", fb.Report, err)
		}
		fd, err := e.S.FindDisclosure(ctx, d.ID)
		if err != nil || strings.Contains(fd.Requested, "Dawson") || len(fd.People) != 0 {
			t.Fatalf("the disclosure after erasure: %+v %v", fd, err)
		}
	})
}

func TestDisclosureRulesAndExport(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx, f := context.Background(), e.F
		now := e.Clock.Now()
		req := dpo.DisclosureRequest{Kind: "police", Organisation: "Thames Valley Police", Requester: "DC Sam Holt", Basis: "crime",
			Requested: "the calls", People: []int64{f.Eve.ID}}
		if _, err := dpo.CheckRequest(req, now); desk.ErrorCode(err) != desk.EINVALID || !strings.Contains(desk.MessageWithFields(err), "form") {
			t.Fatalf("a police request without its form: %v", err)
		}
		req.Form = "DP2 7781"
		in, err := dpo.CheckRequest(req, now)
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.S.LogDisclosure(ctx, storetest.Actor(f.Cat), in, req.People)
		if err != nil {
			t.Fatal(err)
		}
		d, _ = e.S.FindDisclosure(ctx, d.ID)
		builder := &privacy.Builder{Store: e.S, Now: e.Clock.Now}
		if _, err := dpo.Export(ctx, builder, d); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("export before approval: %v", err)
		}
		if _, err := (dpo.Decision{State: "approved", Approver: "DC Sam Holt", Reasons: "ok"}).Apply(d); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("the requester approving: %v", err)
		}
		dec, err := dpo.Decision{State: "approved", Approver: "Jo Registrar, University Secretary", Reasons: "crime and taxation exemption applies"}.Apply(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.DecideDisclosure(ctx, storetest.Actor(f.Cat), dec); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.DecideDisclosure(ctx, storetest.Actor(f.Cat), dec); desk.ErrorCode(err) == "" {
			t.Fatal("decided twice")
		}
		d, _ = e.S.FindDisclosure(ctx, d.ID)
		data, err := dpo.Export(ctx, builder, d)
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, data)
		if !bytes.Contains(files["DISCLOSURE.txt"], []byte("Jo Registrar")) || files["person-"+itoa(f.Eve.ID)+".zip"] == nil {
			t.Fatalf("export files: %v", keys(files))
		}
		inner := unzip(t, files["person-"+itoa(f.Eve.ID)+".zip"])
		if !bytes.Contains(inner["person.json"], []byte("Evans")) {
			t.Fatalf("the person's data: %s", inner["person.json"])
		}
	})
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = b
	}
	return out
}
