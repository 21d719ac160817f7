package audit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Buffer batches audit records of reads (a call's detail or a person's record viewed) and writes
// them in one transaction every Interval or every Max records, whichever comes first, so reads
// stay fast. Close writes whatever is left: no record is lost on a clean shutdown.
type Buffer struct {
	s        *store.Store
	log      *slog.Logger
	interval time.Duration
	max      int

	mu      sync.Mutex
	pending []desk.AuditRecord
	kick    chan struct{}
	done    chan struct{}
	closed  bool
	wg      sync.WaitGroup
}

// NewBuffer starts a buffer writing to s. interval <= 0 means 200ms; max <= 0 means 500.
func NewBuffer(s *store.Store, log *slog.Logger, interval time.Duration, max int) *Buffer {
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	if max <= 0 {
		max = 500
	}
	b := &Buffer{s: s, log: log, interval: interval, max: max, kick: make(chan struct{}, 1), done: make(chan struct{})}
	b.wg.Add(1)
	go b.run()
	return b
}

// maxPending bounds the records waiting while the database cannot take them.
const maxPending = 100_000

// Add queues a record; its time is taken now, when the read happened. It refuses (EINTERNAL) when
// the database has been unable to take records for so long that maxPending are waiting: the
// caller must then not show the data, since its reading could not be recorded. After Close, Add
// writes the record at once.
func (b *Buffer) Add(r desk.AuditRecord) error {
	if r.At.IsZero() {
		r.At = b.s.Now()
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return b.s.AppendAudit(context.Background(), []desk.AuditRecord{r})
	}
	if len(b.pending) >= maxPending {
		b.mu.Unlock()
		return desk.Errorf(desk.EINTERNAL, "the audit trail cannot be written just now, so personal data is not shown; try again shortly")
	}
	b.pending = append(b.pending, r)
	full := len(b.pending) >= b.max
	b.mu.Unlock()
	if full {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

func (b *Buffer) run() {
	defer b.wg.Done()
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-b.kick:
		case <-b.done:
			b.drain()
			return
		}
		b.Flush()
	}
}

// Flush writes every queued record now. A batch the database refuses goes back to the front of
// the queue and is tried again at the next flush: nothing is dropped while calldesk runs.
func (b *Buffer) Flush() error {
	b.mu.Lock()
	batch := b.pending
	b.pending = nil
	b.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := b.s.AppendAudit(context.Background(), batch)
	if err != nil {
		b.mu.Lock()
		b.pending = append(batch, b.pending...)
		b.mu.Unlock()
		b.log.Error("audit: records of reads could not be written; keeping them to try again", "waiting", len(batch), "err", err)
	}
	return err
}

// drain flushes at shutdown, trying for up to half a minute while the database is unavailable,
// and says loudly how many records are lost if it still cannot.
func (b *Buffer) drain() {
	for attempt := 0; ; attempt++ {
		if b.Flush() == nil {
			return
		}
		if attempt == 30 {
			break
		}
		time.Sleep(time.Second)
	}
	b.mu.Lock()
	n := len(b.pending)
	b.mu.Unlock()
	b.log.Error("audit: LOST records of reads at shutdown: the database would not take them", "count", n)
}

// Close stops the background writer after writing everything queued.
func (b *Buffer) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.mu.Unlock()
	close(b.done)
	b.wg.Wait()
}
