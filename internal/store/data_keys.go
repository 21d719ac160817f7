package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"calldesk/internal/desk"
	"calldesk/internal/keys"
)

// Envelope encryption at rest (issue 20 points 3 and 4; package keys). A store opened with master
// keys (Options.Keys) seals the content the register marks Encrypted under a data key of its owner,
// kept in data_keys wrapped by a master key. A row's content column holds the ciphertext and its
// key column (key_id) the data key's id; NULL there means the content is plain (written before
// encryption was turned on, or by a store without master keys).

// The owners of data keys.
const (
	KeyOwnerCall    = "call"    // a call's special-category text, its files and its stored emails
	KeyOwnerMessage = "message" // a stored email not (yet) on a call
	KeyOwnerBundle  = "bundle"  // a subject access request's bundle and its redaction candidates
	KeyOwnerAccount = "account" // an account's second-factor secret
)

// dataKeyCache holds unwrapped data keys by id, for reads. A data key's id is never reused
// (AUTOINCREMENT, an identity), so a cached key can only open its own owner's content; once that
// key is shredded no such content is left in the database for it to open.
type dataKeyCache struct {
	mu   sync.Mutex
	byID map[int64]*keys.DataKey
}

const dataKeyCacheSize = 4096

func (c *dataKeyCache) get(id int64) *keys.DataKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

func (c *dataKeyCache) put(k *keys.DataKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil || len(c.byID) >= dataKeyCacheSize {
		c.byID = make(map[int64]*keys.DataKey, 64) // start again rather than track use: keys are cheap to unwrap
	}
	c.byID[k.ID] = k
}

func (c *dataKeyCache) drop(ids []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.byID, id)
	}
}

// SetKeys gives the store its master keys (nil: content is written plain), as Options.Keys does
// at Open; serve calls it again when the master key file changes (a rotation), without a restart.
func (s *Store) SetKeys(r *keys.Ring) { s.ring.Store(r) }

// Encrypting reports whether the store seals new content (it holds master keys).
func (s *Store) Encrypting() bool { return s.ring.Load() != nil }

func keyOwner(kind string, owner int64) string { return kind + " " + strconv.FormatInt(owner, 10) }

// txKeys are the keys a transaction read or made: by owner and by id, the blind index's key
// and whether it registered the current master key. A key made in a transaction is kept out of
// the store's cache until it commits: rolled back, its id may be handed out again on SQLite.
type txKeys struct {
	byOwner map[string]*keys.DataKey
	byID    map[int64]*keys.DataKey
	index   *indexMAC
	master  string
	gone    []int64 // keys shredded: out of the store's cache, even one an earlier transaction of the batch read
}

func (k *txKeys) remember(owner string, dk *keys.DataKey) {
	if k.byOwner == nil {
		k.byOwner, k.byID = map[string]*keys.DataKey{}, map[int64]*keys.DataKey{}
	}
	k.byOwner[owner], k.byID[dk.ID] = dk, dk
}

// forget drops the keys ids (shredded).
func (k *txKeys) forget(ids []int64) {
	for _, id := range ids {
		if dk := k.byID[id]; dk != nil {
			delete(k.byID, id)
			for owner, x := range k.byOwner {
				if x == dk {
					delete(k.byOwner, owner)
				}
			}
		}
	}
	k.gone = append(k.gone, ids...)
}

// merge takes in what another transaction of the same batch (SQLite's writer) learned.
func (k *txKeys) merge(o *txKeys) {
	k.forget(o.gone)
	for owner, dk := range o.byOwner {
		k.remember(owner, dk)
	}
	if o.index != nil {
		k.index = o.index
	}
	if o.master != "" {
		k.master = o.master
	}
}

// committed hands the committed keys to the store's caches.
func (k *txKeys) committed(s *Store) {
	s.keyCache.drop(k.gone)
	for _, dk := range k.byID {
		s.keyCache.put(dk)
	}
	if k.index != nil {
		s.indexKey.Store(k.index)
	}
	if k.master != "" {
		m := k.master
		s.masterSeen.Store(&m)
	}
}

// dataKey returns owner's data key, made (and wrapped under the current master key) when it has
// none. ok is false when the store holds no master keys.
func (t *Tx) dataKey(ctx context.Context, kind string, owner int64) (k *keys.DataKey, ok bool, err error) {
	r := t.s.ring.Load()
	if r == nil {
		return nil, false, nil
	}
	if k := t.keys.byOwner[keyOwner(kind, owner)]; k != nil {
		return k, true, nil
	}
	defer func() {
		if k != nil && err == nil {
			t.keys.remember(keyOwner(kind, owner), k)
		}
	}()
	var id int64
	var master string
	var wrapped []byte
	err = t.queryRow(ctx, `SELECT id, master_id, wrapped FROM data_keys WHERE owner_kind = ? AND owner_id = ?`, kind, owner).Scan(&id, &master, &wrapped)
	if err == nil {
		if k = t.s.keyCache.get(id); k != nil {
			return k, true, nil
		}
		k, err = unwrapKey(r, id, master, keyOwner(kind, owner), wrapped)
		if err == nil {
			t.s.keyCache.put(k)
		}
		return k, err == nil, err
	}
	if err != sql.ErrNoRows {
		return nil, false, fmt.Errorf("read the data key of %s: %w", keyOwner(kind, owner), err)
	}
	// Another instance may be making the same owner's key at this moment (PostgreSQL): the second
	// waits for the first to commit, makes none, and takes the first's.
	k, ok, err = t.makeDataKey(ctx, r, kind, owner)
	if err == sql.ErrNoRows {
		return t.dataKey(ctx, kind, owner)
	}
	if err != nil {
		return nil, false, fmt.Errorf("make the data key of %s: %w", keyOwner(kind, owner), err)
	}
	return k, ok, nil
}

// makeDataKey makes owner's data key; sql.ErrNoRows when it has one already (made meanwhile).
func (t *Tx) makeDataKey(ctx context.Context, r *keys.Ring, kind string, owner int64) (*keys.DataKey, bool, error) {
	if err := t.registerMaster(ctx, r); err != nil {
		return nil, false, err
	}
	raw := keys.NewDataKey()
	master, wrapped := r.Wrap(keyOwner(kind, owner), raw)
	var id int64
	if err := t.queryRow(ctx, `INSERT INTO data_keys (owner_kind, owner_id, master_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (owner_kind, owner_id) DO NOTHING RETURNING id`, kind, owner, master, wrapped, t.Now.UnixMicro()).Scan(&id); err != nil {
		return nil, false, err
	}
	k, err := keys.NewCipher(id, raw)
	if err == nil {
		t.keys.remember(keyOwner(kind, owner), k)
	}
	return k, err == nil, err
}

// newOwnerKey makes the data key of an owner made in this transaction (a new call), without
// first looking for one; ok is false without master keys.
func (t *Tx) newOwnerKey(ctx context.Context, kind string, owner int64) error {
	r := t.s.ring.Load()
	if r == nil {
		return nil
	}
	_, _, err := t.makeDataKey(ctx, r, kind, owner)
	if err == sql.ErrNoRows { // it has one after all (made meanwhile, or an id handed out again): use it
		_, _, err = t.dataKey(ctx, kind, owner)
	}
	if err != nil {
		return fmt.Errorf("make the data key of %s: %w", keyOwner(kind, owner), err)
	}
	return nil
}

// registerMaster records the current master key's check value the first time the database sees it
// (once per instance and key: the store remembers it once a transaction that did it commits).
func (t *Tx) registerMaster(ctx context.Context, r *keys.Ring) error {
	m := r.Current().ID
	if seen := t.s.masterSeen.Load(); (seen != nil && *seen == m) || t.keys.master == m {
		return nil
	}
	check, err := r.CheckValue(m)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO master_keys (id, check_value, added_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`, m, check, t.Now.UnixMicro())
	if err == nil {
		t.keys.master = m
	}
	return err
}

func unwrapKey(r *keys.Ring, id int64, master, owner string, wrapped []byte) (*keys.DataKey, error) {
	raw, err := r.Unwrap(master, owner, wrapped)
	if err != nil {
		return nil, keyError(err)
	}
	return keys.NewCipher(id, raw)
}

// keyError makes a key that cannot open its content an EINTERNAL error whose message says why
// (the operator's to fix: a wrong or incomplete master key file), never garbage.
func keyError(err error) error {
	if errors.Is(err, keys.ErrUnknownMaster) || errors.Is(err, keys.ErrWrongKey) {
		return &desk.Error{Code: desk.EINTERNAL, Message: "encrypted content cannot be opened: " + err.Error()}
	}
	return err
}

// keyByID returns data key id, unwrapped, reading it through q (a transaction, to see a key made
// in it, or the store). ENOTFOUND when it has been shredded.
func (s *Store) keyByID(ctx context.Context, q rowQuerier, id int64) (*keys.DataKey, error) {
	if t, ok := q.(*Tx); ok {
		if k := t.keys.byID[id]; k != nil {
			return k, nil
		}
	}
	if k := s.keyCache.get(id); k != nil {
		return k, nil
	}
	r := s.ring.Load()
	var kind, master string
	var owner int64
	var wrapped []byte
	err := q.queryRow(ctx, `SELECT owner_kind, owner_id, master_id, wrapped FROM data_keys WHERE id = ?`, id).Scan(&kind, &owner, &master, &wrapped)
	if err == sql.ErrNoRows {
		return nil, notFound("data key %d has been destroyed (its content was shredded)", id)
	}
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, &desk.Error{Code: desk.EINTERNAL, Message: "encrypted content cannot be opened: calldesk was started without its master key file (--master-keys-file)"}
	}
	k, err := unwrapKey(r, id, master, keyOwner(kind, owner), wrapped)
	if err != nil {
		return nil, err
	}
	s.keyCache.put(k)
	return k, nil
}

// sealBytes seals p, content of owner, under owner's data key, bound to aad (its table and
// column, as "attachments.data"). Without master keys it returns p as it is and a NULL key.
func (t *Tx) sealBytes(ctx context.Context, kind string, owner int64, aad string, p []byte) (sql.NullInt64, []byte, error) {
	if p == nil {
		return sql.NullInt64{}, nil, nil
	}
	k, ok, err := t.dataKey(ctx, kind, owner)
	if err != nil || !ok {
		return sql.NullInt64{}, p, err
	}
	return sql.NullInt64{Int64: k.ID, Valid: true}, k.Seal(contentAAD(aad, kind, owner), p), nil
}

// sealString is sealBytes for a text column: the ciphertext in base64.
func (t *Tx) sealString(ctx context.Context, kind string, owner int64, aad, p string) (sql.NullInt64, string, error) {
	k, ok, err := t.dataKey(ctx, kind, owner)
	if err != nil || !ok {
		return sql.NullInt64{}, p, err
	}
	return sql.NullInt64{Int64: k.ID, Valid: true}, base64.StdEncoding.EncodeToString(k.Seal(contentAAD(aad, kind, owner), []byte(p))), nil
}

func contentAAD(aad, kind string, owner int64) []byte {
	return []byte(aad + " of " + keyOwner(kind, owner))
}

// openBytes opens what sealBytes made (keyID NULL: c is plain), through q.
func (s *Store) openBytes(ctx context.Context, q rowQuerier, keyID sql.NullInt64, kind string, owner int64, aad string, c []byte) ([]byte, error) {
	if !keyID.Valid || c == nil {
		return c, nil
	}
	k, err := s.keyByID(ctx, q, keyID.Int64)
	if err != nil {
		return nil, err
	}
	p, err := k.Open(contentAAD(aad, kind, owner), c)
	if err != nil {
		return nil, keyError(fmt.Errorf("%s of %s: %w", aad, keyOwner(kind, owner), err))
	}
	return p, nil
}

// openString opens what sealString made.
func (s *Store) openString(ctx context.Context, q rowQuerier, keyID sql.NullInt64, kind string, owner int64, aad, c string) (string, error) {
	if !keyID.Valid || c == "" { // an emptied sealed text (an erasure's Remove) is empty
		return c, nil
	}
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return "", keyError(fmt.Errorf("%s of %s: %w", aad, keyOwner(kind, owner), keys.ErrWrongKey))
	}
	p, err := s.openBytes(ctx, q, keyID, kind, owner, aad, b)
	return string(p), err
}

// shredKeys destroys the data keys of the owners (crypto-shredding, issue 20 point 4): every copy
// of what they sealed, in old pages of the database file and in database backups, can no longer
// be opened. It returns how many keys it destroyed. The deleted keys' bytes are then overwritten in
// the database's files by the next ShredIfDue (shredLater), as any erased content is.
func (t *Tx) shredKeys(ctx context.Context, kind string, owners []int64) (int64, error) {
	if len(owners) == 0 {
		return 0, nil
	}
	var gone []int64
	for start := 0; start < len(owners); start += 500 {
		end := min(start+500, len(owners))
		rows, err := t.query(ctx, `DELETE FROM data_keys WHERE owner_kind = ? AND owner_id IN `+t.s.d.idSet()+` RETURNING id`, kind, t.s.d.idSetArg(owners[start:end]))
		if err != nil {
			return 0, fmt.Errorf("shred data keys: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			gone = append(gone, id)
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
	}
	t.s.keyCache.drop(gone)
	t.keys.forget(gone)
	if len(gone) > 0 {
		if err := t.shredLater(ctx); err != nil {
			return 0, err
		}
	}
	return int64(len(gone)), nil
}

// CheckKeys checks, at start-up, that the store's master keys open this database's data keys: a
// database holding data keys needs the master key file; every master key they are wrapped under
// must be in it; and every key of the file the database has seen before must be the same key (its
// check value opens). The errors say what is wrong and what to do.
func (s *Store) CheckKeys(ctx context.Context) error { return s.CheckRing(ctx, s.ring.Load()) }

// CheckRing is CheckKeys for master keys r before the store takes them up (SetKeys).
func (s *Store) CheckRing(ctx context.Context, r *keys.Ring) error {
	rows, err := s.query(ctx, `SELECT master_id, COUNT(*) FROM data_keys GROUP BY master_id`)
	if err != nil {
		return err
	}
	counts := map[string]int64{}
	var total int64
	for rows.Next() {
		var m string
		var n int64
		if err := rows.Scan(&m, &n); err != nil {
			rows.Close()
			return err
		}
		counts[m] = n
		total += n
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if r == nil {
		if total > 0 {
			return fmt.Errorf("this database holds encrypted content (%d data keys): start calldesk with its master key file (--master-keys-file or CALLDESK_MASTER_KEYS_FILE)", total)
		}
		return nil
	}
	for m, n := range counts {
		if !r.Has(m) {
			return fmt.Errorf("the master key file %s lacks master key %s, under which %d data keys of this database are wrapped: add its line back (a retired key may be removed only once calldesk keys status shows nothing uses it)", r.Source, m, n)
		}
	}
	rows, err = s.query(ctx, `SELECT id, check_value FROM master_keys`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var check []byte
		if err := rows.Scan(&id, &check); err != nil {
			return err
		}
		if r.Has(id) {
			if err := r.Verify(id, check); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

// MasterKeyUse is how many data keys one master key wraps, for calldesk keys status.
type MasterKeyUse struct {
	ID       string
	DataKeys int64
	InFile   bool // the store's master key file holds it
	Current  bool // it wraps new data keys
	Retired  bool
	Seen     bool // the database has a check value for it (it has wrapped a data key here)
}

// KeyStatus lists the master keys the database or the file knows, with the data keys each wraps.
func (s *Store) KeyStatus(ctx context.Context) ([]MasterKeyUse, error) {
	r := s.ring.Load()
	rows, err := s.query(ctx, `SELECT m.id, m.retired_at IS NOT NULL, (SELECT COUNT(*) FROM data_keys d WHERE d.master_id = m.id)
		FROM master_keys m ORDER BY m.added_at, m.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MasterKeyUse
	seen := map[string]bool{}
	for rows.Next() {
		var u MasterKeyUse
		if err := rows.Scan(&u.ID, &u.Retired, &u.DataKeys); err != nil {
			return nil, err
		}
		seen[u.ID], u.Seen = true, true
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if r != nil {
		for _, id := range r.IDs() {
			if !seen[id] {
				out = append(out, MasterKeyUse{ID: id})
			}
		}
		for i := range out {
			out[i].InFile, out[i].Current = r.Has(out[i].ID), r.Current().ID == out[i].ID
		}
	}
	return out, nil
}

// RotateKeys re-wraps, under the current master key, up to batch data keys wrapped under another
// with ids above after, in one transaction; it returns how many it re-wrapped and the id to go on
// after (0: none is left). The content is not touched: only the wrapping changes, so rotation runs
// while calldesk serves, batch by batch; each batch reads on from the last in id order, so a pass
// over a million keys reads each once (no index on master_id is needed, and none is kept: it
// would cost every new key an index entry). A key shredded or re-wrapped meanwhile by another
// instance is skipped (the update is conditional).
func (s *Store) RotateKeys(ctx context.Context, actor desk.Actor, after int64, batch int) (int, int64, error) {
	r := s.ring.Load()
	if r == nil {
		return 0, 0, desk.Invalid("no master key file", map[string]string{"master-keys": "is required to rotate: the file whose first key is the new master key"})
	}
	cur := r.Current().ID
	n, last := 0, int64(0)
	err := s.inTx(ctx, func(t *Tx) error {
		n, last = 0, 0
		if err := t.registerMaster(ctx, r); err != nil {
			return err
		}
		rows, err := t.query(ctx, `SELECT id, owner_kind, owner_id, master_id, wrapped FROM data_keys WHERE id > ? AND master_id <> ? ORDER BY id LIMIT ?`, after, cur, batch)
		if err != nil {
			return err
		}
		type old struct {
			id, owner     int64
			kind, master  string
			wrapped, next []byte
		}
		var todo []old
		for rows.Next() {
			var o old
			if err := rows.Scan(&o.id, &o.kind, &o.owner, &o.master, &o.wrapped); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, o)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, o := range todo {
			last = o.id
			raw, err := r.Unwrap(o.master, keyOwner(o.kind, o.owner), o.wrapped)
			if err != nil {
				return keyError(err)
			}
			m, w := r.Wrap(keyOwner(o.kind, o.owner), raw)
			res, err := t.exec(ctx, `UPDATE data_keys SET master_id = ?, wrapped = ? WHERE id = ? AND master_id = ?`, m, w, o.id, o.master)
			if err != nil {
				return err
			}
			if c, _ := res.RowsAffected(); c == 1 {
				n++
			}
		}
		if len(todo) > 0 {
			return t.audit(ctx, actor, "keys.rotate", "master_key", cur, nil, fmt.Sprintf("%d data keys re-wrapped under %s", n, cur))
		}
		return nil
	})
	return n, last, err
}

// RetireMasterKey marks master key id retired once no data key is wrapped under it, so its line
// can be deleted from the master key file; EINVALID says how many still use it.
func (s *Store) RetireMasterKey(ctx context.Context, actor desk.Actor, id string) error {
	if r := s.ring.Load(); r != nil && r.Current().ID == id {
		return desk.Invalid("the master key is the current one", map[string]string{"key": id + " is first in the master key file, so it wraps new data keys: put a new key first (calldesk keys generate) and rotate before retiring it"})
	}
	return s.inTx(ctx, func(t *Tx) error {
		var n int64
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM data_keys WHERE master_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return desk.Invalid("the master key is still in use", map[string]string{"key": fmt.Sprintf("%d data keys are still wrapped under %s: run calldesk keys rotate first", n, id)})
		}
		res, err := t.exec(ctx, `UPDATE master_keys SET retired_at = ? WHERE id = ? AND retired_at IS NULL`, t.Now.UnixMicro(), id)
		if err != nil {
			return err
		}
		if c, _ := res.RowsAffected(); c == 0 {
			return notFound("no master key %s in use by this database (or it is retired already)", id)
		}
		return t.audit(ctx, actor, "keys.retire", "master_key", id, nil, "retired: no data key is wrapped under it")
	})
}

// sealedTable is a table whose rows may hold content sealed under a data key: keyCol names the
// row's key (NULL: plain), idCol the row's identity, cols the sealed columns (sealed with aad
// "table.column"), text those of them that hold the ciphertext in base64.
// kind is the kind of the keys' owners and owner the column of the row naming its owner (the
// mention finder opens a row's content with them). An empty text value is stored as it is
// (never sealed: it says only that the field is empty), so that a sweep may empty a field of a
// sealed row without its key.
type sealedTable struct {
	table, keyCol, idCol string
	cols                 []string
	text                 map[string]bool
	// ownerKind and ownerID are the SQL of the owner of a row's data key (its kind, its id), for
	// the readers that open any row of the table (the mention finder).
	ownerKind, ownerID string
}

// sealedTables lists every table with columns sealed under data keys, for rekey. A column sealed
// by a write must be listed here and marked in the register (Column.Sealed).
func sealedTables() []sealedTable {
	return []sealedTable{
		{table: "attachments", keyCol: "key_id", idCol: "id", cols: []string{"data", "data_text"}, text: map[string]bool{"data_text": true},
			ownerKind: "'" + KeyOwnerCall + "'", ownerID: "call_id"},
		{table: "mail_messages", keyCol: "key_id", idCol: "id", cols: []string{"raw", "raw_text"}, text: map[string]bool{"raw_text": true},
			ownerKind: mailOwnerKind, ownerID: mailOwnerID},
		{table: "calls", keyCol: "key_id", idCol: "id", cols: callTextCols(),
			text:      map[string]bool{"summary": true, "description": true, "resolution": true, "hold_reason": true, "cancel_note": true},
			ownerKind: "'" + KeyOwnerCall + "'", ownerID: "id"},
		{table: "diary_entries", keyCol: "key_id", idCol: "id", cols: []string{"body"}, text: map[string]bool{"body": true},
			ownerKind: "'" + KeyOwnerCall + "'", ownerID: "call_id"},
		{table: "sar_bundles", keyCol: "key_id", idCol: "id", cols: []string{"model", "zip"},
			ownerKind: "'" + KeyOwnerBundle + "'", ownerID: "id"},
		{table: "second_factors", keyCol: "key_id", idCol: "account_id", cols: []string{"secret"}, text: map[string]bool{"secret": true},
			ownerKind: "'" + KeyOwnerAccount + "'", ownerID: "account_id"},
		{table: "sar_redactions", keyCol: "key_id", idCol: "id", cols: []string{"original", "context"},
			text: map[string]bool{"original": true, "context": true}, ownerKind: "'" + KeyOwnerBundle + "'", ownerID: "bundle_id"},
	}
}

// sealsFor says whether rows of tb may be sealed under a data key of owner kind: its owner kind
// names it (a table sealed under another kind's keys holds no content of this one).
func (tb sealedTable) sealsFor(kind string) bool {
	return strings.Contains(tb.ownerKind, "'"+kind+"'")
}

// sealedTableOf is table's entry of sealedTables; ok is false when none of its columns is sealed.
func sealedTableOf(table string) (sealedTable, bool) {
	for _, tb := range sealedTables() {
		if tb.table == table {
			return tb, true
		}
	}
	return sealedTable{}, false
}

// A stored email is sealed under its call's data key, or its own (KeyOwnerMessage) while it is on
// no call; one released from quarantine onto a call is sealed again under the call's
// (moveMailToCall), so the owner always follows call_id.
const (
	mailOwnerKind = "CASE WHEN call_id IS NULL THEN '" + KeyOwnerMessage + "' ELSE '" + KeyOwnerCall + "' END"
	mailOwnerID   = "COALESCE(call_id, id)"
)

// mailOwner is the owner of the data key of stored email id on call callID (0: none).
func mailOwner(id, callID int64) (string, int64) {
	if callID != 0 {
		return KeyOwnerCall, callID
	}
	return KeyOwnerMessage, id
}

// rekey gives each owner a new data key and re-seals under it the content its old key sealed, in
// every sealed column, then destroys the old key (shredKeys): what an erasure scrubbed or deleted
// on the owner can no longer be read from any older copy (old pages, database backups), while
// what it kept stays readable. It returns how many keys it destroyed.
func (t *Tx) rekey(ctx context.Context, kind string, owners []int64) (int64, error) {
	if len(owners) == 0 || t.s.ring.Load() == nil {
		return 0, nil
	}
	var n int64
	for _, owner := range owners {
		var oldID int64
		err := t.queryRow(ctx, `SELECT id FROM data_keys WHERE owner_kind = ? AND owner_id = ?`, kind, owner).Scan(&oldID)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return n, err
		}
		old, err := t.s.keyByID(ctx, t, oldID)
		if err != nil {
			return n, err
		}
		if _, err := t.shredKeys(ctx, kind, []int64{owner}); err != nil {
			return n, err
		}
		n++
		var fresh *keys.DataKey
		for _, tb := range sealedTables() {
			if !tb.sealsFor(kind) {
				continue // no row of it is under this kind's keys: not read
			}
			if err := t.reseal(ctx, tb, kind, owner, old, &fresh); err != nil {
				return n, fmt.Errorf("rekey %s: %w", tb.table, err)
			}
		}
	}
	return n, nil
}

// resealSelect reads the rows of tb sealed under a key (first argument) of an owner (second):
// the owner's column leads to the rows through an index where the key column has none (calls,
// diary entries, redaction candidates), which an erasure would otherwise read whole for every
// call it rekeys.
func resealSelect(tb sealedTable) string {
	return `SELECT ` + tb.idCol + `, ` + strings.Join(tb.cols, ", ") + ` FROM ` + tb.table + ` WHERE ` + tb.keyCol + ` = ? AND ` + tb.ownerID + ` = ?`
}

// reseal re-seals, under *fresh (made when first needed), the rows of tb sealed under old.
func (t *Tx) reseal(ctx context.Context, tb sealedTable, kind string, owner int64, old *keys.DataKey, fresh **keys.DataKey) error {
	rows, err := t.query(ctx, resealSelect(tb), old.ID, owner)
	if err != nil {
		return err
	}
	type row struct {
		id   int64
		vals []any
	}
	var todo []row
	for rows.Next() {
		r := row{vals: make([]any, len(tb.cols))}
		dest := []any{&r.id}
		for _, c := range tb.cols {
			if tb.text[c] {
				dest = append(dest, new(sql.NullString))
			} else {
				dest = append(dest, new([]byte))
			}
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		for i := range tb.cols {
			r.vals[i] = dest[i+1]
		}
		todo = append(todo, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, r := range todo {
		args := make([]any, 0, len(tb.cols)+2)
		for i, c := range tb.cols {
			var ct []byte
			if tb.text[c] {
				ns := r.vals[i].(*sql.NullString)
				if !ns.Valid || ns.String == "" {
					args = append(args, *ns) // NULL or empty: stored as it is
					continue
				}
				if ct, err = base64.StdEncoding.DecodeString(ns.String); err != nil {
					return keyError(fmt.Errorf("%s %d: %w", c, r.id, keys.ErrWrongKey))
				}
			} else if ct = *r.vals[i].(*[]byte); ct == nil {
				args = append(args, nil)
				continue
			}
			aad := contentAAD(tb.table+"."+c, kind, owner)
			p, err := old.Open(aad, ct)
			if err != nil {
				return keyError(fmt.Errorf("%s %d: %w", c, r.id, err))
			}
			if *fresh == nil {
				if *fresh, _, err = t.dataKey(ctx, kind, owner); err != nil {
					return err
				}
			}
			out := (*fresh).Seal(aad, p)
			if tb.text[c] {
				args = append(args, base64.StdEncoding.EncodeToString(out))
			} else {
				args = append(args, out)
			}
		}
		set := make([]string, len(tb.cols))
		for i, c := range tb.cols {
			set[i] = c + " = ?"
		}
		key := any(nil)
		if *fresh != nil {
			key = (*fresh).ID
		}
		args = append(args, key, r.id)
		if _, err := t.exec(ctx, `UPDATE `+tb.table+` SET `+strings.Join(set, ", ")+`, `+tb.keyCol+` = ? WHERE `+tb.idCol+` = ?`, args...); err != nil {
			return err
		}
	}
	return nil
}
