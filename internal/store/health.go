package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Health and pool figures for monitoring (issue 21 point 6): whether the database answers, whether
// its schema is this binary's, and how busy the connection pools and SQLite's writer are. Each is
// read-only and cheap: a readiness probe calls them every few seconds, a metrics scrape every few
// more.

// Ping checks that the database answers a query, within ctx's deadline.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return s.mapErr(fmt.Errorf("ping: %w", err))
	}
	return nil
}

// SchemaState returns the database's schema version and the newest version this binary knows,
// reading without writing (SchemaVersion creates the version table when missing, which only a
// migration should). A database never migrated has no version table and is an error here.
func (s *Store) SchemaState(ctx context.Context) (db, known int, err error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, 0, err
	}
	known = ms[len(ms)-1].version
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&db); err != nil {
		return 0, known, fmt.Errorf("read the schema version: %w", err)
	}
	return db, known, nil
}

// PoolStats is what the store's connection pools and SQLite's writer are doing now.
type PoolStats struct {
	// Pools are database/sql's figures per pool: "read" and "write" on SQLite (the write pool is
	// the writer's one connection), "main" on PostgreSQL (one pool for both).
	Pools map[string]sql.DBStats
	// Writer is SQLite's single writer; zero on PostgreSQL (HasWriter false).
	HasWriter bool
	Writer    WriterStats
}

// WriterStats counts SQLite's single writer's work since the store opened.
type WriterStats struct {
	// Queued is how many writes wait for the writer now.
	Queued int
	// Batches is how many transactions the writer has run; Writes how many writes they held
	// (Writes/Batches is the mean batch size).
	Batches, Writes int64
	// Busy is the time the writer spent running its transactions, not counting its wait for
	// writes before a batch: over a span of time, the share of it the writer was busy. Near all
	// of it, the instance writes as fast as it can, and writes queue.
	Busy time.Duration
	// BatchSizes counts batches by size: BatchSizes[i] those of at most BatchSizeBounds()[i]
	// writes and more than the bound before (a histogram's buckets, not cumulative).
	BatchSizes [batchBuckets]int64
}

// batchBuckets is how many powers of two up to maxBatch (64) bound the batch-size buckets.
const batchBuckets = 7

// BatchSizeBounds are the upper bounds of WriterStats.BatchSizes' buckets: 1, 2, 4 ... maxBatch.
func BatchSizeBounds() [batchBuckets]int {
	var b [batchBuckets]int
	for i := range b {
		b[i] = 1 << i
	}
	return b
}

// Stats returns the pools' and the writer's figures.
func (s *Store) Stats() PoolStats {
	if s.w == nil {
		return PoolStats{Pools: map[string]sql.DBStats{"main": s.read.Stats()}}
	}
	return PoolStats{Pools: map[string]sql.DBStats{"read": s.read.Stats(), "write": s.write.Stats()}, HasWriter: true, Writer: s.w.stats()}
}
