package dpo_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

var start = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

var contacts = dpo.Contacts{University: "University of Example", UniversityContact: "Registry, Example Road, EX1 1AA; info@uni.example",
	DPO: "Data Protection Officer, dpo@uni.example, 01234 500600"}

// seedActivities records the ten standard activities.
func seedActivities(t *testing.T, e *storetest.Env) []dpo.Record {
	t.Helper()
	ctx := context.Background()
	for _, a := range dpo.StandardActivities() {
		if _, err := e.S.CreateProcessingActivity(ctx, e.F.Admin, a, "calldesk's standard records"); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := dpo.Records(ctx, e.S)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 10 {
		t.Fatalf("%d records", len(recs))
	}
	return recs
}

// The derived fields come from the register and the retention schedule: a change of the
// schedule shows in the record at once.
func TestRecordsDeriveFromRegister(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		recs := seedActivities(t, e)
		calls := recs[0]
		if calls.Code != "call-handling" {
			t.Fatalf("first record %s", calls.Code)
		}
		for _, want := range []string{string(store.CatFreeText), string(store.CatSpecial), string(store.CatFile)} {
			if !strings.Contains(strings.Join(calls.Categories, ","), want) {
				t.Errorf("call handling's categories %q lack %q", calls.Categories, want)
			}
		}
		if !calls.Special {
			t.Error("call handling holds special-category data, says the register")
		}
		if !strings.Contains(calls.Location, e.Engine) && !strings.Contains(strings.ToLower(calls.Location), map[string]string{"sqlite": "sqlite", "postgres": "postgresql"}[e.Engine]) {
			t.Errorf("location %q", calls.Location)
		}
		if err := e.S.SetRetentionRule(ctx, e.F.Admin, store.ClassClosedCalls, 60, store.Anonymise, "five years now"); err != nil {
			t.Fatal(err)
		}
		recs, err := dpo.Records(ctx, e.S)
		if err != nil {
			t.Fatal(err)
		}
		if r := strings.Join(recs[0].Retention, "; "); !strings.Contains(r, "closed calls: anonymised 60 months after closing") {
			t.Errorf("retention after the schedule changed: %s", r)
		}
	})
}

// The XLSX export opens, has the ICO template's columns and a row for every activity; the PDF
// names every activity.
func TestRecordsExport(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		recs := seedActivities(t, e)
		var x bytes.Buffer
		if err := dpo.WriteXLSX(&x, recs, contacts, start); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&x)
		if err != nil {
			t.Fatalf("the XLSX does not open: %v", err)
		}
		rows, err := f.GetRows(dpo.SheetName)
		if err != nil {
			t.Fatal(err)
		}
		header := -1
		for i, r := range rows {
			if len(r) > 0 && r[0] == "Business function / activity" {
				header = i
			}
		}
		if header < 0 {
			t.Fatalf("no header row in %q", rows)
		}
		for _, col := range []string{"Purpose of processing", "Categories of individuals", "Categories of personal data", "Categories of recipients",
			"Retention schedule (if possible)", "General description of technical and organisational security measures (if possible)",
			"Article 6 lawful basis for processing personal data", "Article 9 basis for processing special category data"} {
			if !strings.Contains(strings.Join(rows[header], "|"), col) {
				t.Errorf("no column %q", col)
			}
		}
		if got := len(rows) - header - 1; got != len(recs) {
			t.Errorf("%d activity rows, want %d", got, len(recs))
		}
		for i, r := range recs {
			row := rows[header+1+i]
			if row[0] != r.Name || row[1] != r.Purpose || row[11] != r.LawfulBasis || row[4] != strings.Join(r.Categories, ", ") || row[9] != strings.Join(r.Retention, "; ") {
				t.Errorf("row %d: %q", i, row)
			}
		}
		if !strings.Contains(strings.Join(rows[1], "|"), "University of Example") {
			t.Errorf("controller row %q", rows[1])
		}
		var p bytes.Buffer
		if err := dpo.WriteRecordsPDF(&p, recs, contacts, start); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(p.Bytes(), []byte("%PDF-")) {
			t.Fatal("not a PDF")
		}
		for _, r := range recs {
			if !bytes.Contains(p.Bytes(), pdfTitle(r.Name)) {
				t.Errorf("the PDF has no section for %q", r.Name)
			}
		}
	})
}

// pdfTitle is how fpdf writes a UTF-8 bookmark title: UTF-16BE with its byte-order mark, in a
// PDF string with \, ( and ) escaped.
func pdfTitle(s string) []byte {
	var b bytes.Buffer
	b.WriteString("/Title (")
	raw := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		raw = append(raw, byte(u>>8), byte(u))
	}
	for _, c := range raw {
		switch c {
		case '\\', '(', ')':
			b.WriteByte('\\')
		}
		if c == '\r' {
			b.WriteString(`\r`)
			continue
		}
		b.WriteByte(c)
	}
	return b.Bytes()
}

// The notice generated from the records holds every one of the fourteen items of 14.3, each
// with what the records and the contacts say.
func TestNoticeHasTheFourteenItems(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		recs := seedActivities(t, e)
		n := dpo.BuildNotice(recs, contacts)
		if m := n.Missing(); len(m) > 0 {
			t.Fatalf("the notice lacks %q", m)
		}
		item := func(key string) string { return strings.Join(n.Item(key).Paragraphs, "\n") }
		for _, c := range []struct{ key, item, want string }{
			{dpo.ItemController, "the name and contact details of the University", "University of Example"},
			{dpo.ItemController, "the name and contact details of the University", "info@uni.example"},
			{dpo.ItemDPO, "the contact details of the data protection officer", "dpo@uni.example"},
			{dpo.ItemPurposes, "the purposes of the processing", recs[0].Purpose},
			{dpo.ItemBasis, "the lawful basis for the processing", "public task"},
			{dpo.ItemBasis, "the lawful basis (special category condition)", "Article 9(2)(g)"},
			{dpo.ItemCategories, "the categories of personal data obtained", "contact"},
			{dpo.ItemRecipients, "the recipients or categories of recipients", "service-level managers"},
			{dpo.ItemTransfers, "transfers to third countries", "not transferred outside the United Kingdom"},
			{dpo.ItemRetention, "the retention periods", "closed calls: anonymised"},
			{dpo.ItemRights, "the rights available to individuals", "erased"},
			{dpo.ItemWithdraw, "the right to withdraw consent", "withdraw"},
			{dpo.ItemComplaint, "the right to lodge a complaint with a supervisory authority", "Information Commissioner's Office"},
			{dpo.ItemSource, "the source of the personal data", "directory"},
			{dpo.ItemObligation, "a statutory or contractual obligation to provide", "no obligation"},
			{dpo.ItemAutomated, "automated decision-making, including profiling", "Retention sweeps"},
		} {
			if !strings.Contains(item(c.key), c.want) {
				t.Errorf("%s (%s) lacks %q: %s", c.item, c.key, c.want, item(c.key))
			}
		}
		if len(dpo.NoticeItemKeys()) != 14 {
			t.Errorf("%d items", len(dpo.NoticeItemKeys()))
		}
		if !strings.Contains(n.Summary.Why, recs[0].Purpose) || n.Summary.Recipients == "" {
			t.Errorf("the summary at the point of collection: %+v", n.Summary)
		}
		// Published and read back, the notice is the same.
		p, err := e.S.PublishNotice(context.Background(), e.F.Admin, n.Marshal(), "first notice")
		if err != nil {
			t.Fatal(err)
		}
		back, err := dpo.ReadNotice(p)
		if err != nil || back.Version != 1 || item(dpo.ItemComplaint) != strings.Join(back.Item(dpo.ItemComplaint).Paragraphs, "\n") {
			t.Errorf("read back %+v %v", back, err)
		}
	})
}

// The compliance page's evidence: each provider says "not yet recorded" without data, and what
// the records show once they exist; the PDF names every duty.
func TestComplianceEvidence(t *testing.T) {
	storetest.EachEnv(t, start, func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		ev, err := dpo.Gather(ctx, dpo.Providers(e.S), start, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ev {
			if x.State != dpo.NoRecord {
				t.Errorf("%s on an empty desk: %s %q", x.Duty, x.State, x.Lines)
			}
		}
		seedActivities(t, e)
		v, err := dpo.VerifyAudit(ctx, e.S, e.F.Admin)
		if err != nil {
			t.Fatal(err)
		}
		if v.Problems != 0 || v.Checked == 0 {
			t.Errorf("verification %+v", v)
		}
		ev, err = dpo.Gather(ctx, dpo.Providers(e.S), start.Add(time.Hour), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		byDuty := map[string]dpo.Evidence{}
		for _, x := range ev {
			byDuty[x.Duty] = x
		}
		if a := byDuty["Processing recorded in a tamper-evident audit trail"]; a.State != dpo.Met || !strings.Contains(a.Lines[0], "intact") {
			t.Errorf("audit evidence %+v", a)
		}
		if r := byDuty["Records of processing kept and reviewed"]; r.State != dpo.Attention || !strings.Contains(strings.Join(r.Lines, " "), "10 never reviewed") {
			t.Errorf("records evidence %+v", r)
		}
		if b := byDuty["Personal data breaches notified to the ICO within 72 hours"]; b.State != dpo.NoRecord {
			t.Errorf("breaches %+v", b)
		}
		if p := byDuty["Processors under contract, reviewed when due"]; p.State != dpo.NoRecord {
			t.Errorf("processors on a desk without any %+v", p)
		}
		// A processor whose contract lacks a clause, and whose review is overdue, needs attention.
		if _, err := e.S.SaveProcessor(ctx, desk.Actor{PersonID: e.F.Admin.PersonID, Name: "dpo"}, store.Processor{
			Name: "Example Hosting Ltd", Service: "hosting", Contact: "dpo@hosting.example", ContractDate: "2026-01-05", ContractMonths: 36,
			Clauses: "abcdefg", ReviewDue: "2026-10-01"}, "new contract"); err != nil {
			t.Fatal(err)
		}
		ev, err = dpo.Gather(ctx, dpo.Providers(e.S), start.Add(time.Hour), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ev {
			if x.Duty == "Processors under contract, reviewed when due" && (x.State != dpo.Attention ||
				!strings.Contains(strings.Join(x.Lines, " "), "1 processors in use; 1 of their contracts not checked") ||
				!strings.Contains(strings.Join(x.Lines, " "), "Example Hosting Ltd (due 2026-10-01)")) {
				t.Errorf("a processor lacking a clause, its review overdue: %+v", x)
			}
		}
		// A breach notified within 72 hours is met; one notified after them needs attention.
		breachDuty := func(at time.Time) dpo.Evidence {
			t.Helper()
			ev, err := dpo.Gather(ctx, dpo.Providers(e.S), at, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ev {
				if x.Duty == "Personal data breaches notified to the ICO within 72 hours" {
					return x
				}
			}
			t.Fatal("no breach evidence")
			return dpo.Evidence{}
		}
		notify := func(aware time.Time, after time.Duration) {
			t.Helper()
			b, err := e.S.ReportBreach(ctx, storetest.Actor(e.F.Ann), store.Breach{Report: "A list of students emailed to the wrong group", AwareAt: aware}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if b.ID == 0 {
				t.Fatalf("breach %+v", b)
			}
			undecided := breachDuty(start.Add(2 * time.Hour))
			if undecided.State != dpo.Attention || !strings.Contains(strings.Join(undecided.Lines, " "), "Awaiting the decision whether to notify: 1") {
				t.Errorf("a breach awaiting its decision: %+v", undecided)
			}
			b.Notify, b.Decision, b.ApprovedBy, b.NotifiedAt, b.Reference = "yes", "risk to the students", "University Secretary", aware.Add(after), "ICO-0001"
			if _, err := e.S.AssessBreach(ctx, desk.Actor{PersonID: e.F.Admin.PersonID, Name: "dpo", Reason: "notified"}, b); err != nil {
				t.Fatal(err)
			}
		}
		notify(start.Add(-48*time.Hour), 40*time.Hour)
		if b := breachDuty(start.Add(2 * time.Hour)); b.State != dpo.Met || !strings.Contains(b.Lines[0], "1 notified to the ICO, 1 of them within 72 hours") {
			t.Errorf("a breach notified in time: %+v", b)
		}
		notify(start.Add(-100*time.Hour), 80*time.Hour)
		if b := breachDuty(start.Add(2 * time.Hour)); b.State != dpo.Attention || !strings.Contains(b.Lines[0], "2 notified to the ICO, 1 of them within 72 hours") {
			t.Errorf("a breach notified late: %+v", b)
		}
		var p bytes.Buffer
		if err := dpo.WriteCompliancePDF(&p, ev, contacts, start, time.UTC); err != nil {
			t.Fatal(err)
		}
		for _, x := range ev {
			if !bytes.Contains(p.Bytes(), pdfTitle(x.Duty)) {
				t.Errorf("the PDF lacks %q", x.Duty)
			}
		}
	})
}

// 14.6: who must be told of a new purpose.
func TestWhoMustBeTold(t *testing.T) {
	told := dpo.WhoMustBeTold(store.ProcessingActivity{Name: "Reports", People: "students, staff; visitors"}, 12)
	if told.Count != 12 || strings.Join(told.Groups, "|") != "students|staff|visitors" {
		t.Errorf("%+v", told)
	}
}
