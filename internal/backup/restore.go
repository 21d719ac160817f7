package backup

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"calldesk/internal/desk"
)

// Restore restores a backup's payload (from Open) into target, which must hold no database yet:
// a SQLite path where no file is, or the URL of a PostgreSQL database without tables (checked by
// the caller, who has a store on it: store.EmptyDatabase). It restores all or nothing: a payload
// cut short or damaged leaves no file (SQLite) and an empty database (PostgreSQL, one
// transaction). pgRestore is the pg_restore program ("" : from the PATH).
func Restore(ctx context.Context, m Manifest, payload io.Reader, target, pgRestore string) error {
	postgres := strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
	switch {
	case m.Engine == "sqlite" && postgres, m.Engine == "postgres" && !postgres:
		return desk.Errorf(desk.EINVALID, "this backup is of a %s database; restore it into a %s", m.Engine, map[bool]string{true: "SQLite file path", false: "postgres:// URL"}[m.Engine == "sqlite"])
	case m.Engine == "sqlite" && m.Payload == "sqlite-file":
		return restoreSQLite(ctx, payload, target)
	case m.Engine == "postgres" && m.Payload == "pg_dump-custom":
		return restorePostgres(ctx, payload, target, pgRestore)
	}
	return desk.Errorf(desk.EINVALID, "this backup holds a %s payload for %s, which this calldesk cannot restore", m.Payload, m.Engine)
}

func restoreSQLite(ctx context.Context, payload io.Reader, path string) error {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return desk.Errorf(desk.ECONFLICT, "%s exists: a restore writes a new database file and never replaces one", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".restoring-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, payload); err != nil {
		return desk.Errorf(desk.EINVALID, "the backup is damaged or cut short (nothing was restored): %v", err)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := quickCheck(ctx, tmp.Name()); err != nil {
		return err
	}
	// Link, not rename: a file that appeared at path meanwhile is not replaced.
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("restore into %s: %w", path, err)
	}
	done = true
	os.Remove(tmp.Name())
	return nil
}

// quickCheck runs SQLite's quick_check on the restored file before it takes the target's name.
func quickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return desk.Errorf(desk.EINVALID, "the restored file is not a SQLite database: %v", err)
	}
	if res != "ok" {
		return desk.Errorf(desk.EINVALID, "the restored database fails SQLite's check: %s", res)
	}
	return nil
}

func restorePostgres(ctx context.Context, payload io.Reader, target, given string) error {
	dsn, err := libpqURL(target)
	if err != nil {
		return err
	}
	prog, err := program(given, "pg_restore")
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, prog, "--dbname="+dsn, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--no-password")
	cmd.Stdin, cmd.Stderr = payload, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_restore failed (nothing was restored: it runs in one transaction): %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
