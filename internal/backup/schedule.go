package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// WriteFile writes a backup to a new file at path: written under a temporary name beside it and
// renamed once whole, so a file of that name is always a whole backup; an existing file is never
// replaced.
func WriteFile(ctx context.Context, path string, o Options) (Manifest, error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, desk.Errorf(desk.ECONFLICT, "%s exists: a backup is written to a new file", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name())
	m, err := Write(ctx, f, o)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return m, err
	}
	if err := os.Link(f.Name(), path); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// Schedule takes a backup into Dir every Every (one instance of several each time: the claim is
// in the database), keeping the newest Keep of its files.
type Schedule struct {
	Options
	Dir   string
	Every time.Duration
	Keep  int
	Log   *slog.Logger
}

// name is a scheduled backup's file name: its time sorts with its name.
func (sc *Schedule) name(t time.Time) string {
	return "calldesk-" + t.UTC().Format("20060102T150405Z") + ".age"
}

// Run takes the backup when it is due; it is meant to run every minute or so.
func (sc *Schedule) Run(ctx context.Context) error {
	due, err := sc.Store.ClaimBackup(ctx, sc.Every)
	if err != nil || !due {
		return err
	}
	path := filepath.Join(sc.Dir, sc.name(sc.Store.Now()))
	started := time.Now()
	m, err := WriteFile(ctx, path, sc.Options)
	if err != nil {
		if rerr := sc.Store.RetryBackup(ctx, 10*time.Minute); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return fmt.Errorf("scheduled backup (tried again in 10 minutes): %w", err)
	}
	fi, _ := os.Stat(path)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	removed, perr := Prune(sc.Dir, sc.Keep)
	detail := fmt.Sprintf("scheduled backup of the %s database (schema %d), %d bytes, encrypted to %d recipient(s); %d older backup(s) removed (keeping %d)",
		m.Engine, m.Schema, size, len(sc.Recipients), len(removed), sc.Keep)
	if err := sc.Store.NoteBackup(ctx, desk.System("backup"), "backup.write", filepath.Base(path), detail); err != nil {
		return err
	}
	if sc.Log != nil {
		sc.Log.Info("backup written", "file", path, "bytes", size, "took", time.Since(started).Round(time.Millisecond), "removed", removed)
	}
	return perr
}

// Prune removes the scheduled backups in dir beyond the newest keep, and partial files a crash
// left more than a day ago, and returns the names it removed.
func Prune(dir string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var backups, removed []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "calldesk-") && strings.HasSuffix(n, ".age") && e.Type().IsRegular():
			backups = append(backups, n)
		case strings.HasPrefix(n, ".calldesk-") && strings.Contains(n, ".age.partial-"):
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
				if os.Remove(filepath.Join(dir, n)) == nil {
					removed = append(removed, n)
				}
			}
		}
	}
	slices.Sort(backups)
	var errs []error
	for len(backups) > keep {
		if err := os.Remove(filepath.Join(dir, backups[0])); err != nil {
			errs = append(errs, err)
		} else {
			removed = append(removed, backups[0])
		}
		backups = backups[1:]
	}
	return removed, errors.Join(errs...)
}
