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

// Add queues a record; its time is taken now, when the read happened. After Close, Add writes
// the record at once.
func (b *Buffer) Add(r desk.AuditRecord) {
	if r.At.IsZero() {
		r.At = b.s.Now()
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.write([]desk.AuditRecord{r})
		return
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
			b.Flush()
			return
		}
		b.Flush()
	}
}

// Flush writes every queued record now.
func (b *Buffer) Flush() {
	b.mu.Lock()
	batch := b.pending
	b.pending = nil
	b.mu.Unlock()
	b.write(batch)
}

func (b *Buffer) write(batch []desk.AuditRecord) {
	if len(batch) == 0 {
		return
	}
	// A failed write is retried; records are not dropped while the database is reachable at all.
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = b.s.AppendAudit(context.Background(), batch); err == nil {
			return
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	b.log.Error("audit: records of reads could not be written", "count", len(batch), "err", err)
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
