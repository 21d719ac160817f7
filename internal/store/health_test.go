package store

import (
	"context"
	"sync"
	"testing"
)

// The writer's batch-size buckets are the powers of two up to maxBatch, and a batch of n writes
// is counted in the smallest bucket at least n.
func TestWriterBatchBuckets(t *testing.T) {
	b := BatchSizeBounds()
	if b[len(b)-1] != maxBatch {
		t.Fatalf("the last bucket is %d, maxBatch %d", b[len(b)-1], maxBatch)
	}
	w := &sqliteWriter{}
	for _, n := range []int{1, 2, 3, 4, 5, 8, 9, 33, 64} {
		w.counted(n)
	}
	st := w.stats()
	want := [batchBuckets]int64{1, 1, 2, 2, 1, 0, 2} // 1 | 2 | 3,4 | 5,8 | 9 | - | 33,64
	if st.BatchSizes != want || st.Batches != 9 || st.Writes != 1+2+3+4+5+8+9+33+64 {
		t.Errorf("stats = %+v, want sizes %v", st, want)
	}
}

// Stats counts every write SQLite's writer committed, in batches, and the queue is empty once
// they are all acknowledged.
func TestWriterStats(t *testing.T) {
	ctx := context.Background()
	s := openWriterStore(t)
	before := s.Stats().Writer
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.inTx(ctx, func(t *Tx) error { _, err := t.exec(ctx, `SELECT 1`); return err }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	w := st.Writer
	if !st.HasWriter || w.Writes-before.Writes != 40 || w.Batches <= before.Batches || w.Batches-before.Batches > 40 || w.Queued != 0 {
		t.Errorf("after 40 writes: %+v (before %+v)", w, before)
	}
	var sum int64
	for _, n := range w.BatchSizes {
		sum += n
	}
	if sum != w.Batches {
		t.Errorf("buckets hold %d batches, Batches %d", sum, w.Batches)
	}
	if _, ok := st.Pools["read"]; !ok || st.Pools["write"].MaxOpenConnections != 1 {
		t.Errorf("pools: %+v", st.Pools)
	}
}
