package backup

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"filippo.io/age"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Key backups (issue 20 point 4). A database backup holds no data key: a wrapped data key kept in
// every old database backup would outlive its shredding there, as the master key still opens it.
// Each backup FILE gets a key backup FILE.keys beside it instead, age-encrypted to the same
// recipients, holding the data keys (wrapped, as the database holds them) and the master keys'
// check values at that moment, never a master key. A data key is never changed once made (only
// re-wrapped by a rotation, or deleted by a shredding), so key backups are cumulative: the newest
// opens any older database backup, except the content shredded since. Key backups are therefore
// kept for a short count of their own (KeepKeys): once those older than a shredding are gone, the
// shredded content is unreadable in every database backup, however old.

// KeysSuffix is added to a backup's file name to name its key backup.
const KeysSuffix = ".keys"

// keysMagic is the first line of a key backup's plaintext; one JSON manifest line follows, then
// one JSON line per key (store.KeyRow).
const keysMagic = "calldesk-keys 1\n"

// KeysManifest says what a key backup holds.
type KeysManifest struct {
	Engine   string    `json:"engine"` // of the database it was taken from
	Schema   int       `json:"schema"`
	Calldesk string    `json:"calldesk"`
	Created  time.Time `json:"created"`
	// Counted while reading (OpenKeysFile), not stored.
	Masters  int64 `json:"-"`
	DataKeys int64 `json:"-"`
}

// WriteKeys writes an encrypted key backup of the database to w. Take it after the database
// backup it goes with: it then holds every data key that backup's content is sealed under, except
// those shredded meanwhile.
func WriteKeys(ctx context.Context, w io.Writer, o Options) (KeysManifest, error) {
	if len(o.Recipients) == 0 {
		return KeysManifest{}, errors.New("a key backup needs at least one age recipient: it is never written unencrypted")
	}
	schema, _, err := o.Store.SchemaVersion(ctx)
	if err != nil {
		return KeysManifest{}, err
	}
	m := KeysManifest{Engine: o.Store.Engine(), Schema: schema, Calldesk: o.Version, Created: o.Store.Now()}
	enc, err := age.Encrypt(w, o.Recipients...)
	if err != nil {
		return m, err
	}
	bw := bufio.NewWriterSize(enc, 64<<10)
	head, _ := json.Marshal(m)
	if _, err := io.WriteString(bw, keysMagic+string(head)+"\n"); err != nil {
		return m, err
	}
	je := json.NewEncoder(bw) // one line per row
	m.Masters, m.DataKeys, err = o.Store.ExportKeys(ctx, func(r store.KeyRow) error { return je.Encode(r) })
	if err != nil {
		return m, fmt.Errorf("write the key backup: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return m, fmt.Errorf("write the key backup: %w", err)
	}
	if err := enc.Close(); err != nil {
		return m, fmt.Errorf("write the key backup: %w", err)
	}
	return m, nil
}

// readKeys decrypts a key backup and calls emit with each of its rows.
func readKeys(r io.Reader, ids []age.Identity, emit func(store.KeyRow) error) (KeysManifest, error) {
	var m KeysManifest
	dec, err := age.Decrypt(r, ids...)
	if err != nil {
		var none *age.NoIdentityMatchError
		if errors.As(err, &none) {
			return m, desk.Errorf(desk.EINVALID, "none of the identities given can decrypt the key backup: it was written for other recipients")
		}
		return m, desk.Errorf(desk.EINVALID, "the key backup is not an age-encrypted calldesk key backup, or its header is damaged: %v", err)
	}
	br := bufio.NewReaderSize(dec, 64<<10)
	line, err := br.ReadString('\n')
	if err != nil && err != io.EOF {
		return m, desk.Errorf(desk.EINVALID, "the key backup is damaged or cut short: %v", err)
	}
	if line != keysMagic {
		return m, desk.Errorf(desk.EINVALID, "this age file is not a calldesk key backup (its first line is not %q)", strings.TrimSpace(keysMagic))
	}
	line, err = br.ReadString('\n')
	if err != nil {
		return m, desk.Errorf(desk.EINVALID, "the key backup is damaged or cut short (its manifest): %v", err)
	}
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return m, desk.Errorf(desk.EINVALID, "the key backup's manifest is not readable: %v", err)
	}
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			return m, nil
		}
		if err != nil {
			return m, desk.Errorf(desk.EINVALID, "the key backup is damaged or cut short (at key %d): %v", n, err)
		}
		var row store.KeyRow
		if err := json.Unmarshal(line, &row); err != nil || (row.Master == nil) == (row.Data == nil) {
			return m, desk.Errorf(desk.EINVALID, "the key backup's key %d is not readable", n)
		}
		if row.Master != nil {
			m.Masters++
		} else {
			m.DataKeys++
		}
		if emit != nil {
			if err := emit(row); err != nil {
				return m, err
			}
		}
	}
}

// OpenKeysFile reads the key backup at path through to its end (age checks every chunk), and
// returns its manifest with the keys counted: a restore checks its key backup this way before it
// restores anything.
func OpenKeysFile(path string, ids ...age.Identity) (KeysManifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return KeysManifest{}, err
	}
	defer f.Close()
	return readKeys(f, ids, nil)
}

// RestoreKeys imports the key backup at path into s (store.ImportKeys, audited as by actor), after
// a restore of a database backup: the restored database's content opens again, but for the
// content shredded since the database backup, which the result counts.
func RestoreKeys(ctx context.Context, s *store.Store, actor desk.Actor, path string, ids ...age.Identity) (KeysManifest, store.KeyImport, error) {
	var m KeysManifest
	imp, err := s.ImportKeys(ctx, actor, path, func(emit func(store.KeyRow) error) error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		m, err = readKeys(f, ids, emit)
		return err
	})
	return m, imp, err
}
