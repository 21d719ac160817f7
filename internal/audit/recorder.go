package audit

import (
	"context"
	"sync"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Recorder writes the audit records of reads (a call's detail or a person's record viewed) and
// answers only once a record is durable, so a page or response showing personal data is never
// sent while its reading could still be lost (P2; issue 21: a crash lost records an in-memory
// buffer held). Reads that arrive while a batch is being committed are group-committed in the next
// transaction, as SQLite's writer does for writes, so concurrent reads share a commit and stay
// fast on both engines.
type Recorder struct {
	s   *store.Store
	sem chan struct{} // held by each goroutine committing batches

	mu    sync.Mutex
	queue []*readRecord
}

type readRecord struct {
	r    desk.AuditRecord
	err  error
	done chan struct{}
}

// maxReadBatch bounds how many records share one transaction, which bounds how long a reader
// waits behind others.
const maxReadBatch = 500

// NewRecorder returns a recorder writing to s.
func NewRecorder(s *store.Store) *Recorder {
	// SQLite has one writer, which group-commits by itself: one batch at a time is all it can
	// take. PostgreSQL commits several transactions at once and flushes their WAL together, so
	// a few batches commit side by side while the next ones gather.
	n := 1
	if s.Engine() == "postgres" {
		n = 4
	}
	return &Recorder{s: s, sem: make(chan struct{}, n)}
}

// Add writes r, taking its time now when it has none, and returns once it is committed. It
// returns an error when the record could not be written: the caller must then not show the data,
// since its reading could not be recorded. A database that is briefly unavailable is
// EUNAVAILABLE, saying so.
func (rc *Recorder) Add(r desk.AuditRecord) error {
	if r.At.IsZero() {
		r.At = rc.s.Now()
	}
	req := &readRecord{r: r, done: make(chan struct{})}
	rc.mu.Lock()
	rc.queue = append(rc.queue, req)
	rc.mu.Unlock()
	select {
	case <-req.done:
		return req.err
	case rc.sem <- struct{}{}:
	}
	// This goroutine commits batches until its own record is committed (by it, or by the
	// goroutine that held sem before); a reader still waiting then takes over what is left.
	func() {
		defer func() { <-rc.sem }()
		for !closed(req.done) {
			rc.mu.Lock()
			n := min(len(rc.queue), maxReadBatch)
			batch := rc.queue[:n:n]
			rc.queue = rc.queue[n:]
			rc.mu.Unlock()
			if n == 0 {
				return
			}
			rc.commit(batch)
		}
	}()
	<-req.done
	return req.err
}

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// commit writes a batch in one transaction; each reader learns the outcome.
func (rc *Recorder) commit(batch []*readRecord) {
	records := make([]desk.AuditRecord, len(batch))
	for i, req := range batch {
		records[i] = req.r
	}
	// The batch is everyone's: one reader giving up must not roll back the others' records.
	err := rc.s.AppendAudit(context.Background(), records)
	if err != nil {
		if desk.ErrorCode(err) == desk.EUNAVAILABLE {
			err = &desk.Error{Code: desk.EUNAVAILABLE, Message: "the audit trail cannot be written just now, so personal data is not shown: " +
				"the desk is briefly unavailable; try again in a moment"}
		}
	}
	for _, req := range batch {
		req.err = err
		close(req.done)
	}
}

// Queued is how many records of reads wait to be committed now: the group commit's backlog, for
// monitoring. It stays small while the database keeps up (each reader waits for its own record).
func (rc *Recorder) Queued() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.queue)
}

// Close waits for the batches being committed to finish. Every record is written before its Add
// returns, so nothing is left to write.
func (rc *Recorder) Close() {
	for range cap(rc.sem) {
		rc.sem <- struct{}{}
	}
	for range cap(rc.sem) {
		<-rc.sem
	}
}
