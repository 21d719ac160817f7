//go:build unix

package cli

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockSQLite makes sure no other `calldesk serve` runs on the SQLite file at path: several
// instances share a database on PostgreSQL only (their jobs, caches and writer queues assume one
// process per SQLite file). It holds an exclusive flock on the file itself (independent of
// SQLite's own fcntl locks) until unlock, which must be called after the store is closed:
// closing a descriptor of the file drops every fcntl lock this process holds on it, SQLite's
// included. Other commands (audit verify, retention, sar) do not take it and may run beside serve.
func lockSQLite(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another calldesk serve is running on %s: one instance serves a SQLite database (run several instances on PostgreSQL)", path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
