package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"calldesk/internal/mail"
	"calldesk/internal/mail/imaptest"
)

// recorder is a DeliverFunc that keeps what it was given and can refuse on demand.
type recorder struct {
	mu     sync.Mutex
	got    []mail.Delivery
	at     []time.Time
	refuse func(d mail.Delivery, attempt int) error // nil: accept everything
	tries  map[uint32]int
	check  func(d mail.Delivery) // runs inside Deliver, before it returns
}

func (r *recorder) deliver(ctx context.Context, d mail.Delivery) error {
	if r.check != nil {
		r.check(d)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tries == nil {
		r.tries = map[uint32]int{}
	}
	r.tries[d.UID]++
	if r.refuse != nil {
		if err := r.refuse(d, r.tries[d.UID]); err != nil {
			return err
		}
	}
	r.got = append(r.got, d)
	r.at = append(r.at, time.Now())
	return nil
}

func (r *recorder) deliveries() []mail.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) uids() []uint32 {
	var uids []uint32
	for _, d := range r.deliveries() {
		uids = append(uids, d.UID)
	}
	return uids
}

// waitFor polls cond (cheap, local) until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testMailbox is a mailbox on the test Dovecot with timings short enough for tests.
func testMailbox(u *imaptest.User, addr string) mail.Mailbox {
	return mail.Mailbox{
		Name:         "servicedesk",
		Addr:         addr,
		TLS:          mail.TLSNone,
		Username:     u.Name,
		Password:     u.Password,
		PollInterval: time.Hour, // tests that poll say so; the others must be woken by IDLE
		ReconnectMin: 20 * time.Millisecond,
		ReconnectMax: 200 * time.Millisecond,
		RetryMin:     50 * time.Millisecond,
		RetryMax:     200 * time.Millisecond,
	}
}

// runFetcher runs a fetcher until the test ends, and checks that it then stops promptly.
func runFetcher(t *testing.T, mb mail.Mailbox, deliver mail.DeliverFunc) *mail.Fetcher {
	t.Helper()
	return runFetcherWith(t, mb, deliver, mail.Options{})
}

// runFetcherWith is runFetcher with the given clock (opts.Now, opts.After).
func runFetcherWith(t *testing.T, mb mail.Mailbox, deliver mail.DeliverFunc, opts mail.Options) *mail.Fetcher {
	t.Helper()
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	f, err := mail.NewFetcher(mb, deliver, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Run did not return within 5s of its context ending")
		}
	})
	return f
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func seen(msgs []imaptest.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Has(imap.FlagSeen) {
			n++
		}
	}
	return n
}

func TestFetchDeliversInUIDOrderAndMarksSeenOnlyAfterDelivery(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	c := u.Dial(t)
	raws := map[uint32][]byte{}
	for i := range 7 {
		raw := imaptest.Raw(i, 500)
		raws[u.AppendWith(t, c, "INBOX", raw)] = raw
	}
	// Seen already: not calldesk's to take in MarkSeen mode.
	u.AppendWith(t, c, "INBOX", imaptest.Raw(99, 100), imap.FlagSeen)
	validity, _ := u.Folder(t, "INBOX")

	rec := &recorder{}
	rec.check = func(d mail.Delivery) {
		// Inside Deliver, the message is not yet marked: nothing is flagged before the caller has it.
		_, msgs := u.Folder(t, "INBOX")
		for _, m := range msgs {
			if m.UID == d.UID && m.Has(imap.FlagSeen) {
				t.Errorf("UID %d is \\Seen before Deliver returned", d.UID)
			}
		}
	}
	mb := testMailbox(u, srv.Addr)
	mb.BatchSize = 3 // several body fetches
	f := runFetcher(t, mb, rec.deliver)
	waitFor(t, "all eight messages seen", 5*time.Second, func() bool {
		_, msgs := u.Folder(t, "INBOX")
		return seen(msgs) == 8
	})
	got := rec.deliveries()
	if len(got) != 7 {
		t.Fatalf("delivered %d messages, want 7: %v", len(got), rec.uids())
	}
	if !slices.IsSorted(rec.uids()) {
		t.Errorf("delivered out of UID order: %v", rec.uids())
	}
	for _, d := range got {
		if !bytes.Equal(d.Raw, raws[d.UID]) {
			t.Errorf("UID %d: Raw differs from what was appended", d.UID)
		}
		if d.Mailbox != "servicedesk" || d.UIDValidity != validity || d.Size != int64(len(raws[d.UID])) || d.Oversized {
			t.Errorf("UID %d: delivery %+v, want mailbox servicedesk, UIDVALIDITY %d, size %d", d.UID, d, validity, len(raws[d.UID]))
		}
	}
	st := f.Status()
	if !st.Connected || !st.Idle || st.Delivered != 7 || st.UIDValidity != validity || st.LastFetchAt.IsZero() || st.LastError != "" {
		t.Errorf("status %+v", st)
	}
}

func TestFetchMovesOnlyAfterDelivery(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	for _, tc := range []struct {
		name string
		hide []string
	}{
		{"MOVE", nil},
		{"COPY, STORE and UID EXPUNGE where the server lacks MOVE", []string{"MOVE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := srv.NewUser(t)
			proxy := imaptest.NewProxy(t, srv.Addr)
			proxy.HideCapability(tc.hide...)
			c := u.Dial(t)
			for i := range 4 {
				u.AppendWith(t, c, "INBOX", imaptest.Raw(i, 300))
			}
			// Moving takes every message, seen or not.
			u.AppendWith(t, c, "INBOX", imaptest.Raw(4, 300), imap.FlagSeen)

			rec := &recorder{}
			rec.check = func(d mail.Delivery) {
				_, msgs := u.Folder(t, "INBOX")
				if !slices.ContainsFunc(msgs, func(m imaptest.Message) bool { return m.UID == d.UID }) {
					t.Errorf("UID %d left INBOX before Deliver returned", d.UID)
				}
			}
			mb := testMailbox(u, proxy.Addr)
			mb.After = mail.MoveTo
			mb.MoveFolder = "Processed"
			runFetcher(t, mb, rec.deliver)
			waitFor(t, "INBOX empty", 5*time.Second, func() bool {
				_, msgs := u.Folder(t, "INBOX")
				return len(msgs) == 0
			})
			if got := rec.uids(); !slices.Equal(got, []uint32{1, 2, 3, 4, 5}) {
				t.Errorf("delivered UIDs %v, want 1..5 once each", got)
			}
			_, moved := u.Folder(t, "Processed")
			if len(moved) != 5 {
				t.Errorf("Processed holds %d messages, want 5", len(moved))
			}
			for _, m := range moved {
				if m.Has(imap.FlagDeleted) {
					t.Errorf("moved message %d carries \\Deleted", m.UID)
				}
			}
		})
	}
}

func TestDeliverErrorLeavesMessageAndRetriesWhileOthersGoThrough(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	c := u.Dial(t)
	for i := range 5 {
		u.AppendWith(t, c, "INBOX", imaptest.Raw(i, 200))
	}
	rec := &recorder{refuse: func(d mail.Delivery, attempt int) error {
		if d.UID == 2 && attempt <= 2 {
			return errors.New("database is locked")
		}
		return nil
	}}
	var afterFirstRefusal []imaptest.Message
	var once sync.Once
	rec.check = func(d mail.Delivery) {
		if d.UID == 2 && rec.tries[2] == 1 { // the second offer of UID 2: look at the first refusal's effect
			once.Do(func() { _, afterFirstRefusal = u.Folder(t, "INBOX") })
		}
	}
	f := runFetcher(t, testMailbox(u, srv.Addr), rec.deliver)
	waitFor(t, "all five seen", 5*time.Second, func() bool {
		_, msgs := u.Folder(t, "INBOX")
		return seen(msgs) == 5
	})
	if got := rec.uids(); !slices.Equal(got, []uint32{1, 3, 4, 5, 2}) {
		t.Errorf("accepted in order %v, want 1 3 4 5 then 2 after its retries", got)
	}
	rec.mu.Lock()
	tries := rec.tries[2]
	rec.mu.Unlock()
	if tries != 3 {
		t.Errorf("UID 2 offered %d times, want 3 (two refusals, then accepted)", tries)
	}
	// While UID 2 waited for its retry, the later messages were already marked and it was not.
	if len(afterFirstRefusal) != 5 || afterFirstRefusal[1].Has(imap.FlagSeen) || seen(afterFirstRefusal) != 4 {
		t.Errorf("after UID 2 was refused: %+v, want 1 and 3-5 seen and 2 unseen", afterFirstRefusal)
	}
	st := f.Status()
	if st.Delivered != 5 || st.Failed != 2 || st.Retrying != 0 || !strings.Contains(st.LastError, "database is locked") || st.LastErrorAt.IsZero() {
		t.Errorf("status %+v", st)
	}
}

// fakeClock is a clock the test moves: Now, and After channels that fire when it passes their time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	}
	return ch
}

// Advance moves the clock and fires the waits that have come due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waiters = slices.DeleteFunc(c.waiters, func(w fakeWaiter) bool {
		if w.at.After(c.now) {
			return false
		}
		w.ch <- c.now
		return true
	})
}

func (c *fakeClock) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// The retry backoff runs on the injected clock: a message refused with a one-hour backoff is
// not offered again before the clock says an hour has passed, and is offered once it has.
func TestRetryBackoffFollowsTheClock(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	u.Append(t, "INBOX", imaptest.Raw(1, 200))
	clock := &fakeClock{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	rec := &recorder{refuse: func(d mail.Delivery, attempt int) error {
		if attempt == 1 {
			return errors.New("disk full")
		}
		return nil
	}}
	mb := testMailbox(u, srv.Addr)
	mb.RetryMin, mb.RetryMax = time.Hour, 4*time.Hour
	runFetcherWith(t, mb, rec.deliver, mail.Options{Now: clock.Now, After: clock.After})
	tries := func() int {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.tries[1]
	}
	waitFor(t, "the first offer, then a wait", 5*time.Second, func() bool { return tries() == 1 && clock.waiting() == 1 })
	clock.Advance(30 * time.Minute) // past the 25-minute IDLE period, not the retry
	waitFor(t, "the next wait", 5*time.Second, func() bool { return clock.waiting() == 1 })
	if tries() != 1 {
		t.Fatalf("offered again after 30 minutes of a one-hour backoff")
	}
	clock.Advance(30 * time.Minute)
	waitFor(t, "the retry after an hour", 5*time.Second, func() bool { return len(rec.deliveries()) == 1 })
	if tries() != 2 {
		t.Errorf("offered %d times, want 2", tries())
	}
}

func TestIdleWakesTheFetcherOnNewMail(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	rec := &recorder{}
	f := runFetcher(t, testMailbox(u, srv.Addr), rec.deliver) // PollInterval is an hour: only IDLE can wake it
	waitFor(t, "first check of the folder", 5*time.Second, func() bool { return !f.Status().LastFetchAt.IsZero() })
	if !f.Status().Idle {
		t.Fatal("fetcher does not use IDLE though Dovecot offers it")
	}
	c := u.Dial(t)
	for i := range 3 {
		time.Sleep(20 * time.Millisecond) // let the fetcher go back to IDLE
		appended := time.Now()
		uid := u.AppendWith(t, c, "INBOX", imaptest.Raw(i, 200))
		waitFor(t, fmt.Sprintf("UID %d delivered", uid), time.Second, func() bool { return slices.Contains(rec.uids(), uid) })
		t.Logf("UID %d delivered %v after its APPEND", uid, time.Since(appended).Round(time.Millisecond))
	}
}

func TestPollingWithoutIdle(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	for _, tc := range []struct {
		name        string
		disableIdle bool
		hide        []string
	}{
		{"IDLE disabled in the configuration", true, nil},
		{"server without IDLE", false, []string{"IDLE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := srv.NewUser(t)
			proxy := imaptest.NewProxy(t, srv.Addr)
			proxy.HideCapability(tc.hide...)
			rec := &recorder{}
			mb := testMailbox(u, proxy.Addr)
			mb.DisableIdle = tc.disableIdle
			mb.PollInterval = 50 * time.Millisecond
			f := runFetcher(t, mb, rec.deliver)
			waitFor(t, "first check of the folder", 5*time.Second, func() bool { return !f.Status().LastFetchAt.IsZero() })
			if f.Status().Idle {
				t.Fatal("fetcher uses IDLE")
			}
			c := u.Dial(t)
			for i := range 3 {
				uid := u.AppendWith(t, c, "INBOX", imaptest.Raw(i, 200))
				waitFor(t, fmt.Sprintf("UID %d delivered by polling", uid), 2*time.Second, func() bool { return slices.Contains(rec.uids(), uid) })
			}
		})
	}
}

func TestWrongPasswordIsReportedRetriedAndRecovers(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	u.Append(t, "INBOX", imaptest.Raw(1, 200))
	proxy := imaptest.NewProxy(t, srv.Addr) // counts the attempts
	mb := testMailbox(u, proxy.Addr)
	mb.Password = "not-" + u.Password
	rec := &recorder{}
	f := runFetcher(t, mb, rec.deliver)
	waitFor(t, "three login attempts", 5*time.Second, func() bool { return proxy.Connections() >= 3 })
	st := f.Status()
	if st.Connected || st.Connects != 0 || !strings.Contains(st.LastError, "log in") || !strings.Contains(st.LastError, "AUTHENTICATIONFAILED") && !strings.Contains(st.LastError, "Authentication failed") {
		t.Errorf("status with a wrong password: %+v", st)
	}
	if len(rec.deliveries()) != 0 {
		t.Fatal("delivered without logging in")
	}
	failedAt := st.LastErrorAt

	u.SetPassword(t, mb.Password) // the administrator fixes the account
	waitFor(t, "delivery after the password is fixed", 5*time.Second, func() bool { return len(rec.deliveries()) == 1 })
	st = f.Status()
	if !st.Connected || st.Connects != 1 || st.LastErrorAt.Before(failedAt) || !strings.Contains(st.LastError, "log in") {
		t.Errorf("status after recovery: %+v (the last error stays for the admin page)", st)
	}
}

func TestConnectionDroppedMidFetch(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	for _, tc := range []struct {
		name    string
		pattern string
		after   int
		// exact: nothing can be redelivered (the cut comes before any Deliver of the batch)
		exact bool
	}{
		{"inside a message body", "FETCH (UID 13 BODY[]", 700, true},
		{"while marking delivered messages seen", "Store completed", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := srv.NewUser(t)
			c := u.Dial(t)
			const n = 30
			for i := range n {
				u.AppendWith(t, c, "INBOX", imaptest.Raw(i, 2000))
			}
			proxy := imaptest.NewProxy(t, srv.Addr)
			proxy.CutOnce(tc.pattern, tc.after)
			rec := &recorder{}
			mb := testMailbox(u, proxy.Addr)
			mb.BatchSize = 5
			f := runFetcher(t, mb, rec.deliver)
			waitFor(t, "all seen", 5*time.Second, func() bool {
				_, msgs := u.Folder(t, "INBOX")
				return seen(msgs) == n
			})
			if proxy.Cuts() != 1 {
				t.Fatalf("proxy cut %d connections, want 1", proxy.Cuts())
			}
			st := f.Status()
			if st.Connects != 2 || st.LastError == "" {
				t.Errorf("status %+v, want two logins and the drop as last error", st)
			}
			// Nothing lost; every redelivery carries the same key and bytes, so the caller's
			// deduplication by key absorbs it.
			byKey := map[string][]byte{}
			for _, d := range rec.deliveries() {
				if prev, ok := byKey[d.Key()]; ok && !bytes.Equal(prev, d.Raw) {
					t.Errorf("%s delivered twice with different content", d.Key())
				}
				byKey[d.Key()] = d.Raw
			}
			if len(byKey) != n {
				t.Errorf("%d distinct messages delivered, want %d", len(byKey), n)
			}
			extra := len(rec.deliveries()) - n
			t.Logf("%d deliveries for %d messages (%d redelivered)", len(rec.deliveries()), n, extra)
			if tc.exact && extra != 0 {
				t.Errorf("%d messages redelivered though the cut came before their batch was delivered", extra)
			}
			if extra > mb.BatchSize {
				t.Errorf("%d redelivered, more than one batch (%d)", extra, mb.BatchSize)
			}
		})
	}
}

func TestOversizedMessageIsDeliveredWithoutBody(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	c := u.Dial(t)
	u.AppendWith(t, c, "INBOX", imaptest.Raw(1, 500))
	big := imaptest.Raw(2, 200_000)
	u.AppendWith(t, c, "INBOX", big)
	u.AppendWith(t, c, "INBOX", imaptest.Raw(3, 500))
	rec := &recorder{}
	mb := testMailbox(u, srv.Addr)
	mb.MaxSize = 64 << 10
	f := runFetcher(t, mb, rec.deliver)
	waitFor(t, "all three seen", 5*time.Second, func() bool {
		_, msgs := u.Folder(t, "INBOX")
		return seen(msgs) == 3
	})
	got := rec.deliveries()
	if len(got) != 3 || got[0].UID != 1 || got[1].UID != 2 || got[2].UID != 3 {
		t.Fatalf("delivered %v, want UIDs 1 2 3", rec.uids())
	}
	// Only the header is fetched (BODY.PEEK[HEADER]), so that the refusal names the sender.
	header := big[:bytes.Index(big, []byte("\r\n\r\n"))+4]
	if d := got[1]; !d.Oversized || !bytes.Equal(d.Raw, header) || d.Size != int64(len(big)) {
		t.Errorf("oversized delivery: Oversized %v, Raw %q, Size %d; want true, the header %q, %d", d.Oversized, d.Raw, d.Size, header, len(big))
	}
	if got[0].Oversized || got[2].Oversized || got[0].Raw == nil || got[2].Raw == nil {
		t.Error("a small message was treated as oversized")
	}
	if st := f.Status(); st.Oversized != 1 || st.Delivered != 3 {
		t.Errorf("status %+v", st)
	}
}

// Two fetchers (two calldesk instances) on one mailbox both take the unseen messages, so a
// message can reach Deliver twice. The test shows that every message arrives at least once and
// that (mailbox, UIDVALIDITY, UID) identifies a message: deliveries with the same key carry the
// same bytes, and the number of keys is the number of messages, so deduplicating by key in the
// caller's transaction leaves each message exactly once.
func TestTwoFetchersOnOneMailbox(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	var mu sync.Mutex
	type delivery struct {
		fetcher int
		d       mail.Delivery
	}
	var all []delivery
	deliverAs := func(n int) mail.DeliverFunc {
		return func(ctx context.Context, d mail.Delivery) error {
			mu.Lock()
			all = append(all, delivery{n, d})
			mu.Unlock()
			return nil
		}
	}
	f1 := runFetcher(t, testMailbox(u, srv.Addr), deliverAs(1))
	f2 := runFetcher(t, testMailbox(u, srv.Addr), deliverAs(2))
	waitFor(t, "both fetchers idle", 5*time.Second, func() bool {
		return !f1.Status().LastFetchAt.IsZero() && !f2.Status().LastFetchAt.IsZero()
	})
	c := u.Dial(t)
	const n = 40
	ids := map[string]bool{}
	for i := range n {
		raw := imaptest.Raw(i, 300)
		u.AppendWith(t, c, "INBOX", raw)
		ids[messageID(raw)] = true
	}
	waitFor(t, "all seen", 5*time.Second, func() bool {
		_, msgs := u.Folder(t, "INBOX")
		return seen(msgs) == n
	})
	mu.Lock()
	defer mu.Unlock()
	byKey := map[string][]byte{}
	per := map[int]int{}
	for _, x := range all {
		if prev, ok := byKey[x.d.Key()]; ok && !bytes.Equal(prev, x.d.Raw) {
			t.Errorf("%s names two different messages", x.d.Key())
		}
		byKey[x.d.Key()] = x.d.Raw
		per[x.fetcher]++
	}
	keyIDs := map[string]bool{}
	for _, raw := range byKey {
		keyIDs[messageID(raw)] = true
	}
	if len(byKey) != n || len(keyIDs) != n {
		t.Errorf("%d keys naming %d Message-IDs, want %d of each", len(byKey), len(keyIDs), n)
	}
	for id := range ids {
		if !keyIDs[id] {
			t.Errorf("message %s never delivered", id)
		}
	}
	t.Logf("%d deliveries for %d messages (fetcher 1: %d, fetcher 2: %d): %d duplicates the caller's key absorbs",
		len(all), n, per[1], per[2], len(all)-n)
}

// When the server renumbers the folder (here: it is deleted and made again, so UIDs start again at
// 1), UIDVALIDITY changes: a new message with an old UID still gets a new key, so the caller's
// deduplication never mistakes it for the message it already has.
func TestRenumberedFolderGetsNewKeys(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	u := srv.NewUser(t)
	u.CreateFolder(t, "Desk")
	first := u.Append(t, "Desk", imaptest.Raw(1, 200))
	rec := &recorder{}
	mb := testMailbox(u, srv.Addr)
	mb.Folder = "Desk"
	mb.IdlePeriod = 200 * time.Millisecond
	f := runFetcher(t, mb, rec.deliver)
	waitFor(t, "first delivery", 5*time.Second, func() bool { return len(rec.deliveries()) == 1 })

	c := u.Dial(t)
	if err := c.Delete("Desk").Wait(); err != nil {
		t.Fatal(err)
	}
	u.CreateFolder(t, "Desk")
	second := u.Append(t, "Desk", imaptest.Raw(2, 200))
	if first != second {
		t.Fatalf("the new folder's first UID is %d, want %d again (the point of this test)", second, first)
	}
	waitFor(t, "delivery from the new folder", 5*time.Second, func() bool { return len(rec.deliveries()) == 2 })
	got := rec.deliveries()
	if got[0].UID != got[1].UID || got[0].UIDValidity == got[1].UIDValidity || got[0].Key() == got[1].Key() {
		t.Errorf("deliveries %s and %s: want the same UID under two UIDVALIDITYs, so two keys", got[0].Key(), got[1].Key())
	}
	if messageID(got[0].Raw) == messageID(got[1].Raw) {
		t.Error("the two deliveries are the same message")
	}
	if st := f.Status(); st.UIDValidity != got[1].UIDValidity {
		t.Errorf("status shows UIDVALIDITY %d, want the new folder's %d", st.UIDValidity, got[1].UIDValidity)
	}
}

func messageID(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			return v
		}
	}
	return ""
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := imaptest.Dovecot(t)
	tlsAddr, roots := srv.TLS(t)
	for _, tc := range []struct {
		name   string
		mode   mail.TLSMode
		addr   string
		roots  *x509.CertPool
		refuse bool
	}{
		{"implicit TLS", mail.TLSImplicit, tlsAddr, roots, false},
		{"STARTTLS", mail.TLSStartTLS, srv.Addr, roots, false},
		{"implicit TLS, certificate not trusted", mail.TLSImplicit, tlsAddr, x509.NewCertPool(), true},
		{"STARTTLS, certificate not trusted", mail.TLSStartTLS, srv.Addr, x509.NewCertPool(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := srv.NewUser(t)
			u.Append(t, "INBOX", imaptest.Raw(1, 200))
			mb := testMailbox(u, tc.addr)
			mb.TLS = tc.mode
			mb.TLSConfig = &tls.Config{RootCAs: tc.roots}
			rec := &recorder{}
			f := runFetcher(t, mb, rec.deliver)
			if !tc.refuse {
				waitFor(t, "delivery over TLS", 5*time.Second, func() bool { return len(rec.deliveries()) == 1 })
				return
			}
			waitFor(t, "a TLS error", 5*time.Second, func() bool { return f.Status().LastError != "" })
			time.Sleep(100 * time.Millisecond) // a few reconnection attempts
			st := f.Status()
			if st.Connects != 0 || len(rec.deliveries()) != 0 || !strings.Contains(st.LastError, "certificate") {
				t.Errorf("status %+v: want no login and a certificate error", st)
			}
		})
	}
}

func TestMailboxValidate(t *testing.T) {
	t.Parallel()
	ok := mail.Mailbox{Name: "desk", Addr: "imap.uni.example:993", Username: "desk", Password: "x"}
	for _, tc := range []struct {
		name string
		edit func(m *mail.Mailbox)
		want string // "" for valid
	}{
		{"implicit TLS", func(m *mail.Mailbox) {}, ""},
		{"STARTTLS", func(m *mail.Mailbox) { m.TLS = mail.TLSStartTLS }, ""},
		{"no TLS to a remote server", func(m *mail.Mailbox) { m.TLS = mail.TLSNone }, "in clear"},
		{"no TLS to loopback", func(m *mail.Mailbox) { m.TLS = mail.TLSNone; m.Addr = "127.0.0.1:143" }, ""},
		{"no TLS to localhost by name", func(m *mail.Mailbox) { m.TLS = mail.TLSNone; m.Addr = "localhost:143" }, "in clear"},
		{"no name", func(m *mail.Mailbox) { m.Name = "" }, "name"},
		{"no port", func(m *mail.Mailbox) { m.Addr = "imap.uni.example" }, "host:port"},
		{"no username", func(m *mail.Mailbox) { m.Username = "" }, "username"},
		{"move without a folder", func(m *mail.Mailbox) { m.After = mail.MoveTo }, "folder"},
		{"move to the watched folder", func(m *mail.Mailbox) { m.After = mail.MoveTo; m.MoveFolder = "INBOX" }, "folder"},
		{"move", func(m *mail.Mailbox) { m.After = mail.MoveTo; m.MoveFolder = "Done" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ok
			tc.edit(&m)
			err := m.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
			if _, nerr := mail.NewFetcher(m, func(context.Context, mail.Delivery) error { return nil }, mail.Options{}); (nerr == nil) != (err == nil) {
				t.Errorf("NewFetcher disagrees with Validate: %v", nerr)
			}
		})
	}
}

// BenchmarkFetch measures how fast a fetcher takes messages (4 KB each) from Dovecot with a
// Deliver that does nothing, marking each seen: the ceiling the fetcher puts on ingestion.
func BenchmarkFetch(b *testing.B) {
	srv := imaptest.Dovecot(b)
	u := srv.NewUser(b)
	c := u.Dial(b)
	raws := make([][]byte, b.N)
	for i := range raws {
		raws[i] = imaptest.Raw(i, 4096)
	}
	appendStart := time.Now()
	u.AppendMany(b, c, "INBOX", raws)
	b.Logf("appended %d messages in %v", b.N, time.Since(appendStart))
	var mu sync.Mutex
	delivered := 0
	done := make(chan struct{})
	deliver := func(ctx context.Context, d mail.Delivery) error {
		mu.Lock()
		delivered++
		if delivered == b.N {
			close(done)
		}
		mu.Unlock()
		return nil
	}
	f, err := mail.NewFetcher(mail.Mailbox{Name: "bench", Addr: srv.Addr, TLS: mail.TLSNone, Username: u.Name, Password: u.Password}, deliver, mail.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	began := time.Now()
	go f.Run(ctx)
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatal("not all messages delivered")
	}
	elapsed := time.Since(began)
	b.StopTimer()
	// The marks are pipelined: wait until the last is in.
	for f.Status().LastFetchAt.IsZero() {
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
