package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TLSMode is how a fetcher protects its connection to the IMAP server.
type TLSMode int

const (
	// TLSImplicit connects with TLS from the first byte (IMAPS, usually port 993). The zero value.
	TLSImplicit TLSMode = iota
	// TLSStartTLS connects in clear and upgrades with STARTTLS before logging in (port 143).
	TLSStartTLS
	// TLSNone sends the password in clear: refused for any address but a loopback IP, so only
	// tests against a local server can use it.
	TLSNone
)

// String names the mode as configuration spells it.
func (m TLSMode) String() string {
	switch m {
	case TLSImplicit:
		return "tls"
	case TLSStartTLS:
		return "starttls"
	case TLSNone:
		return "none"
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// ParseTLSMode reads a mode as configuration spells it: "tls", "starttls" or "none".
func ParseTLSMode(s string) (TLSMode, error) {
	for _, m := range []TLSMode{TLSImplicit, TLSStartTLS, TLSNone} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown IMAP TLS mode %q: want tls, starttls or none", s)
}

// AfterAction is what the fetcher does to a message once Deliver has accepted it.
type AfterAction int

const (
	// MarkSeen sets \Seen; the fetcher takes the folder's unseen messages. The zero value.
	MarkSeen AfterAction = iota
	// MoveTo moves the message to [Mailbox.MoveFolder] (UID MOVE, or COPY, STORE \Deleted and
	// UID EXPUNGE where the server lacks MOVE); the fetcher takes every message in the folder.
	MoveTo
)

// Defaults for the zero fields of a [Mailbox].
const (
	DefaultFolder       = "INBOX"
	DefaultPollInterval = time.Minute
	// DefaultIdlePeriod re-issues IDLE before the 29 minutes after which RFC 2177 lets a server
	// drop an idle client.
	DefaultIdlePeriod   = 25 * time.Minute
	DefaultBatchSize    = 50
	DefaultBatchBytes   = 16 << 20
	DefaultReconnectMin = time.Second
	DefaultReconnectMax = 5 * time.Minute
	DefaultRetryMin     = 30 * time.Second
	DefaultRetryMax     = time.Hour
)

// Mailbox configures one fetcher: where the mailbox is, how to log in, which folder to watch and
// what to do with a message once it is delivered. Zero durations and sizes take the defaults above.
type Mailbox struct {
	// Name identifies the mailbox in deliveries, status and logs ("servicedesk").
	Name string
	// Addr is the server's host:port.
	Addr string
	// TLS is how the connection is protected; TLSNone only for a loopback address.
	TLS TLSMode
	// TLSConfig, when set, is used for TLS (for a private CA, say); ServerName defaults to Addr's host.
	TLSConfig *tls.Config
	Username  string
	Password  string
	// Folder is the folder watched (DefaultFolder).
	Folder string
	// After is what happens to a delivered message; MoveFolder is its destination for MoveTo
	// (created when missing).
	After      AfterAction
	MoveFolder string
	// MaxSize is the largest message (RFC822.SIZE, bytes) delivered with its body; a larger one
	// is delivered with its header only (Delivery.Oversized). It is the desk's one limit on a
	// message, so it must be the Intake's Limits.MessageMax (serve's --mail-max-message sets
	// both); 0 is the same default, DefaultMessageMax.
	MaxSize int64
	// DisableIdle polls every PollInterval even when the server offers IDLE.
	DisableIdle  bool
	PollInterval time.Duration
	// IdlePeriod bounds one IDLE command; the fetcher then checks the folder and idles again.
	IdlePeriod time.Duration
	// BatchSize and BatchBytes bound one UID FETCH of message bodies.
	BatchSize  int
	BatchBytes int64
	// ReconnectMin and ReconnectMax bound the backoff (doubling, with jitter) between attempts to
	// connect and log in after a failure.
	ReconnectMin, ReconnectMax time.Duration
	// RetryMin and RetryMax bound the backoff (doubling) before a message Deliver refused is offered again.
	RetryMin, RetryMax time.Duration
}

func (m Mailbox) withDefaults() Mailbox {
	if m.Folder == "" {
		m.Folder = DefaultFolder
	}
	if m.MaxSize <= 0 {
		m.MaxSize = DefaultMessageMax
	}
	if m.PollInterval <= 0 {
		m.PollInterval = DefaultPollInterval
	}
	if m.IdlePeriod <= 0 {
		m.IdlePeriod = DefaultIdlePeriod
	}
	if m.BatchSize <= 0 {
		m.BatchSize = DefaultBatchSize
	}
	if m.BatchBytes <= 0 {
		m.BatchBytes = DefaultBatchBytes
	}
	if m.ReconnectMin <= 0 {
		m.ReconnectMin = DefaultReconnectMin
	}
	if m.ReconnectMax < m.ReconnectMin {
		m.ReconnectMax = max(DefaultReconnectMax, m.ReconnectMin)
	}
	if m.RetryMin <= 0 {
		m.RetryMin = DefaultRetryMin
	}
	if m.RetryMax < m.RetryMin {
		m.RetryMax = max(DefaultRetryMax, m.RetryMin)
	}
	return m
}

// Validate reports what is wrong with the configuration, if anything.
func (m Mailbox) Validate() error {
	if m.Name == "" {
		return errors.New("mailbox: a name is required")
	}
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("mailbox %s: address %q is not host:port", m.Name, m.Addr)
	}
	switch m.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("mailbox %s: TLS none would send the password in clear to %s; only a loopback address may go without TLS", m.Name, host)
		}
	default:
		return fmt.Errorf("mailbox %s: unknown TLS mode %d", m.Name, int(m.TLS))
	}
	if m.Username == "" {
		return fmt.Errorf("mailbox %s: a username is required", m.Name)
	}
	switch m.After {
	case MarkSeen:
	case MoveTo:
		folder := m.Folder
		if folder == "" {
			folder = DefaultFolder
		}
		if m.MoveFolder == "" || m.MoveFolder == folder {
			return fmt.Errorf("mailbox %s: moving processed messages needs a folder other than %q", m.Name, folder)
		}
	default:
		return fmt.Errorf("mailbox %s: unknown action %d", m.Name, int(m.After))
	}
	return nil
}

// Delivery is one message handed to a [DeliverFunc].
type Delivery struct {
	// Mailbox is the configured Mailbox.Name.
	Mailbox string
	// UIDValidity and UID name the message within the watched folder (see Key).
	UIDValidity uint32
	UID         uint32
	// Raw is the whole message as the server holds it; when Oversized, only its header
	// (BODY.PEEK[HEADER], with the blank line that ends it; at most headerMax bytes of it).
	Raw []byte
	// Size is the server's RFC822.SIZE of the message.
	Size int64
	// Oversized is set when Size exceeds Mailbox.MaxSize: the body was not fetched, so that the
	// caller can refuse the message, naming its sender and subject, without downloading it.
	Oversized bool
}

// Key is the caller's deduplication key for the message: mailbox name, UIDVALIDITY and UID.
func (d Delivery) Key() string {
	return fmt.Sprintf("%s/%d/%d", d.Mailbox, d.UIDValidity, d.UID)
}

// DeliverFunc takes one message. It returns nil once what the message became is committed (or
// once the caller has recorded that it refuses the message for good); the fetcher then marks or
// moves it. An error leaves the message in place to be offered again after a backoff.
type DeliverFunc func(ctx context.Context, d Delivery) error

// Status is a fetcher's state for an administrator.
type Status struct {
	Mailbox   string
	Connected bool
	// Idle is true when the fetcher waits for new mail with IDLE, false when it polls.
	Idle        bool
	UIDValidity uint32
	// LastError is the latest connection, login or delivery error, at LastErrorAt; it stays after
	// recovery so the page can say what happened and when.
	LastError   string
	LastErrorAt time.Time
	// LastFetchAt is when the folder was last checked through to the end.
	LastFetchAt time.Time
	// Delivered counts messages Deliver accepted (including oversized ones); Failed counts Deliver
	// errors; Oversized counts messages delivered without their body.
	Delivered, Failed, Oversized int64
	// Retrying is how many messages wait to be offered again after a Deliver error.
	Retrying int
	// Connects counts successful logins; more than one means the fetcher reconnected.
	Connects int64
}

// Options are a fetcher's collaborators. Zero fields take defaults.
type Options struct {
	Logger *slog.Logger
	// Now is the clock for status times and retry schedules (time.Now).
	Now func() time.Time
	// After waits (time.After); tests may make waits instant.
	After func(time.Duration) <-chan time.Time
}

// Fetcher delivers the messages of one mailbox folder. Build it with [NewFetcher]; Run it once.
type Fetcher struct {
	mb      Mailbox
	deliver DeliverFunc
	log     *slog.Logger
	now     func() time.Time
	after   func(time.Duration) <-chan time.Time
	running atomic.Bool

	mu     sync.Mutex
	status Status

	// Owned by Run's goroutine.
	retries         map[imap.UID]retry
	retriesValidity uint32
}

type retry struct {
	attempts int
	next     time.Time
}

// NewFetcher checks mb and returns a fetcher for it that hands messages to deliver.
func NewFetcher(mb Mailbox, deliver DeliverFunc, opts Options) (*Fetcher, error) {
	if err := mb.Validate(); err != nil {
		return nil, err
	}
	if deliver == nil {
		return nil, fmt.Errorf("mailbox %s: no deliver function", mb.Name)
	}
	f := &Fetcher{
		mb:      mb.withDefaults(),
		deliver: deliver,
		log:     opts.Logger,
		now:     opts.Now,
		after:   opts.After,
		retries: map[imap.UID]retry{},
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	f.log = f.log.With("mailbox", mb.Name)
	if f.now == nil {
		f.now = time.Now
	}
	if f.after == nil {
		f.after = time.After
	}
	f.status.Mailbox = mb.Name
	return f, nil
}

// Status returns a snapshot of the fetcher's state. Safe to call from any goroutine.
func (f *Fetcher) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *Fetcher) update(fn func(s *Status)) {
	f.mu.Lock()
	fn(&f.status)
	f.mu.Unlock()
}

// Run fetches until ctx ends, then returns ctx's error. It connects, logs in, selects the folder,
// delivers what is waiting, then waits for more (IDLE, or polling) and repeats; after a failure to
// connect or log in, or a dropped connection, it reconnects with backoff. Errors are logged and
// shown in Status, never returned: a mailbox that is down must not stop calldesk.
func (f *Fetcher) Run(ctx context.Context) error {
	if !f.running.CompareAndSwap(false, true) {
		return fmt.Errorf("mailbox %s: already running", f.mb.Name)
	}
	defer f.running.Store(false)
	failures := 0
	for {
		progressed := false
		err := f.session(ctx, func() { progressed = true })
		f.update(func(s *Status) { s.Connected = false })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if progressed {
			failures = 0 // only a session that got through the folder resets the backoff
		}
		failures++
		delay := jitter(backoff(f.mb.ReconnectMin, f.mb.ReconnectMax, failures))
		f.recordError(err)
		f.log.Warn("imap: disconnected; reconnecting", "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.after(delay):
		}
	}
}

func (f *Fetcher) recordError(err error) {
	now := f.now()
	f.update(func(s *Status) {
		s.LastError = err.Error()
		s.LastErrorAt = now
	})
}

// backoff is lo doubled for each failure after the first, at most hi.
func backoff(lo, hi time.Duration, failures int) time.Duration {
	d := lo
	for i := 1; i < failures; i++ {
		if d >= hi/2 {
			return hi
		}
		d *= 2
	}
	return min(d, hi)
}

// jitter spreads d over ±20% so instances that lost the same server do not return in step.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()-0.5)*0.4*float64(d))
}

func (f *Fetcher) dial(ctx context.Context, opts *imapclient.Options) (*imapclient.Client, error) {
	host, _, _ := net.SplitHostPort(f.mb.Addr)
	tlsConfig := &tls.Config{}
	if f.mb.TLSConfig != nil {
		tlsConfig = f.mb.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	opts.TLSConfig = tlsConfig
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	switch f.mb.TLS {
	case TLSImplicit:
		tlsConfig.NextProtos = []string{"imap"}
		conn, err := (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", f.mb.Addr)
		if err != nil {
			return nil, err
		}
		return imapclient.New(conn, opts), nil
	case TLSStartTLS:
		conn, err := dialer.DialContext(ctx, "tcp", f.mb.Addr)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		defer stop()
		return imapclient.NewStartTLS(conn, opts)
	default:
		conn, err := dialer.DialContext(ctx, "tcp", f.mb.Addr)
		if err != nil {
			return nil, err
		}
		return imapclient.New(conn, opts), nil
	}
}

// session runs one connection until it fails or ctx ends; progressed is called each time it has
// gone through the folder.
func (f *Fetcher) session(ctx context.Context, progressed func()) error {
	wake := make(chan struct{}, 1)
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	c, err := f.dial(ctx, opts)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", f.mb.Addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	if err := c.WaitGreeting(); err != nil {
		return fmt.Errorf("connect to %s: %w", f.mb.Addr, err)
	}
	if err := c.Login(f.mb.Username, f.mb.Password).Wait(); err != nil {
		return fmt.Errorf("log in to %s as %s: %w", f.mb.Addr, f.mb.Username, err)
	}
	if f.mb.After == MoveTo {
		if err := ensureFolder(c, f.mb.MoveFolder); err != nil {
			return err
		}
	}
	validity, err := f.selectFolder(c)
	if err != nil {
		return err
	}
	caps := c.Caps()
	useIdle := !f.mb.DisableIdle && (caps.Has(imap.CapIdle) || caps.Has(imap.CapIMAP4rev2))
	f.update(func(s *Status) {
		s.Connected = true
		s.Idle = useIdle
		s.Connects++
	})
	f.log.Info("imap: connected", "addr", f.mb.Addr, "folder", f.mb.Folder, "uidvalidity", validity, "idle", useIdle)

	for {
		select {
		case <-wake:
		default:
		}
		if err := f.cycle(ctx, c, validity); err != nil {
			return err
		}
		progressed()
		now := f.now()
		f.update(func(s *Status) {
			s.LastFetchAt = now
			s.Retrying = len(f.retries)
		})

		wait := f.mb.PollInterval
		if useIdle {
			wait = f.mb.IdlePeriod
		}
		if next, ok := f.nextRetry(); ok {
			wait = min(wait, max(next.Sub(now), 0))
		}
		if wait == 0 {
			continue
		}
		var idle *imapclient.IdleCommand
		if useIdle {
			if idle, err = c.Idle(); err != nil {
				return fmt.Errorf("idle: %w", err)
			}
		}
		timedOut := false
		select {
		case <-wake:
		case <-f.after(wait):
			timedOut = true
		case <-ctx.Done():
		case <-c.Closed():
		}
		if idle != nil {
			if err := idle.Close(); err != nil {
				return fmt.Errorf("end idle: %w", err)
			}
			if err := idle.Wait(); err != nil {
				return fmt.Errorf("end idle: %w", err)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if timedOut {
			// Select again now and then: a folder deleted and made again under an open session
			// has a new UIDVALIDITY that Dovecot never announces to that session.
			if validity, err = f.selectFolder(c); err != nil {
				return err
			}
		}
	}
}

// selectFolder opens the watched folder and returns its UIDVALIDITY; a new UIDVALIDITY forgets
// the retry schedule of the old numbering.
func (f *Fetcher) selectFolder(c *imapclient.Client) (uint32, error) {
	sel, err := c.Select(f.mb.Folder, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("select %s: %w", f.mb.Folder, err)
	}
	if sel.UIDValidity != f.retriesValidity {
		if f.retriesValidity != 0 {
			f.log.Warn("imap: the folder was renumbered (UIDVALIDITY changed)", "folder", f.mb.Folder, "was", f.retriesValidity, "now", sel.UIDValidity)
		}
		clear(f.retries)
		f.retriesValidity = sel.UIDValidity
	}
	f.update(func(s *Status) { s.UIDValidity = sel.UIDValidity })
	return sel.UIDValidity, nil
}

func ensureFolder(c *imapclient.Client, name string) error {
	list, err := c.List("", name, nil).Collect()
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	if len(list) > 0 {
		return nil
	}
	if err := c.Create(name, nil).Wait(); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

func (f *Fetcher) nextRetry() (time.Time, bool) {
	var next time.Time
	for _, r := range f.retries {
		if next.IsZero() || r.next.Before(next) {
			next = r.next
		}
	}
	return next, !next.IsZero()
}

// sizeChunk bounds one UID FETCH of sizes.
const sizeChunk = 500

// cycle delivers every message of the folder that is waiting and not in retry backoff, in UID order.
func (f *Fetcher) cycle(ctx context.Context, c *imapclient.Client, validity uint32) error {
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	if f.mb.After == MarkSeen {
		criteria.NotFlag = append(criteria.NotFlag, imap.FlagSeen)
	}
	found, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return fmt.Errorf("search %s: %w", f.mb.Folder, err)
	}
	uids := found.AllUIDs()
	slices.Sort(uids)
	now := f.now()
	for uid := range f.retries {
		if _, ok := slices.BinarySearch(uids, uid); !ok {
			delete(f.retries, uid) // taken by someone else, or gone
		}
	}
	due := uids[:0]
	for _, uid := range uids {
		if r, ok := f.retries[uid]; ok && r.next.After(now) {
			continue
		}
		due = append(due, uid)
	}
	for chunk := range slices.Chunk(due, sizeChunk) {
		if err := f.deliverChunk(ctx, c, validity, chunk); err != nil {
			return err
		}
	}
	return nil
}

func (f *Fetcher) deliverChunk(ctx context.Context, c *imapclient.Client, validity uint32, uids []imap.UID) error {
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return fmt.Errorf("fetch sizes: %w", err)
	}
	sizes := make(map[imap.UID]int64, len(msgs))
	for _, m := range msgs {
		sizes[m.UID] = m.RFC822Size
	}
	var group []imap.UID
	var groupBytes int64
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		err := f.deliverGroup(ctx, c, validity, group, sizes)
		group, groupBytes = group[:0], 0
		return err
	}
	for _, uid := range uids {
		size, ok := sizes[uid]
		if !ok {
			continue // expunged since the search
		}
		if size > f.mb.MaxSize {
			if err := flush(); err != nil {
				return err
			}
			header, err := fetchBodies(c, []imap.UID{uid}, headerSection)
			if err != nil {
				return fmt.Errorf("fetch header: %w", err)
			}
			if _, ok := header[uid]; !ok {
				continue // expunged since the search
			}
			var pending []func() error
			if err := f.deliverOne(ctx, c, Delivery{Mailbox: f.mb.Name, UIDValidity: validity, UID: uint32(uid), Raw: header[uid], Size: size, Oversized: true}, &pending); err != nil {
				return err
			}
			if err := waitAll(pending); err != nil {
				return err
			}
			continue
		}
		if len(group) > 0 && (len(group) >= f.mb.BatchSize || groupBytes+size > f.mb.BatchBytes) {
			if err := flush(); err != nil {
				return err
			}
		}
		group = append(group, uid)
		groupBytes += size
	}
	return flush()
}

var (
	bodySection   = &imap.FetchItemBodySection{Peek: true}
	headerSection = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
)

// headerMax bounds the header read of an oversized message: enough for any real one, and the
// refusal needs only its sender, subject and Message-ID.
const headerMax = 256 << 10

func (f *Fetcher) deliverGroup(ctx context.Context, c *imapclient.Client, validity uint32, uids []imap.UID, sizes map[imap.UID]int64) error {
	raw, err := fetchBodies(c, uids, bodySection)
	if err != nil {
		return fmt.Errorf("fetch messages: %w", err)
	}
	var pending []func() error
	for _, uid := range uids {
		b, ok := raw[uid]
		if !ok {
			continue // expunged since the search
		}
		d := Delivery{Mailbox: f.mb.Name, UIDValidity: validity, UID: uint32(uid), Raw: b, Size: sizes[uid]}
		if err := f.deliverOne(ctx, c, d, &pending); err != nil {
			waitAll(pending)
			return err
		}
	}
	return waitAll(pending)
}

// fetchBodies reads one section of messages: whole ones (bodySection), or their headers
// (headerSection, each at most headerMax bytes, the rest read and dropped). It does not use
// FetchCommand.Collect because of how go-imap v2.0.0-beta.8 handles a connection that ends inside
// a message: the literal simply ends early (io.EOF, no error), and Collect then reads the buffered
// connection again while the client's decoder goroutine does (a data race). Here a short literal
// is an error, the client is closed and nothing touches the command again.
func fetchBodies(c *imapclient.Client, uids []imap.UID, section *imap.FetchItemBodySection) (map[imap.UID][]byte, error) {
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{section},
	})
	raw := make(map[imap.UID][]byte, len(uids))
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		var body []byte
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = item.UID
			case imapclient.FetchItemDataBodySection:
				if item.Literal == nil {
					continue
				}
				var b []byte
				var err error
				var read int64
				if section == headerSection {
					b, err = io.ReadAll(io.LimitReader(item.Literal, headerMax))
					var rest int64
					if err == nil {
						rest, err = io.Copy(io.Discard, item.Literal)
					}
					read = int64(len(b)) + rest
				} else {
					b, err = io.ReadAll(item.Literal)
					read = int64(len(b))
				}
				if err == nil && read != item.Literal.Size() {
					// The connection ended inside the literal: go-imap reports that as the
					// literal's end, not as an error.
					err = fmt.Errorf("UID %d: connection ended after %d of %d bytes", uid, read, item.Literal.Size())
				}
				if err != nil {
					c.Close()
					return nil, err
				}
				body = b
			}
		}
		if uid != 0 && body != nil {
			raw[uid] = body
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	return raw, nil
}

func waitAll(pending []func() error) error {
	var first error
	for _, wait := range pending {
		if err := wait(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// deliverOne hands d to Deliver and, when it is accepted, sends the command that marks or moves
// the message, adding its wait to pending (commands are pipelined; a native MOVE or a STORE is one
// command, so nothing depends on an earlier reply). Only a connection or context error is returned.
func (f *Fetcher) deliverOne(ctx context.Context, c *imapclient.Client, d Delivery, pending *[]func() error) error {
	uid := imap.UID(d.UID)
	if err := f.deliver(ctx, d); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := f.retries[uid]
		r.attempts++
		r.next = f.now().Add(backoff(f.mb.RetryMin, f.mb.RetryMax, r.attempts))
		f.retries[uid] = r
		f.recordError(fmt.Errorf("deliver UID %d: %w", d.UID, err))
		f.update(func(s *Status) { s.Failed++; s.Retrying = len(f.retries) })
		f.log.Warn("imap: deliver failed; will retry", "uid", d.UID, "attempt", r.attempts, "retry_at", r.next, "err", err)
		return nil
	}
	delete(f.retries, uid)
	f.update(func(s *Status) {
		s.Delivered++
		if d.Oversized {
			s.Oversized++
		}
		s.Retrying = len(f.retries)
	})
	if d.Oversized {
		f.log.Warn("imap: oversized message delivered with its header only", "uid", d.UID, "size", d.Size, "max", f.mb.MaxSize)
	}
	set := imap.UIDSetNum(uid)
	switch {
	case f.mb.After == MarkSeen:
		cmd := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil)
		*pending = append(*pending, func() error {
			if err := cmd.Close(); err != nil {
				return fmt.Errorf("mark UID %d seen: %w", d.UID, err)
			}
			return nil
		})
	case c.Caps().Has(imap.CapMove) || c.Caps().Has(imap.CapIMAP4rev2):
		cmd := c.Move(set, f.mb.MoveFolder)
		*pending = append(*pending, func() error {
			if _, err := cmd.Wait(); err != nil {
				return fmt.Errorf("move UID %d to %s: %w", d.UID, f.mb.MoveFolder, err)
			}
			return nil
		})
	default:
		// go-imap's own fallback pipelines COPY, STORE and EXPUNGE, so a failed COPY would still
		// delete the message: each step here waits for the one before.
		if err := waitAll(*pending); err != nil {
			return err
		}
		*pending = (*pending)[:0]
		if err := moveByCopy(c, set, f.mb.MoveFolder); err != nil {
			return fmt.Errorf("move UID %d to %s: %w", d.UID, f.mb.MoveFolder, err)
		}
	}
	return nil
}

// moveByCopy moves without MOVE (RFC 6851 section 3.3): COPY, then STORE \Deleted, then UID
// EXPUNGE of just that message; a server without UIDPLUS gets a plain EXPUNGE, which also removes
// any other message someone marked \Deleted in the folder.
func moveByCopy(c *imapclient.Client, set imap.UIDSet, folder string) error {
	if _, err := c.Copy(set, folder).Wait(); err != nil {
		return err
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return err
	}
	if c.Caps().Has(imap.CapUIDPlus) {
		return c.UIDExpunge(set).Close()
	}
	return c.Expunge().Close()
}
