// Package backup writes and restores encrypted backups of calldesk's database (issue 20 point 5;
// the policy's 20.4: data that leaves the premises is strongly encrypted).
//
// A backup is one age file (filippo.io/age: X25519 recipients, ChaCha20-Poly1305 in 64 KiB
// chunks, so a changed, cut or swapped byte fails decryption). Its plaintext is a header line, a
// manifest (JSON, one line) and the payload to the end:
//   - SQLite: a consistent snapshot of the database file (VACUUM INTO, taken while writers go on),
//     the data keys' rows deleted from it and the file rewritten (store.SnapshotSQLite);
//   - PostgreSQL: pg_dump's custom format (one repeatable-read transaction) without data_keys'
//     rows, restored by pg_restore in a single transaction.
//
// A backup holds what the database holds but its data keys, and nothing else: no key calldesk
// reads from outside the database (the audit key, the master keys) is ever in it. The data keys go
// to a key backup written beside it (keys.go), kept for a shorter time, so that crypto-shredding
// reaches old backups too. Its plaintext touches the disk only for SQLite, as the snapshot file
// in a private temporary directory, removed at once.
package backup

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// magic is the first line of a backup's plaintext.
const magic = "calldesk-backup 1\n"

// Manifest says what a backup holds.
type Manifest struct {
	Engine   string    `json:"engine"`   // sqlite or postgres
	Payload  string    `json:"payload"`  // sqlite-file or pg_dump-custom
	Schema   int       `json:"schema"`   // the database's migration version
	Calldesk string    `json:"calldesk"` // the version of calldesk that wrote it
	Created  time.Time `json:"created"`
}

// Options are what Write needs.
type Options struct {
	Store *store.Store
	// DSN is the PostgreSQL URL pg_dump connects with (the one calldesk was given).
	DSN        string
	Recipients []age.Recipient
	Version    string // calldesk's
	TempDir    string // SQLite: where the snapshot is made ("" : the system's)
	PGDump     string // the pg_dump program ("" : pg_dump on the PATH)
}

// ParseRecipients reads age recipients ("age1...", one or more, separated by commas, spaces or
// lines; "#" starts a comment), from a setting or a recipients file.
func ParseRecipients(text string) ([]age.Recipient, error) {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		lines = append(lines, strings.FieldsFunc(l, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' })...)
	}
	if len(lines) == 0 {
		return nil, errors.New("no age recipient given (an X25519 public key, age1..., from age-keygen)")
	}
	out := make([]age.Recipient, 0, len(lines))
	for _, l := range lines {
		r, err := age.ParseX25519Recipient(l)
		if err != nil {
			return nil, fmt.Errorf("%q is not an age recipient (an X25519 public key, age1..., from age-keygen): %v", l, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Write writes an encrypted backup of the database to w and returns its manifest. Nothing is
// written to w unless the whole backup could be taken; on an error the caller discards what w got.
func Write(ctx context.Context, w io.Writer, o Options) (Manifest, error) {
	if len(o.Recipients) == 0 {
		return Manifest{}, errors.New("a backup needs at least one age recipient: it is never written unencrypted")
	}
	schema, _, err := o.Store.SchemaVersion(ctx)
	if err != nil {
		return Manifest{}, err
	}
	m := Manifest{Engine: o.Store.Engine(), Schema: schema, Calldesk: o.Version, Created: o.Store.Now()}
	enc, err := age.Encrypt(w, o.Recipients...)
	if err != nil {
		return m, err
	}
	header := func() error {
		b, _ := json.Marshal(m)
		_, err := io.WriteString(enc, magic+string(b)+"\n")
		return err
	}
	switch m.Engine {
	case "sqlite":
		m.Payload = "sqlite-file"
		dir, err := os.MkdirTemp(o.TempDir, "calldesk-backup-")
		if err != nil {
			return m, fmt.Errorf("a private directory for the snapshot: %w", err)
		}
		defer os.RemoveAll(dir)
		snap := filepath.Join(dir, "snapshot.db")
		if err := o.Store.SnapshotSQLite(ctx, snap); err != nil {
			return m, err
		}
		f, err := os.Open(snap)
		if err != nil {
			return m, err
		}
		defer f.Close()
		if err := header(); err != nil {
			return m, err
		}
		if _, err := io.Copy(enc, f); err != nil {
			return m, fmt.Errorf("write the backup: %w", err)
		}
	case "postgres":
		m.Payload = "pg_dump-custom"
		dsn, err := libpqURL(o.DSN)
		if err != nil {
			return m, err
		}
		prog, err := program(o.PGDump, "pg_dump")
		if err != nil {
			return m, err
		}
		if err := header(); err != nil {
			return m, err
		}
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, prog, "--format=custom", "--no-password", "--exclude-table-data=data_keys", "--dbname="+dsn)
		cmd.Stdout, cmd.Stderr = enc, &stderr
		if err := cmd.Run(); err != nil {
			return m, fmt.Errorf("pg_dump failed: %v: %s", err, strings.TrimSpace(stderr.String()))
		}
	default:
		return m, fmt.Errorf("cannot back up a %s database", m.Engine)
	}
	if err := enc.Close(); err != nil {
		return m, fmt.Errorf("write the backup: %w", err)
	}
	return m, nil
}

// libpqURL is calldesk's PostgreSQL URL as pg_dump and pg_restore take it: without calldesk's
// own parameters, and refused through a pooler in transaction mode (pg_dump needs one session).
func libpqURL(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("the PostgreSQL URL: %w", err)
	}
	q := u.Query()
	if q.Get(store.PoolerParam) == "transaction" {
		return "", fmt.Errorf("backups and restores need the PostgreSQL server itself, not a pooler in transaction mode (%s=transaction): give the server's own URL", store.PoolerParam)
	}
	for _, k := range []string{store.PoolerParam, "default_query_exec_mode", "statement_cache_capacity", "description_cache_capacity", "pool_max_conns"} {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func program(given, name string) (string, error) {
	if given != "" {
		return given, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not on the PATH: PostgreSQL backups and restores use PostgreSQL's own tools (Debian: apt-get install postgresql-client)", name)
	}
	return p, nil
}

// Open decrypts a backup with identities and reads its manifest; the payload follows in the
// reader returned. A wrong identity, or a file that is not a backup, is refused here; damage
// further in shows as an error reading the payload.
func Open(r io.Reader, identities ...age.Identity) (Manifest, io.Reader, error) {
	var m Manifest
	dec, err := age.Decrypt(r, identities...)
	if err != nil {
		var none *age.NoIdentityMatchError
		if errors.As(err, &none) {
			return m, nil, desk.Errorf(desk.EINVALID, "none of the identities given can decrypt this backup: it was written for other recipients")
		}
		return m, nil, desk.Errorf(desk.EINVALID, "this is not an age-encrypted calldesk backup, or its header is damaged: %v", err)
	}
	br := bufio.NewReaderSize(dec, 64<<10)
	line, err := br.ReadString('\n')
	if err != nil || line != magic {
		return m, nil, desk.Errorf(desk.EINVALID, "this age file is not a calldesk backup (its first line is not %q)", strings.TrimSpace(magic))
	}
	line, err = br.ReadString('\n')
	if err != nil {
		return m, nil, desk.Errorf(desk.EINVALID, "the backup's manifest is cut short: %v", err)
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return m, nil, desk.Errorf(desk.EINVALID, "the backup's manifest is not readable: %v", err)
	}
	return m, br, nil
}

// ParseIdentities reads age identities (AGE-SECRET-KEY-1..., as age-keygen writes them).
func ParseIdentities(r io.Reader) ([]age.Identity, error) {
	ids, err := age.ParseIdentities(r)
	if err != nil {
		return nil, fmt.Errorf("the identity file holds no age identity (AGE-SECRET-KEY-1..., from age-keygen): %v", err)
	}
	return ids, nil
}
