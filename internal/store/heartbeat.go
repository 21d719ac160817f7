package store

import (
	"context"
	"time"
)

// Heartbeat calls beat every interval, in its own goroutine, until stop is called; stop returns
// once beat is no longer running. A job holding a lease renews it this way while it works, so
// that other instances know it is alive (a retention sweep, shredding). beat is given a context
// that ends at stop; an error of beat's is its own to report: the next beat tries again.
func Heartbeat(ctx context.Context, interval time.Duration, beat func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				beat(ctx)
			}
		}
	}()
	return func() { cancel(); <-done }
}
