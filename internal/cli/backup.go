package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/audit"
	"calldesk/internal/backup"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// recipientsSetting is the age recipients backups are encrypted to, shared by backup and serve's
// scheduled backups. A list of public keys, not a secret; a secret-style setting so that
// CALLDESK_BACKUP_RECIPIENTS_FILE can name a recipients file (one age1... a line).
func recipientsSetting(st *settings) *string {
	return st.add("backup-recipients", "", "the age recipients (X25519 public keys, age1..., from age-keygen; several separated by commas) a backup is encrypted to: only the holders of their identities can read it; give at least two, kept apart, so that losing one does not lose the backups", true, func(v string) error {
		if v == "" {
			return nil
		}
		_, err := backup.ParseRecipients(v)
		return err
	})
}

const backupUsage = `Writes an encrypted backup of the database, taken online while calldesk runs, to a new file:
SQLite through a consistent snapshot (VACUUM INTO), PostgreSQL through pg_dump's custom format
(pg_dump on the PATH, the server's own URL, not a pooler's). The file is encrypted with age to
--backup-recipients and holds nothing calldesk keeps outside the database (the audit key, the
master keys), nor the data keys encrypted content is sealed under.

The data keys go to a key backup beside it, FILE.keys (encrypted to the same recipients; the
keys in it are wrapped under the master keys, which it does not hold). A data key never changes
once made (a rotation re-wraps it; crypto-shredding deletes it), so the newest key backup opens
every older backup, except the content shredded since: restore an old backup with
calldesk restore --keys NEWEST.keys. Keep key backups for a short time (serve keeps the newest
--backup-keep-keys, 2 by default, and --backup-keep database backups): once every key backup
older than a shredding is gone, the shredded content cannot be read from any backup, however old.
Restore it with calldesk restore. The backup is recorded in the audit trail.`

func backupCmd(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "backup", backupUsage)
	db := dbSetting(st)
	recipients := recipientsSetting(st)
	out := fs.String("out", "", "the file to write (a new file; calldesk-YYYYMMDD.age, say)")
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if *out == "" || *recipients == "" {
		return usageError{fmt.Errorf("say where and to whom: calldesk backup --out FILE --backup-recipients age1...")}
	}
	rs, _ := backup.ParseRecipients(*recipients)
	s, err := openStore(ctx, e, *db, false)
	if err != nil {
		return err
	}
	defer s.Close()
	started := time.Now()
	m, err := backup.WriteFile(ctx, *out, backup.Options{Store: s, DSN: *db, Recipients: rs, Version: Version()})
	if err != nil {
		return err
	}
	fi, err := os.Stat(*out)
	if err != nil {
		return err
	}
	detail := fmt.Sprintf("backup of the %s database (schema %d) by the command line, %d bytes, encrypted to %d recipient(s), with its key backup %s", m.Engine, m.Schema, fi.Size(), len(rs), *out+backup.KeysSuffix)
	if err := s.NoteBackup(ctx, desk.System("calldesk backup"), "backup.write", *out, detail); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "backup written to %s: the %s database at schema %d, %d bytes, encrypted to %d recipient(s), in %s; its data keys in %s\n",
		*out, m.Engine, m.Schema, fi.Size(), len(rs), time.Since(started).Round(time.Millisecond), *out+backup.KeysSuffix)
	return nil
}

const restoreUsage = `Restores an encrypted backup (from calldesk backup or serve's scheduled backups) into a new
database: --db names a SQLite file that does not exist yet, or an empty PostgreSQL database
(pg_restore on the PATH). It decrypts with the age identities in --identities, restores all or
nothing, then adds the data keys from the key backup: FILE.keys beside the backup, or a newer key
backup given by --keys (an old backup's own key backup may be gone: the newest opens it, but for
the content shredded since, which is counted and stays unreadable); --keys none restores without
data keys (encrypted content unreadable). The key backup is checked before anything is restored.
Then it checks the result: the schema is one this calldesk knows, the master key file
(--master-keys-file, the one the backed-up calldesk ran with) opens the data keys, and the audit
trail's hash chain verifies. Exit status 0 restored and intact, 1
restored but the master keys or the audit trail do not check (the first problem is named), 2
nothing restored, with the reason.`

func restoreCmd(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "restore", restoreUsage)
	db := dbSetting(st)
	masterKeys := masterKeysSetting(st)
	in := fs.String("in", "", "the backup file")
	keysFile := fs.String("keys", "", "the key backup to take the data keys from: FILE.keys beside the backup when not given; a newer one (the newest opens any older backup); none: restore without data keys")
	idents := st.add("identities", "", "a file of age identities (AGE-SECRET-KEY-1..., from age-keygen), one of which the backup was encrypted to", false, nil)
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if *in == "" || *idents == "" {
		return usageError{fmt.Errorf("say what and with which key: calldesk restore --in FILE --identities FILE --db TARGET")}
	}
	nothing := func(err error) error { return exitError{2, fmt.Errorf("nothing was restored: %w", err)} }
	idf, err := os.Open(*idents)
	if err != nil {
		return usageError{fmt.Errorf("--identities: %v", err)}
	}
	ids, err := backup.ParseIdentities(idf)
	idf.Close()
	if err != nil {
		return usageError{err}
	}
	f, err := os.Open(*in)
	if err != nil {
		return usageError{fmt.Errorf("--in: %v", err)}
	}
	defer f.Close()
	m, payload, err := backup.Open(f, ids...)
	if err != nil {
		return nothing(err)
	}
	kf := *keysFile
	var km backup.KeysManifest
	switch kf {
	case "none":
		kf = ""
	case "":
		kf = *in + backup.KeysSuffix
		if _, err := os.Stat(kf); errors.Is(err, os.ErrNotExist) {
			return nothing(desk.Errorf(desk.EINVALID, "%s, the backup's key backup, is not there (key backups are kept for a shorter time than backups): give the newest key backup with --keys, or --keys none to restore without the data keys (encrypted content then cannot be read)", kf))
		}
		fallthrough
	default:
		if km, err = backup.OpenKeysFile(kf, ids...); err != nil {
			return nothing(fmt.Errorf("the key backup %s: %w", kf, err))
		}
	}
	if m.Engine == "postgres" {
		// The target must exist and hold no tables.
		t, err := store.Open(ctx, *db, store.Options{Now: e.Now})
		if err != nil {
			return nothing(err)
		}
		empty, err := t.EmptyDatabase(ctx)
		t.Close()
		if err != nil {
			return nothing(err)
		}
		if !empty {
			return nothing(desk.Errorf(desk.ECONFLICT, "the database at --db holds tables: a restore goes into an empty database and never over one"))
		}
	}
	if err := backup.Restore(ctx, m, payload, *db, ""); err != nil {
		return nothing(err)
	}
	keysNote := "without data keys (--keys none)"
	if kf != "" {
		// Imported before the schema is checked: a backup taken before an upgrade gets its keys
		// too, and is then migrated.
		ks, err := store.Open(ctx, *db, store.Options{Now: e.Now, MustExist: true})
		if err != nil {
			return fmt.Errorf("the backup was restored, but its data keys were not (run the restore again into a new database): %w", err)
		}
		_, imp, err := backup.RestoreKeys(ctx, ks, desk.System("calldesk restore"), kf, ids...)
		ks.Close()
		if err != nil {
			return fmt.Errorf("the backup was restored, but its data keys were not (run the restore again into a new database): %w", err)
		}
		keysNote = fmt.Sprintf("%d data keys from %s (taken %s)", imp.DataKeys, kf, km.Created.Format(time.RFC3339))
		if km.Created.Before(m.Created) {
			fmt.Fprintf(e.Stdout, "warning: the key backup %s is older than the backup: the data keys made in between are not in it\n", kf)
		}
		if n := imp.UnreadableRows(); n > 0 {
			var per []string
			for _, u := range imp.Unreadable {
				per = append(per, fmt.Sprintf("%s %d", u.Table, u.Rows))
			}
			keysNote += fmt.Sprintf("; %d rows of encrypted content cannot be read, their keys shredded since the backup was taken (%s)", n, strings.Join(per, ", "))
		}
	}
	s, err := openStore(ctx, e, *db, false)
	if err != nil {
		return fmt.Errorf("the backup was restored with %s, but: %w", keysNote, err)
	}
	defer s.Close()
	ring, err := loadRing(*masterKeys)
	if err != nil {
		return err
	}
	s.SetKeys(ring)
	if err := s.CheckKeys(ctx); err != nil {
		return exitError{1, fmt.Errorf("the backup was restored with %s, but the master keys do not open them: %w", keysNote, err)}
	}
	rep, err := audit.Verify(ctx, s)
	if err != nil {
		return fmt.Errorf("the backup was restored, but its audit trail could not be checked: %w", err)
	}
	if !rep.OK() {
		return exitError{1, fmt.Errorf("the backup was restored, but its audit trail does not verify: %s", rep.First)}
	}
	if err := s.NoteBackup(ctx, desk.System("calldesk restore"), "backup.restore", *in, fmt.Sprintf(
		"restored from a backup of a %s database taken %s by calldesk %s (schema %d), with %s", m.Engine, m.Created.Format(time.RFC3339), m.Calldesk, m.Schema, keysNote)); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "restored %s into %s: the %s database of %s at schema %d, with %s; its audit trail verifies (%d records chained)\n",
		*in, *db, m.Engine, m.Created.Format(time.RFC3339), m.Schema, keysNote, rep.Checked)
	return nil
}

// scheduledBackups are serve's settings for its scheduled backups.
type scheduledBackups struct{ dir, every, keep, keepKeys, recipients *string }

func scheduleSettings(st *settings) scheduledBackups {
	return scheduledBackups{
		dir: st.add("backup-dir", "", "scheduled backups: the directory (on another disk or host; shared, with several instances) where serve writes an encrypted backup every --backup-every, keeping the newest --backup-keep; empty: no scheduled backups", false, func(v string) error {
			if v == "" {
				return nil
			}
			if fi, err := os.Stat(v); err != nil || !fi.IsDir() {
				return fmt.Errorf("is not a directory")
			}
			return nil
		}),
		every:      st.add("backup-every", "24h", "scheduled backups: how often (one instance of several takes each)", false, checkDuration(time.Hour, 31*24*time.Hour)),
		keep:       st.add("backup-keep", "7", "scheduled backups: how many of the newest to keep in --backup-dir (older ones are deleted)", false, checkInt(1, 1000)),
		keepKeys:   st.add("backup-keep-keys", "2", "scheduled backups: how many of the newest key backups (FILE.keys, the data keys) to keep in --backup-dir; the newest opens every older backup, and content shredded is unreadable in every backup once the key backups older than the shredding are gone (calldesk backup --help)", false, checkInt(1, 1000)),
		recipients: recipientsSetting(st),
	}
}

// schedule is the scheduled backups' job, nil when there are none.
func (b scheduledBackups) schedule(s *store.Store, dsn string, log *slog.Logger) *backup.Schedule {
	if *b.dir == "" {
		return nil
	}
	rs, _ := backup.ParseRecipients(*b.recipients)
	every, _ := time.ParseDuration(*b.every)
	keep, _ := strconv.Atoi(*b.keep)
	keepKeys, _ := strconv.Atoi(*b.keepKeys)
	return &backup.Schedule{Options: backup.Options{Store: s, DSN: dsn, Recipients: rs, Version: Version()},
		Dir: *b.dir, Every: every, Keep: keep, KeepKeys: keepKeys, Log: log}
}
