package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/directory/csvtest"
	"calldesk/internal/mail/imaptest"
	"calldesk/internal/mail/smtptest"
	"calldesk/internal/sla"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// EnvPgBouncer names the variable holding a PgBouncer (transaction pooling) in front of the test
// PostgreSQL: when set, the instances of TestInstancesDoEveryJobOnce reach the database through it.
const EnvPgBouncer = "CALLDESK_TEST_PGBOUNCER"

// instance is one `calldesk serve` process of a multi-instance test.
type instance struct {
	n        int
	cmd      *exec.Cmd
	out, log *storetest.SyncBuffer
	killed   bool
	killedAt time.Time // when it was killed (SIGKILL); zero when it was stopped or runs
}

// startInstance runs `calldesk serve` with args as its own process (the test binary again, as
// TestHelperServe), and waits until it serves.
func startInstance(t *testing.T, n int, args []string, env ...string) *instance {
	t.Helper()
	in := &instance{n: n, out: &storetest.SyncBuffer{}, log: &storetest.SyncBuffer{}}
	in.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
	in.cmd.Env = append(append(os.Environ(), "CALLDESK_HELPER_SERVE="+strings.Join(args, "\x1f")), env...)
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !in.killed {
			in.cmd.Process.Signal(syscall.SIGKILL)
			in.cmd.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(in.out.String(), "calldesk is serving") {
		if time.Now().After(deadline) {
			t.Fatalf("instance %d did not start: %s", n, in.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return in
}

// kill ends the instance with SIGKILL: no clean-up, its claims left as they were.
func (in *instance) kill() {
	in.killedAt = time.Now()
	in.cmd.Process.Signal(syscall.SIGKILL)
	in.cmd.Wait()
	in.killed = true
}

// stop ends the instance as a service manager does (SIGTERM) and says whether it stopped cleanly.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	in.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("instance %d stopped with %v: %s", in.n, err, tail(in.log.String()))
		}
	case <-time.After(60 * time.Second):
		in.cmd.Process.Signal(syscall.SIGKILL)
		t.Errorf("instance %d did not stop within 60 s of SIGTERM", in.n)
	}
	in.killed = true
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// TestInstancesDoEveryJobOnce (issue 21 point 7): three `calldesk serve` processes on one
// PostgreSQL database (through PgBouncer when CALLDESK_TEST_PGBOUNCER is set) run every background
// job over the same work: a retention sweep over thousands of closed calls, a SAR bundle over
// thousands of calls, the nightly directory import, calls to take off hold and to close, service
// levels to repair, escalations to fire, email to send (to a real SMTP server) and to take in
// (from a real Dovecot, when CALLDESK_TEST_IMAP is set), search compaction, shredding and audit
// sealing. One instance is killed (SIGKILL) in the middle of the retention sweep, and another in
// the middle of the bundle's build: the survivors take the work up once its lease has run out.
// Each piece of work is done exactly once.
func TestInstancesDoEveryJobOnce(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the multi-instance test (make test sets it)", storetest.EnvPostgres)
		}
		t.Skipf("several instances need PostgreSQL: %s is not set", storetest.EnvPostgres)
	}
	began := time.Now()
	ctx := context.Background()
	dsn := storetest.DSN(t, "postgres")
	serveDSN := dsn
	if pgb := os.Getenv(EnvPgBouncer); pgb != "" {
		u, err := url.Parse(pgb)
		if err != nil {
			t.Fatalf("%s: %v", EnvPgBouncer, err)
		}
		d, _ := url.Parse(dsn)
		u.Path = d.Path
		serveDSN = u.String()
	}
	// The set-up writes as if three hours ago, then two, so that the escalation point exists
	// before the calls cross it.
	now := time.Now().UTC()
	clock := storetest.NewClock(now.Add(-3 * time.Hour))
	s := storetest.OpenDSN(t, "postgres", dsn, clock)
	raw := storetest.Raw(t, "postgres", dsn)
	f := storetest.Seed(t, s)
	count := func(q string, args ...any) int { return raw.Count(t, q, args...) }

	// Service levels round the clock: P3 calls respond within an hour; at half of it the call's
	// analyst is emailed.
	cal, err := s.CreateCalendar(ctx, f.Admin, store.SLACalendar{Spec: sla.Spec{Name: "Always", Zone: "UTC", Week: sla.Every24x7()}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRule(ctx, f.Admin, store.SLARule{Rule: sla.Rule{Name: "P3 standard", Priority: 3, RespondOn: sla.FirstPublicAction,
		Respond: sla.Target{Within: time.Hour}, Resolve: sla.Target{Within: 30 * time.Hour}}}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetCalendarUses(ctx, f.Admin, store.CalendarUses{Groups: map[int64]int64{f.ServiceDesk.ID: cal.ID, f.Networks.ID: cal.ID}}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEscalationPoint(ctx, f.Admin, store.EscalationPoint{Target: store.RespondTarget, Percent: 50, Action: store.NotifyAnalyst}, "test"); err != nil {
		t.Fatal(err)
	}
	// Two hours ago: calls for Ann that crossed the point 90 minutes ago, not yet escalated.
	clock.Set(now.Add(-2 * time.Hour))
	const escalating = 60
	for i := range escalating {
		if _, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: fmt.Sprintf("Printer jam %d", i), CustomerID: f.Eve.ID,
			GroupID: f.ServiceDesk.ID, AnalystID: f.Ann.ID, Impact: desk.Medium, Urgency: desk.Medium, Source: desk.SourcePhone}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(now)

	// The bulk of the work, loaded as another system's history would be (no service-level rows:
	// the repair job gives them theirs).
	const (
		sweep    = 6000 // closed calls past the six-year retention period
		subject  = 3000 // calls of the person whose SAR bundle is built
		held     = 200  // on hold, their time passed
		resolved = 200  // resolved ten days ago, unanswered
		people   = 2000 // in the nightly directory export
	)
	b, err := s.Bulk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sam := desk.Person{FirstName: "Sam", LastName: "Subject", Email: "sam.subject@uni.example", Kind: desk.Student, Active: true}
	if err := b.AddPerson(ctx, &sam); err != nil {
		t.Fatal(err)
	}
	add := func(n int, c desk.Call) []string {
		refs := make([]string, n)
		for i := range n {
			c := c
			c.Summary = fmt.Sprintf("%s %d", c.Summary, i)
			if err := b.AddCall(ctx, &c, nil); err != nil {
				t.Fatal(err)
			}
			refs[i] = c.Ref
		}
		return refs
	}
	old, days := now.AddDate(-8, 0, 0), now.AddDate(0, 0, -10)
	add(sweep, desk.Call{Kind: desk.Fault, Summary: "Old fault", CustomerID: f.Dan.ID, Source: desk.SourcePhone, Impact: desk.Medium,
		Urgency: desk.Medium, Priority: 3, GroupID: f.ServiceDesk.ID, State: desk.Closed, LoggedAt: old, ResolvedAt: old, ClosedAt: old})
	add(subject, desk.Call{Kind: desk.Request, Summary: "Reading list access", CustomerID: sam.ID, Source: desk.SourcePortal, Impact: desk.Low,
		Urgency: desk.Low, Priority: 4, GroupID: f.ServiceDesk.ID, State: desk.Closed, LoggedAt: days, ResolvedAt: days, ClosedAt: days})
	holds := add(held, desk.Call{Kind: desk.Fault, Summary: "Waiting for a part", CustomerID: f.Eve.ID, Source: desk.SourcePhone, Impact: desk.Medium,
		Urgency: desk.Medium, Priority: 3, GroupID: f.Networks.ID, AnalystID: f.Cat.ID, State: desk.OnHold, LoggedAt: days, AssignedAt: days,
		HeldAt: days, HoldUntil: now.Add(-time.Hour), HoldReason: "part on order"})
	closing := add(resolved, desk.Call{Kind: desk.Fault, Summary: "Fixed, unanswered", CustomerID: f.Eve.ID, Source: desk.SourcePhone, Impact: desk.Medium,
		Urgency: desk.Medium, Priority: 3, GroupID: f.Networks.ID, AnalystID: f.Cat.ID, State: desk.Resolved, LoggedAt: days, AssignedAt: days,
		ResolvedAt: days})
	if _, err := b.Finish(ctx, f.Admin, "test.load", "several instances", nil); err != nil {
		t.Fatal(err)
	}
	missingSLA := count(`SELECT COUNT(*) FROM calls c WHERE NOT EXISTS (SELECT 1 FROM call_sla s WHERE s.call_id = c.id)`)
	swept := map[int64]bool{}
	rows, err := raw.Query(`SELECT id FROM calls WHERE summary LIKE 'Old fault %'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		swept[id] = true
	}
	rows.Close()

	// The nightly export, due since midnight.
	dir := t.TempDir()
	var export bytes.Buffer
	if _, err := csvtest.Write(&export, people, 7, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), export.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"sources": []map[string]any{{"name": "campus", "kind": "csv", "path": filepath.Join(dir, "people.csv"),
		"mapping": csvtest.Mapping, "schedule": "00:00"}}})
	if err := os.WriteFile(filepath.Join(dir, "import.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}

	sink := smtptest.Start(t, "", "")
	args := []string{"serve", "--db", serveDSN, "--addr", "127.0.0.1:0", "--log-level", "info", "--timezone", "UTC",
		"--job-interval-max", "1s", "--job-lease-max", "3s", "--shred-window", "any", "--import-config", filepath.Join(dir, "import.json"),
		"--smtp-addr", sink.Addr, "--smtp-tls", "none", "--mail-from", "IT Service Desk <servicedesk@uni.example>", "--public-url", "https://desk.uni.example"}
	var env []string
	const emails = 150
	imap := os.Getenv(imaptest.EnvAddr) != ""
	if imap {
		srv := imaptest.Dovecot(t)
		u := srv.NewUser(t)
		raws := make([][]byte, emails)
		for i := range raws {
			raws[i] = []byte(fmt.Sprintf("From: Dan Dawson <%s>\r\nTo: servicedesk@uni.example\r\nSubject: Instances %03d\r\n"+
				"Message-ID: <instances.%03d@mail.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0000\r\n\r\nMessage %03d\r\n", f.Dan.Email, i, i, i))
		}
		c := u.Dial(t)
		u.AppendMany(t, c, "INBOX", raws)
		c.Close()
		args = append(args, "--imap-mailboxes", "servicedesk=imap+plain://"+u.Name+"@"+srv.Addr+"/INBOX?group=Service+Desk", "--imap-per-sender-hour", "100000")
		env = append(env, "CALLDESK_IMAP_PASSWORD_SERVICEDESK="+u.Password)
	} else {
		t.Logf("no Dovecot (%s): IMAP intake left out", imaptest.EnvAddr)
	}
	t.Logf("set-up: %v", time.Since(began).Round(time.Millisecond))

	var all []*instance
	for n := range 3 {
		all = append(all, startInstance(t, n+1, args, env...))
	}
	live := func() []*instance {
		return slices.DeleteFunc(slices.Clone(all), func(in *instance) bool { return in.killed })
	}
	logs := func() string {
		var b strings.Builder
		for _, in := range all {
			b.WriteString(in.log.String())
		}
		return b.String()
	}
	waitFor := func(what string, limit time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !ok() {
			if time.Now().After(deadline) {
				for _, in := range all {
					t.Logf("instance %d log:\n%s", in.n, tail(in.log.String()))
				}
				t.Fatalf("%s: not within %v", what, limit)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// whoLogged is the live instance whose log has said msg (with "key=id" when id is not 0).
	whoLogged := func(msg string) *instance {
		for _, in := range live() {
			if strings.Contains(in.log.String(), msg) {
				return in
			}
		}
		return nil
	}

	// 1. The retention sweep: killed after its first batches, done again by a survivor.
	var sweeper *instance
	waitFor("a retention sweep starts", 60*time.Second, func() bool { sweeper = whoLogged(`msg="retention sweep started"`); return sweeper != nil })
	var killedRun int64
	if err := raw.QueryRow(`SELECT id FROM retention_runs WHERE state = 'running'`).Scan(&killedRun); err != nil {
		t.Fatalf("the running sweep: %v", err)
	}
	waitFor("the sweep anonymises its first batch", 60*time.Second, func() bool {
		return count(`SELECT COUNT(*) FROM audit_log WHERE action = 'retention.anonymise'`) > 0
	})
	sweeper.kill()
	if n := count(`SELECT COUNT(*) FROM retention_runs WHERE id = $1 AND state = 'running'`, killedRun); n != 1 {
		t.Fatal("the sweep was over before its instance could be killed: give it more calls")
	}
	partly := count(`SELECT COUNT(*) FROM calls WHERE anonymised_at IS NOT NULL`)
	t.Logf("instance %d killed in sweep %d, %d of %d calls anonymised (%v)", sweeper.n, killedRun, partly, sweep, time.Since(began).Round(time.Millisecond))
	waitFor("a survivor sweeps again", 60*time.Second, func() bool {
		return count(`SELECT COUNT(*) FROM retention_runs WHERE state = 'done' AND dry_run = 0`) == 1
	})

	// 2. A SAR bundle over thousands of calls: its builder is killed mid-build, and the bundle is
	// built by the last instance once the lease has run out.
	clock.Set(time.Now())
	q, err := s.LogSubjectRequest(ctx, f.Admin, desk.SubjectRequest{PersonID: sam.ID, Kind: desk.RequestAccess, ReceivedAt: clock.Now(),
		IdentityAt: clock.Now(), IdentityHow: "passport", IdentityBy: "Ann Archer", Channel: "console"})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := s.QueueSARBundle(ctx, f.Admin, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	var builder *instance
	building := fmt.Sprintf(`msg="building SAR bundle" bundle=%d`, bundle.ID)
	waitFor("a bundle build starts", 60*time.Second, func() bool { builder = whoLogged(building); return builder != nil })
	waitFor("the build reports progress", 60*time.Second, func() bool {
		return count(`SELECT COUNT(*) FROM sar_bundles WHERE id = $1 AND done > 0`, bundle.ID) == 1
	})
	builder.kill()
	if n := count(`SELECT COUNT(*) FROM sar_bundles WHERE id = $1 AND state = 'building'`, bundle.ID); n != 1 {
		t.Fatal("the bundle was built before its instance could be killed: give it more calls")
	}
	t.Logf("instance %d killed building bundle %d (%v)", builder.n, bundle.ID, time.Since(began).Round(time.Millisecond))
	waitFor("the last instance builds the bundle", 90*time.Second, func() bool {
		return count(`SELECT COUNT(*) FROM sar_bundles WHERE id = $1 AND state IN ('review', 'final')`, bundle.ID) == 1
	})

	// 3. Everything else, done and quiet.
	done := map[string]func() bool{
		"calls off hold":        func() bool { return count(`SELECT COUNT(*) FROM calls WHERE state = 'on_hold'`) == 0 },
		"resolved calls closed": func() bool { return count(`SELECT COUNT(*) FROM calls WHERE state = 'resolved'`) == 0 },
		"service levels":        func() bool { return count(`SELECT COUNT(*) FROM calls`) == count(`SELECT COUNT(*) FROM call_sla`) },
		"escalations":           func() bool { return count(`SELECT COUNT(*) FROM sla_escalations_fired`) >= escalating },
		"directory import":      func() bool { return count(`SELECT COUNT(*) FROM import_runs`) > 0 },
		"outgoing mail": func() bool {
			return count(`SELECT COUNT(*) FROM mail_outbox WHERE state <> 'sent'`) == 0 && len(sink.Messages()) >= count(`SELECT COUNT(*) FROM mail_outbox`)
		},
		"search compaction": func() bool { return count(`SELECT due FROM maintenance WHERE name = 'search_compact'`) == 0 },
		"shredding":         func() bool { return count(`SELECT COUNT(*) FROM maintenance WHERE name = 'shred' AND due = 0`) == 1 },
		"audit sealing":     func() bool { return count(`SELECT COUNT(*) FROM audit_pending`) == 0 },
	}
	if imap {
		done["mail intake"] = func() bool { return count(`SELECT COUNT(*) FROM mail_messages`) >= emails }
	}
	for _, what := range slices.Sorted(func(yield func(string) bool) {
		for k := range done {
			if !yield(k) {
				return
			}
		}
	}) {
		waitFor(what, 90*time.Second, done[what])
	}
	for _, in := range live() {
		in.stop(t)
	}
	t.Logf("all done, instances stopped (%v)", time.Since(began).Round(time.Millisecond))

	// Retention: every due call anonymised, each named by exactly one audit record; the killed
	// sweep marked failed, one done.
	idsRe := regexp.MustCompile(`ids ([0-9, ]+)`)
	named := map[int64]int{}
	rows, err = raw.Query(`SELECT detail FROM audit_log WHERE action = 'retention.anonymise' AND object_id = 'closed_calls'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		rows.Scan(&d)
		m := idsRe.FindStringSubmatch(d)
		if m == nil {
			t.Errorf("a retention record names no ids: %q", d)
			continue
		}
		for _, v := range strings.Split(m[1], ", ") {
			id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			named[id]++
		}
	}
	rows.Close()
	for id := range swept {
		if named[id] != 1 {
			t.Errorf("call %d was anonymised by %d retention records, want 1", id, named[id])
			break
		}
	}
	if len(named) != len(swept) {
		t.Errorf("%d calls anonymised by retention, want %d", len(named), len(swept))
	}
	if n := count(`SELECT COUNT(*) FROM calls WHERE summary LIKE 'Old fault %'`); n != 0 {
		t.Errorf("%d due calls were not anonymised", n)
	}
	if n := count(`SELECT COUNT(*) FROM retention_runs WHERE id = $1 AND state = 'failed' AND error = 'the sweep stopped without finishing'`, killedRun); n != 1 {
		t.Errorf("the killed sweep was not marked failed")
	}
	if n := count(`SELECT COUNT(*) FROM retention_runs WHERE state = 'done'`); n != 1 {
		t.Errorf("%d sweeps done, want 1", n)
	}

	// The bundle: built once (one build record, no failure), by two claims.
	if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'sar.build' AND object_id = $1`, strconv.FormatInt(bundle.ID, 10)); n != 1 {
		t.Errorf("%d build records for the bundle, want 1", n)
	}
	if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'sar.build_failed'`); n != 0 {
		t.Errorf("%d failed builds", n)
	}
	if n := strings.Count(logs(), building); n != 2 {
		t.Errorf("the bundle was claimed %d times, want 2 (the killed builder, the taker-over)", n)
	}
	if got, err := s.SARBundle(ctx, bundle.ID); err != nil || got.Total != subject || got.Done != subject {
		t.Errorf("the bundle: %+v %v, want all %d calls", got, err, subject)
	}

	// Holds released and calls closed, each once.
	once := func(actor string, refs []string) {
		t.Helper()
		got := map[string]int{}
		rows, err := raw.Query(`SELECT object_id FROM audit_log WHERE actor = $1`, actor)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ref string
			rows.Scan(&ref)
			got[ref]++
		}
		rows.Close()
		for _, ref := range refs {
			if got[ref] != 1 {
				t.Errorf("%s: call %s changed %d times, want 1", actor, ref, got[ref])
				return
			}
		}
		if len(got) != len(refs) {
			t.Errorf("%s: %d calls changed, want %d", actor, len(got), len(refs))
		}
	}
	once(desk.System("hold timer").Name, holds)
	once(desk.System("auto-close").Name, closing)

	// Service levels: every call lacking its row given one, by the repair or (a call taken off
	// hold or closed first) by its change; a call has one row (its key).
	gave := regexp.MustCompile(`gave (\d+) call`)
	backfilled := 0
	rows, err = raw.Query(`SELECT detail FROM audit_log WHERE action = 'sla.repair'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		rows.Scan(&d)
		if m := gave.FindStringSubmatch(d); m != nil {
			n, _ := strconv.Atoi(m[1])
			backfilled += n
		}
	}
	rows.Close()
	if backfilled > missingSLA || backfilled < missingSLA-held-resolved {
		t.Errorf("%d calls given service levels by the repair, want %d less those changed first (at most %d)", backfilled, missingSLA, held+resolved)
	}

	// Escalations: each fired once, with one record and one email.
	fired := count(`SELECT COUNT(*) FROM sla_escalations_fired`)
	if records := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'call.escalate'`); records != fired || fired < escalating {
		t.Errorf("%d escalations fired, %d recorded, want at least %d, one record each", fired, records, escalating)
	}

	// Outgoing mail: every message sent once, but for one a killed sender had handed to the
	// server and not yet recorded as sent (at-least-once is all SMTP allows), sent again when its
	// lease ran out: its first copy came just before a kill, its second after.
	copies := map[string][]smtptest.Received{}
	for _, m := range sink.Messages() {
		id := m.Msg.Header.Get("Message-Id")
		copies[id] = append(copies[id], m)
	}
	sent := map[string]int{}
	for id, c := range copies {
		sent[id] = len(c)
	}
	outbox := count(`SELECT COUNT(*) FROM mail_outbox`)
	again := 0
	for id, c := range copies {
		if len(c) == 1 {
			continue
		}
		atKill := false
		for _, in := range all {
			k := in.killedAt
			if len(c) == 2 && !k.IsZero() && c[0].At.Before(k) && k.Sub(c[0].At) < 5*time.Second && c[1].At.After(k) {
				atKill = true
			}
		}
		if atKill {
			again++
			t.Logf("message %s: sent as its sender was killed, and again after", id)
			continue
		}
		var attempts int
		var last string
		raw.QueryRow(`SELECT attempts, last_error FROM mail_outbox WHERE message_id = $1`, strings.Trim(id, "<>")).Scan(&attempts, &last)
		var at []string
		for _, m := range c {
			at = append(at, fmt.Sprintf("connection %d (quit %v) at %v", m.Conn, sink.Quit(m.Conn), m.At.Sub(began).Round(time.Millisecond)))
		}
		t.Errorf("message %s was sent %d times: %v; %d attempts, last error %q", id, len(c), at, attempts, last)
	}
	if again > 2 {
		t.Errorf("%d messages sent again, for 2 killed instances", again)
	}
	if len(sent) != outbox || outbox < escalating {
		t.Errorf("%d messages received, %d in the outbox (at least %d escalations)", len(sent), outbox, escalating)
	}

	// Intake: each message one call.
	if imap {
		if n := count(`SELECT COUNT(*) FROM mail_messages`); n != emails {
			t.Errorf("%d messages taken in, want %d", n, emails)
		}
		if n := count(`SELECT COUNT(DISTINCT summary) FROM calls WHERE source = 'email'`); n != emails || count(`SELECT COUNT(*) FROM calls WHERE source = 'email'`) != emails {
			t.Errorf("%d calls from email, want %d, one each", n, emails)
		}
	}

	// The directory import: once, each person once.
	if n := count(`SELECT COUNT(*) FROM import_runs WHERE source = 'campus' AND state = 'done'`); n != 1 || count(`SELECT COUNT(*) FROM import_runs`) != 1 {
		t.Errorf("%d import runs done (of %d), want 1", n, count(`SELECT COUNT(*) FROM import_runs`))
	}
	if n := count(`SELECT COUNT(*) FROM people WHERE directory_source = 'campus'`); n != people {
		t.Errorf("%d people imported, want %d", n, people)
	}
	if n := count(`SELECT COUNT(*) FROM (SELECT directory_key FROM people WHERE directory_key <> '' GROUP BY directory_key HAVING COUNT(*) > 1) d`); n != 0 {
		t.Errorf("%d people imported twice", n)
	}

	// Search compaction once after the sweep; shredding done.
	if n := strings.Count(logs(), "search index compacted"); n != 1 {
		t.Errorf("the search index was compacted %d times, want once", n)
	}
	if n := count(`SELECT COUNT(*) FROM maintenance WHERE name = 'shredded'`); n != 1 {
		t.Error("the deleted content was never shredded")
	}

	// The audit trail: every record sealed once, the chain intact.
	if sealed, all := count(`SELECT COUNT(DISTINCT audit_id) FROM audit_chain`), count(`SELECT COUNT(*) FROM audit_log`); sealed != all || count(`SELECT COUNT(*) FROM audit_chain`) != all {
		t.Errorf("%d records sealed (%d links), %d records", sealed, count(`SELECT COUNT(*) FROM audit_chain`), all)
	}
	rep, err := audit.Verify(ctx, s)
	if err != nil || !rep.OK() {
		t.Errorf("audit verify: %+v %v", rep.First, err)
	}
	if strings.Contains(logs(), "level=ERROR") {
		for _, line := range strings.Split(logs(), "\n") {
			if strings.Contains(line, "level=ERROR") {
				t.Errorf("an instance logged an error: %s", line)
			}
		}
	}
	t.Logf("%d calls swept, bundle of %d calls, %d held, %d resolved, %d given service levels, %d escalations, %d emails sent, %d people imported, %d audit records sealed; %v in all",
		len(named), subject, held, resolved, backfilled, fired, len(sent), people, rep.Checked, time.Since(began).Round(time.Millisecond))
}

// TestServeOnceOnSQLite: several instances share a database on PostgreSQL only; a second
// `calldesk serve` on a SQLite file that one is serving stops at once, saying why, and leaves the
// first one serving.
func TestServeOnceOnSQLite(t *testing.T) {
	path, tok, _, c := seededDB(t)
	first := startInstance(t, 1, []string{"serve", "--db", path, "--addr", "127.0.0.1:0", "--log-level", "warn"})
	second := runCLI(t, nil, "serve", "--db", path, "--addr", "127.0.0.1:0", "--log-level", "warn")
	if second.code == 0 || !strings.Contains(second.stderr, "another calldesk serve is running on "+path) ||
		!strings.Contains(second.stderr, "PostgreSQL") {
		t.Errorf("a second serve: exit %d, %q; want a refusal naming the file", second.code, second.stderr)
	}
	base := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(first.out.String())
	if base == nil {
		t.Fatalf("where the first serves: %q", first.out.String())
	}
	req, _ := http.NewRequest("GET", base[1]+"api/v1/calls/"+c.Ref, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the first instance after the refusal: %v %v", resp, err)
	}
	resp.Body.Close()
	first.stop(t)
	// Once it has stopped, serve starts again.
	again := startInstance(t, 2, []string{"serve", "--db", path, "--addr", "127.0.0.1:0", "--log-level", "warn"})
	again.stop(t)
}
