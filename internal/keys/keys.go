// Package keys holds calldesk's master keys and the envelope encryption built on them (issue 20
// points 3 and 4). Content that would hurt most if the database or a backup leaked is sealed with
// AES-256-GCM under a data key of its owner (a call, a message, a subject access bundle); each data
// key is stored in the database wrapped (AES-256-GCM) by a master key, and the master keys live in
// a file outside the database, never in it nor in its backups.
//
// A master key file holds one key a line, "ID BASE64" (32 bytes), with # comments and blank lines
// allowed. The first key wraps new data keys; the others only unwrap data keys wrapped before a
// rotation, until `calldesk keys retire` finds nothing uses them and they can be deleted.
package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Size is the length of every key, master or data: AES-256.
const Size = 32

// Errors a caller can tell apart.
var (
	// ErrUnknownMaster: a data key is wrapped under a master key the file does not hold.
	ErrUnknownMaster = errors.New("keys: the master key is not in the master key file")
	// ErrWrongKey: a ciphertext does not open under the key it names: the key is not the one it was
	// sealed with, or the ciphertext was altered. Never garbage.
	ErrWrongKey = errors.New("keys: the key does not open this ciphertext (a wrong key, or altered data)")
)

// Master is one master key.
type Master struct {
	ID   string
	aead cipher.AEAD
}

// Ring is the master keys calldesk holds. It is read-only once parsed; a reloaded file is a new Ring.
type Ring struct {
	masters []*Master // in file order: masters[0] wraps new data keys
	byID    map[string]*Master
	Source  string // the file it was read from, for messages
}

// newAEAD is AES-256-GCM under key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != Size {
		return nil, fmt.Errorf("keys: a key must be %d bytes, not %d", Size, len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Parse reads a master key file's text. Its errors name the line and what is wrong with it.
func Parse(text []byte, source string) (*Ring, error) {
	r := &Ring{byID: map[string]*Master{}, Source: source}
	for n, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s line %d: want \"ID BASE64-KEY\" (calldesk keys generate writes one), not %d fields", source, n+1, len(f))
		}
		if !validID(f[0]) {
			return nil, fmt.Errorf("%s line %d: key id %q: letters, digits, '-' and '_' only, 1 to 64 of them", source, n+1, f[0])
		}
		key, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(key) != Size {
			return nil, fmt.Errorf("%s line %d: key %s is not %d bytes in base64", source, n+1, f[0], Size)
		}
		if _, dup := r.byID[f[0]]; dup {
			return nil, fmt.Errorf("%s line %d: key id %s appears twice", source, n+1, f[0])
		}
		a, err := newAEAD(key)
		if err != nil {
			return nil, err
		}
		m := &Master{ID: f[0], aead: a}
		r.masters = append(r.masters, m)
		r.byID[m.ID] = m
	}
	if len(r.masters) == 0 {
		return nil, fmt.Errorf("%s: holds no master key (calldesk keys generate makes one)", source)
	}
	return r, nil
}

// Load reads the master key file at path. It refuses a file others may read or write (mode bits
// for group or other set), since the key in it opens every encrypted field.
func Load(path string) (*Ring, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s: others may read or write it (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	return Parse(b, path)
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Generate makes a new master key and returns its file line ("ID BASE64"). Its id carries the
// date and a fingerprint of the key (8 hex digits of its SHA-256), so two keys never share one.
func Generate(random io.Reader, now time.Time) (string, error) {
	key := make([]byte, Size)
	if _, err := io.ReadFull(random, key); err != nil {
		return "", err
	}
	sum := sha256.Sum256(key)
	id := "mk-" + now.UTC().Format("20060102") + "-" + hex.EncodeToString(sum[:4])
	return id + " " + base64.StdEncoding.EncodeToString(key), nil
}

// Current is the master key that wraps new data keys: the file's first.
func (r *Ring) Current() *Master { return r.masters[0] }

// IDs lists the file's key ids in its order.
func (r *Ring) IDs() []string {
	ids := make([]string, len(r.masters))
	for i, m := range r.masters {
		ids[i] = m.ID
	}
	return ids
}

// Has says whether the file holds master key id.
func (r *Ring) Has(id string) bool { _, ok := r.byID[id]; return ok }

// NewDataKey draws a fresh data key.
func NewDataKey() []byte {
	k := make([]byte, Size)
	if _, err := rand.Read(k); err != nil {
		panic("keys: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return k
}

// wrapAAD binds a wrapped data key to its owner, so a wrapped key copied onto another owner's row
// does not open.
func wrapAAD(owner string) []byte { return []byte("calldesk data key of " + owner) }

// Wrap seals the data key of owner (as "call 12") under the current master key; it returns that
// master key's id.
func (r *Ring) Wrap(owner string, key []byte) (masterID string, wrapped []byte) {
	m := r.Current()
	return m.ID, seal(m.aead, wrapAAD(owner), key)
}

// Unwrap opens owner's data key wrapped under master key masterID.
func (r *Ring) Unwrap(masterID, owner string, wrapped []byte) ([]byte, error) {
	m, ok := r.byID[masterID]
	if !ok {
		return nil, fmt.Errorf("%w: the data key of %s is wrapped under %s, which %s does not hold", ErrUnknownMaster, owner, masterID, r.Source)
	}
	k, err := open(m.aead, wrapAAD(owner), wrapped)
	if err != nil {
		return nil, fmt.Errorf("the data key of %s under master key %s: %w", owner, masterID, err)
	}
	if len(k) != Size {
		return nil, fmt.Errorf("the data key of %s: %w", owner, ErrWrongKey)
	}
	return k, nil
}

// checkText is what a master key's check value seals: the database keeps, for each master key it
// has seen, this text sealed under it, so that a file holding a different key under the same id
// is refused at start-up instead of failing later, field by field.
var checkText = []byte("calldesk master key check")

// CheckValue is master key id's check value for the database.
func (r *Ring) CheckValue(id string) ([]byte, error) {
	m, ok := r.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownMaster, id)
	}
	return seal(m.aead, []byte(id), checkText), nil
}

// Verify checks master key id against the check value the database holds for it.
func (r *Ring) Verify(id string, check []byte) error {
	m, ok := r.byID[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownMaster, id)
	}
	p, err := open(m.aead, []byte(id), check)
	if err != nil || !bytes.Equal(p, checkText) {
		return fmt.Errorf("master key %s in %s is not the key this database was written with: %w", id, r.Source, ErrWrongKey)
	}
	return nil
}

// Seal encrypts plain under data key key, bound to aad (what the ciphertext is: its table, column
// and owner), as nonce || ciphertext || tag.
func Seal(key, aad, plain []byte) ([]byte, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return seal(a, aad, plain), nil
}

// Open decrypts what Seal made under the same key and aad; ErrWrongKey otherwise.
func Open(key, aad, sealed []byte) ([]byte, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return open(a, aad, sealed)
}

func seal(a cipher.AEAD, aad, plain []byte) []byte {
	out := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(out); err != nil {
		panic("keys: no randomness: " + err.Error())
	}
	return a.Seal(out, out, plain, aad)
}

func open(a cipher.AEAD, aad, sealed []byte) ([]byte, error) {
	if len(sealed) < a.NonceSize()+a.Overhead() {
		return nil, ErrWrongKey
	}
	p, err := a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], aad)
	if err != nil {
		return nil, ErrWrongKey
	}
	return p, nil
}

// DataKey is an unwrapped data key, ready to seal and open (its cipher made once).
type DataKey struct {
	ID   int64
	aead cipher.AEAD
}

// NewCipher makes data key id's cipher from its bytes.
func NewCipher(id int64, key []byte) (*DataKey, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &DataKey{ID: id, aead: a}, nil
}

// Seal encrypts plain bound to aad.
func (k *DataKey) Seal(aad, plain []byte) []byte { return seal(k.aead, aad, plain) }

// Open decrypts what Seal made with the same aad; ErrWrongKey otherwise.
func (k *DataKey) Open(aad, sealed []byte) ([]byte, error) {
	p, err := open(k.aead, aad, sealed)
	if err != nil {
		return nil, fmt.Errorf("data key %d: %w", k.ID, err)
	}
	return p, nil
}
