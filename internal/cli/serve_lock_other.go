//go:build !unix

package cli

// lockSQLite does nothing where flock is missing: run one `calldesk serve` per SQLite file.
func lockSQLite(string) (func(), error) { return func() {}, nil }
