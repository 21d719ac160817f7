package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// WriteFile writes a backup to a new file at path and its key backup to path+KeysSuffix (taken
// after the database's): each written under a temporary name beside it and renamed once whole, so
// a file of either name is always whole, and the backup is there only with its key backup. An
// existing file is never replaced.
func WriteFile(ctx context.Context, path string, o Options) (Manifest, error) {
	for _, p := range []string{path, path + KeysSuffix} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			return Manifest{}, desk.Errorf(desk.ECONFLICT, "%s exists: a backup is written to a new file", p)
		}
	}
	var m Manifest
	db, err := writeTemp(path, func(w io.Writer) (err error) {
		m, err = Write(ctx, w, o)
		return err
	})
	if err != nil {
		return m, err
	}
	defer os.Remove(db)
	keys, err := writeTemp(path+KeysSuffix, func(w io.Writer) error {
		_, err := WriteKeys(ctx, w, o)
		return err
	})
	if err != nil {
		return m, err
	}
	defer os.Remove(keys)
	if err := os.Link(db, path); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := os.Link(keys, path+KeysSuffix); err != nil {
		os.Remove(path)
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// writeTemp writes a new file beside path, under a temporary name it returns, synced.
func writeTemp(path string, write func(io.Writer) error) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// Schedule takes a backup into Dir every Every (one instance of several each time: the claim is
// in the database), with its key backup, keeping the newest Keep backups and the newest KeepKeys
// key backups (fewer: keys.go says why).
type Schedule struct {
	Options
	Dir      string
	Every    time.Duration
	Keep     int
	KeepKeys int
	Log      *slog.Logger
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
	removed, perr := Prune(sc.Dir, sc.Keep, sc.KeepKeys)
	detail := fmt.Sprintf("scheduled backup of the %s database (schema %d), %d bytes, encrypted to %d recipient(s), with its key backup; %d older file(s) removed (keeping %d backups, %d key backups)",
		m.Engine, m.Schema, size, len(sc.Recipients), len(removed), sc.Keep, sc.KeepKeys)
	if err := sc.Store.NoteBackup(ctx, desk.System("backup"), "backup.write", filepath.Base(path), detail); err != nil {
		return err
	}
	if sc.Log != nil {
		sc.Log.Info("backup written", "file", path, "bytes", size, "took", time.Since(started).Round(time.Millisecond), "removed", removed)
	}
	return perr
}

// Prune removes the scheduled backups in dir beyond the newest keep, the key backups beyond the
// newest keepKeys, and partial files a crash left more than a day ago, and returns the names it
// removed.
func Prune(dir string, keep, keepKeys int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var backups, keys, removed []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "calldesk-") && strings.HasSuffix(n, ".age") && e.Type().IsRegular():
			backups = append(backups, n)
		case strings.HasPrefix(n, "calldesk-") && strings.HasSuffix(n, ".age"+KeysSuffix) && e.Type().IsRegular():
			keys = append(keys, n)
		case strings.HasPrefix(n, ".calldesk-") && (strings.Contains(n, ".age.partial-") || strings.Contains(n, ".age"+KeysSuffix+".partial-")):
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 24*time.Hour {
				if os.Remove(filepath.Join(dir, n)) == nil {
					removed = append(removed, n)
				}
			}
		}
	}
	var errs []error
	for _, set := range []struct {
		names []string
		keep  int
	}{{backups, keep}, {keys, max(keepKeys, 1)}} { // the newest key backup is always kept
		slices.Sort(set.names)
		for len(set.names) > set.keep {
			if err := os.Remove(filepath.Join(dir, set.names[0])); err != nil {
				errs = append(errs, err)
			} else {
				removed = append(removed, set.names[0])
			}
			set.names = set.names[1:]
		}
	}
	return removed, errors.Join(errs...)
}
