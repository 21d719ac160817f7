package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"calldesk/internal/desk"
	"calldesk/internal/keys"
	"calldesk/internal/store"
)

// masterKeysSetting is the master key file (issue 20 point 3): the keys that wrap the data keys
// under which sensitive content is sealed. It lives outside the database and its backups.
func masterKeysSetting(st *settings) *string {
	return st.add("master-keys-file", "", "the master key file (made by calldesk keys generate; mode 600, outside the database and its backups): special-category call text, files, stored emails, subject access bundles (with their redaction candidates) and second-factor secrets are sealed (AES-256-GCM) under data keys it wraps; empty: written in the clear, and refused once the database holds sealed content", false, func(v string) error {
		if v == "" {
			return nil
		}
		_, err := keys.Load(v)
		return err
	})
}

// loadRing reads the master key file at path; nil when path is empty.
func loadRing(path string) (*keys.Ring, error) {
	if path == "" {
		return nil, nil
	}
	return keys.Load(path)
}

const keysUsage = `Manages the master keys (issue 20 point 3). Content that would hurt most if the database or a
backup leaked is sealed with AES-256-GCM under data keys; the data keys are stored wrapped by a
master key kept in a file outside the database (--master-keys-file, CALLDESK_MASTER_KEYS_FILE),
one key a line, the first wrapping new data keys.

  calldesk keys generate --out FILE     make a new master key and put it first in FILE (created
                                        with mode 600 when missing; the keys already there stay,
                                        to open the data keys wrapped under them)
  calldesk keys rotate                  re-wrap every data key under the file's first key, in
                                        batches, while calldesk serves (serve re-reads the file
                                        within a minute of a change)
  calldesk keys seal                    seal the content written before the file was given
                                        (special-category call text and diaries, files, stored
                                        emails, subject access bundles and their redaction
                                        candidates, second-factor secrets),
                                        table by table in batches, while calldesk serves; then
                                        overwrite the plain copies in the database files
  calldesk keys status                  how many data keys each master key wraps
  calldesk keys retire --key ID         mark a master key retired once no data key uses it; then
                                        delete its line from the file

Rotation: generate (the new key goes first), wait a minute for serve to take it up (or restart
it), rotate, check status shows nothing under the old key, retire it, delete its line.`

func keysCmd(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(e.Stderr, "Usage: calldesk keys generate|rotate|seal|status|retire [flags]\n\n"+keysUsage)
		return usageError{errors.New("keys: say generate, rotate, seal, status or retire")}
	}
	verb, args := args[0], args[1:]
	switch verb {
	case "generate":
		return keysGenerate(e, args)
	case "rotate", "seal", "status", "retire":
	default:
		return usageError{fmt.Errorf("keys: unknown command %q: say generate, rotate, seal, status or retire", verb)}
	}
	fs, st := flags(e, "keys "+verb, keysUsage)
	db := dbSetting(st)
	file := masterKeysSetting(st)
	batch := st.add("batch", "1000", "rotate: data keys re-wrapped per transaction; seal: rows read per transaction", false, checkInt(1, 100000))
	key := st.add("key", "", "retire: the master key's id", false, nil)
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if *file == "" {
		return usageError{errors.New("--master-keys-file is required")}
	}
	s, err := openSealed(ctx, e, *db, false, file)
	if err != nil {
		return err
	}
	defer s.Close()
	actor := desk.System("calldesk keys " + verb)
	switch verb {
	case "rotate":
		n, _ := strconv.Atoi(*batch)
		total, after := 0, int64(0)
		for {
			done, last, err := s.RotateKeys(ctx, actor, after, n)
			if err != nil {
				return fmt.Errorf("rotate (after %d data keys re-wrapped): %w", total, err)
			}
			if last == 0 {
				break
			}
			total, after = total+done, last
			fmt.Fprintf(e.Stdout, "re-wrapped %d data keys\n", total)
		}
		cur := "the file's first key"
		if r, err := loadRing(*file); err == nil && r != nil {
			cur = r.Current().ID
		}
		fmt.Fprintf(e.Stdout, "every data key is wrapped under %s (%d re-wrapped); an instance still on the old file may wrap new ones under the old key until it takes the file up: run rotate again, then check with calldesk keys status\n", cur, total)
		return nil
	case "seal":
		n, _ := strconv.Atoi(*batch)
		return keysSeal(ctx, e, s, actor, n)
	case "retire":
		if *key == "" {
			return usageError{errors.New("--key is required: the id of the master key to retire")}
		}
		if err := s.RetireMasterKey(ctx, actor, *key); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "master key %s is retired: no data key is wrapped under it; delete its line from %s\n", *key, *file)
		return nil
	}
	use, err := s.KeyStatus(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "MASTER KEY\tDATA KEYS\tIN FILE\tSTATE")
	for _, u := range use {
		state := "can be retired: no data key uses it"
		switch {
		case u.Current:
			state = "current: wraps new data keys"
		case u.Retired:
			state = "retired"
		case !u.Seen:
			state = "never used by this database"
		case u.DataKeys > 0:
			state = "in use: rotate to re-wrap under the current key"
		}
		in := "yes"
		if !u.InFile {
			in = "no"
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", u.ID, u.DataKeys, in, state)
	}
	return w.Flush()
}

func keysGenerate(e Env, args []string) error {
	fs, st := flags(e, "keys generate", keysUsage)
	out := st.add("out", "", "the master key file to make or to put the new key first in", false, nil)
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("--out is required: the master key file")}
	}
	line, err := keys.Generate(rand.Reader, e.Now())
	if err != nil {
		return err
	}
	old, err := os.ReadFile(*out)
	switch {
	case errors.Is(err, os.ErrNotExist):
		old = nil
	case err != nil:
		return err
	default:
		if _, err := keys.Load(*out); err != nil { // a file others may read, or not a key file: leave it alone
			return err
		}
	}
	text := "# calldesk master keys: the first wraps new data keys; keep every line until calldesk keys retire says it may go\n" + line + "\n"
	for _, l := range strings.Split(string(old), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			text += l + "\n"
		}
	}
	if _, err := keys.Parse([]byte(text), *out); err != nil {
		return err
	}
	tmp := *out + ".new"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(e.Stdout, "master key %s is now first in %s (it wraps new data keys); keep a copy of the file apart from the database and its backups: without it the sealed content cannot be read\n", strings.Fields(line)[0], *out)
	return nil
}

// ensureMasterKeys checks the store's master keys at start-up (store.CheckKeys), naming the file.
func ensureMasterKeys(ctx context.Context, s *store.Store) error {
	if err := s.CheckKeys(ctx); err != nil {
		return fmt.Errorf("master keys: %w", err)
	}
	return nil
}

// keyReloader re-reads the master key file when it changes (a new key put first by calldesk keys
// generate, an old one removed after retiring it), so that a rotation needs no restart. A file
// that no longer opens the database's data keys is refused, saying why, and the keys in use stay.
func keyReloader(s *store.Store, path string, log *slog.Logger) func(context.Context) error {
	var seen os.FileInfo
	if fi, err := os.Stat(path); err == nil {
		seen = fi
	}
	return func(ctx context.Context) error {
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("master key file: %w", err)
		}
		if seen != nil && fi.ModTime().Equal(seen.ModTime()) && fi.Size() == seen.Size() {
			return nil
		}
		r, err := keys.Load(path)
		if err == nil {
			err = s.CheckRing(ctx, r)
		}
		if err != nil {
			return fmt.Errorf("master key file changed but is not taken up (the keys in use stay): %w", err)
		}
		seen = fi
		s.SetKeys(r)
		log.Info("master key file taken up", "current", r.Current().ID, "keys", strings.Join(r.IDs(), " "))
		return nil
	}
}

// keysSeal seals, table by table, the content written before the master key file was given
// (store.SealExisting), batch by batch while calldesk serves, printing its progress, then
// overwrites the plain copies the seal left in the database files (shredNow).
func keysSeal(ctx context.Context, e Env, s *store.Store, actor desk.Actor, batch int) error {
	var counts []string
	all := 0
	for _, table := range store.SealTables() {
		total, after := 0, int64(0)
		for {
			done, last, err := s.SealExisting(ctx, actor, table, after, batch)
			if err != nil {
				return fmt.Errorf("seal %s (after %d rows sealed): %w", table, total, err)
			}
			if last == 0 {
				break
			}
			total, after = total+done, last
			fmt.Fprintf(e.Stdout, "%s: sealed %d rows (read up to id %d)\n", table, total, last)
		}
		fmt.Fprintf(e.Stdout, "%s: done, %d rows sealed\n", table, total)
		counts = append(counts, fmt.Sprintf("%s %d", table, total))
		all += total
	}
	fmt.Fprintf(e.Stdout, "sealed %d rows written before encryption was turned on (%s); content written meanwhile by an instance with the master key file is sealed already\n", all, strings.Join(counts, ", "))
	// The seal overwrote the plain content: its bytes must go from the database's files, and a
	// call's plain words from the search index's storage, as after an erasure.
	return shredNow(ctx, e, s, "keys seal: the content is sealed")
}
