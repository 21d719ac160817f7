package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"calldesk/internal/desk"
)

// Special-category call text at rest (issue 20 point 3). While a call is marked special category
// and the store holds master keys, its free text (callTextCols) and its diary entries' bodies are
// written sealed under the call's data key (KeyOwnerCall, owner the call's id; the aad of each
// value is its "table.column"), and calls.key_id / diary_entries.key_id name that key. The reads
// (scanCall, scanBriefCall, the diary's) open them, so every page, list, export and notification
// sees the text as before. An empty value is stored empty (it says only that the field is empty).
// Unmarking a call (MarkSpecialCategory) writes its text and diary plain again. The search document
// of a sealed call is built here, in Go, from the opened text (indexSealedCalls), not from the
// columns by SQL, in the special parts (search_parts.go) as before, its words blind (keyed
// hashes, search_blind.go).

// callTextCols are the free-text columns of calls, sealed while the call is special category, in
// the order of callTextFields.
func callTextCols() []string {
	return []string{"summary", "description", "resolution", "hold_reason", "cancel_note"}
}

// callTextFields are c's texts, in the order of callTextCols.
func callTextFields(c *desk.Call) []*string {
	return []*string{&c.Summary, &c.Description, &c.Resolution, &c.HoldReason, &c.CancelNote}
}

// storedCallTexts returns c's texts as they are to be stored (callTextCols order) and the row's
// key: sealed under the call's key when c is special category (and the store holds master keys),
// else plain with a NULL key.
func (t *Tx) storedCallTexts(ctx context.Context, c desk.Call) (sql.NullInt64, []any, error) {
	cols := callTextCols()
	out := make([]any, len(cols))
	var key sql.NullInt64
	for i, f := range callTextFields(&c) {
		v := *f
		if c.SpecialCategory && v != "" {
			k, sv, err := t.sealString(ctx, KeyOwnerCall, c.ID, "calls."+cols[i], v)
			if err != nil {
				return key, nil, fmt.Errorf("seal the text of call %d: %w", c.ID, err)
			}
			if k.Valid {
				key = k
			}
			v = sv
		}
		out[i] = v
	}
	return key, out, nil
}

// writeCallTexts writes c's texts (sealed or plain as storedCallTexts decides) and its key.
func (t *Tx) writeCallTexts(ctx context.Context, c desk.Call) error {
	key, vals, err := t.storedCallTexts(ctx, c)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE calls SET `+strings.Join(callTextCols(), " = ?, ")+` = ?, key_id = ? WHERE id = ?`,
		append(vals, key, c.ID)...)
	return err
}

// openCallTexts opens the texts of c, read as stored with its row's key, through q.
func (s *Store) openCallTexts(ctx context.Context, q rowQuerier, key sql.NullInt64, c *desk.Call) error {
	if !key.Valid {
		return nil
	}
	cols := callTextCols()
	for i, f := range callTextFields(c) {
		if *f == "" {
			continue
		}
		p, err := s.openString(ctx, q, key, KeyOwnerCall, c.ID, "calls."+cols[i], *f)
		if err != nil {
			return fmt.Errorf("call %s: %w", c.Ref, err)
		}
		*f = p
	}
	return nil
}

// scanCall reads a row of callCols (then any columns the scanner adds), its text opened through
// q (the Store, or the Tx that may have sealed it). Opening reads the call's data key through q
// when it is not cached: q must not be a Tx with the rows still open (PostgreSQL allows one
// statement at a time on a connection); scanStoredCall reads the text as stored.
func (s *Store) scanCall(ctx context.Context, q rowQuerier) func(scanner) (desk.Call, error) {
	return func(r scanner) (desk.Call, error) {
		c, key, err := scanCallRow(r)
		if err != nil {
			return c, err
		}
		return c, s.openCallTexts(ctx, q, key, &c)
	}
}

// scanStoredCall reads a row of callCols with its text as stored (sealed while the call is special
// category): for the service-level sweeps, which read no text.
func scanStoredCall(r scanner) (desk.Call, error) {
	c, _, err := scanCallRow(r)
	return c, err
}

// sealEntry returns the body of a diary entry of c as it is to be stored, and its key.
func (t *Tx) sealEntry(ctx context.Context, c desk.Call, body string) (sql.NullInt64, string, error) {
	if !c.SpecialCategory || body == "" {
		return sql.NullInt64{}, body, nil
	}
	k, v, err := t.sealString(ctx, KeyOwnerCall, c.ID, "diary_entries.body", body)
	if err != nil {
		return k, "", fmt.Errorf("seal a diary entry of %s: %w", c.Ref, err)
	}
	return k, v, nil
}

// openEntry opens the body of a diary entry of call callID, stored with key, through q.
func (s *Store) openEntry(ctx context.Context, q rowQuerier, key sql.NullInt64, callID int64, body string) (string, error) {
	if !key.Valid || body == "" {
		return body, nil
	}
	return s.openString(ctx, q, key, KeyOwnerCall, callID, "diary_entries.body", body)
}

// MarkSpecialCategory marks call ref as holding special-category data, or takes the mark off
// (special false), at version (0: any), with reason, audited. Marking seals the text the call
// has and its diary (with master keys); unmarking writes them plain again: the call's text is
// then no more protected than any other call's. Its data key is kept either way (its files and
// emails may be sealed under it). The search document moves to the parts the mark decides.
func (s *Store) MarkSpecialCategory(ctx context.Context, actor desk.Actor, ref string, version int64, special bool, reason string) (desk.Call, error) {
	if strings.TrimSpace(reason) == "" {
		return desk.Call{}, desk.Invalid("the mark cannot change", map[string]string{"reason": "is required: why the call does or does not hold special-category data"})
	}
	var c desk.Call
	err := s.inTx(ctx, func(t *Tx) error {
		var err error
		if c, err = t.lockCall(ctx, ref); err != nil {
			return err
		}
		if version != 0 && version != c.Version {
			return t.conflict(ctx, c, version)
		}
		if c.SpecialCategory == special {
			return nil
		}
		// Article 18: while the customer's processing is restricted their call's protection is not
		// lowered (taking the mark off unmasks and unseals its text); marking it protects, and is
		// allowed.
		if !special {
			if err := t.frozen(ctx, c.CustomerID, "the special-category mark of call "+c.Ref+" cannot be taken off"); err != nil {
				return err
			}
		}
		c.SpecialCategory = special
		if err := t.writeCallTexts(ctx, c); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE calls SET special_category = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			special, t.Now.UnixMicro(), c.ID); err != nil {
			return err
		}
		c.Version++
		c.UpdatedAt = t.Now
		if err := t.resealDiary(ctx, c); err != nil {
			return err
		}
		t.wroteCalls = true
		t.indexLater(c.ID, false)
		what := "marked special category"
		if !special {
			what = "special-category mark taken off"
		}
		return t.audit(ctx, actor, "call.special_category", "call", c.Ref, []int64{c.CustomerID}, what+": "+reason)
	})
	return c, err
}

// resealDiary writes every diary entry of c again, sealed or plain as c's mark decides.
func (t *Tx) resealDiary(ctx context.Context, c desk.Call) error {
	rows, err := t.query(ctx, `SELECT id, body, key_id FROM diary_entries WHERE call_id = ? ORDER BY id`, c.ID)
	if err != nil {
		return err
	}
	type entry struct {
		id   int64
		body string
		key  sql.NullInt64
	}
	var es []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.id, &e.body, &e.key); err != nil {
			rows.Close()
			return err
		}
		es = append(es, e)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, e := range es {
		p, err := t.s.openEntry(ctx, t, e.key, c.ID, e.body)
		if err != nil {
			return err
		}
		key, v, err := t.sealEntry(ctx, c, p)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE diary_entries SET body = ?, key_id = ? WHERE id = ?`, v, key, e.id); err != nil {
			return err
		}
	}
	return nil
}

// indexSealedCalls builds the search documents of the calls ids whose text is sealed (key_id set on
// the call or on any of its entries), from their opened text, as callTexts builds the others';
// it returns the ids it left to callTexts (no sealed text).
func (t *Tx) indexSealedCalls(ctx context.Context, ids, replaced []int64) (plain, plainReplaced []int64, err error) {
	if len(ids) == 0 || !t.s.Encrypting() {
		// A store without master keys has no sealed text it could open (CheckKeys refuses to
		// start on a database holding data keys without them).
		return ids, replaced, nil
	}
	// One read gives the sealed calls among ids (the call's text or an entry sealed) with their
	// text; the others are left to callTexts.
	type sealedCall struct {
		c       desk.Call
		key     sql.NullInt64
		triage  bool
		special bool
		fresh   bool // from t.fresh: the text is plain, and there is no diary
	}
	sealed := map[int64]*sealedCall{}
	var order []*sealedCall
	// Calls created in this transaction with their text sealed, and not touched since, are known
	// (t.fresh): their text is as written and they have no diary.
	var stored []int64
	for _, id := range ids {
		if fc, ok := t.fresh[id]; ok && fc.sealed {
			sc := &sealedCall{c: desk.Call{ID: id, Summary: fc.summary, Description: fc.description}, triage: fc.triage, special: fc.special, fresh: true}
			sealed[id] = sc
			order = append(order, sc)
		} else {
			stored = append(stored, id)
		}
	}
	if len(stored) > 0 {
		rows, err := t.query(ctx, `SELECT c.id, c.summary, c.description, c.special_category, c.triage_pending, c.key_id FROM calls c
			WHERE c.id IN `+t.s.d.idSet()+` AND (c.key_id IS NOT NULL OR
			EXISTS (SELECT 1 FROM diary_entries d WHERE d.call_id = c.id AND d.key_id IS NOT NULL))`, t.s.d.idSetArg(stored))
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			sc := &sealedCall{}
			if err := rows.Scan(&sc.c.ID, &sc.c.Summary, &sc.c.Description, &sc.special, &sc.triage, &sc.key); err != nil {
				rows.Close()
				return nil, nil, err
			}
			sealed[sc.c.ID] = sc
			order = append(order, sc)
		}
		if err := rows.Close(); err != nil {
			return nil, nil, err
		}
	}
	if len(sealed) == 0 {
		return ids, replaced, nil
	}
	for _, id := range ids {
		if sealed[id] == nil {
			plain = append(plain, id)
		}
	}
	for _, id := range replaced {
		if sealed[id] == nil {
			plainReplaced = append(plainReplaced, id)
		}
	}
	mac, err := t.indexKeyFor(ctx)
	if err != nil {
		return nil, nil, err
	}
	var docs []callDoc
	for _, sc := range order {
		id, special := sc.c.ID, sc.special
		var info, mail string
		if sc.fresh {
			info, mail = docText(sc.c, sc.triage, nil, nil)
		} else if info, mail, err = t.callDocText(ctx, sc.c, sc.key, sc.triage); err != nil {
			return nil, nil, err
		}
		if special && mac != nil {
			// The blind index (search_blind.go): keyed hashes of the words, capped as the text
			// is; a call whose hashes do not all fit is listed in search_overflow, so that the
			// mention finder reads it whole rather than trust the index.
			bi, bm := mac.blind(info), mac.blind(mail)
			ci := capChars(bi, maxCallDocChars)
			cm := capChars(bm, maxCallDocChars-len(ci))
			if len(ci) < len(bi) || len(cm) < len(bm) {
				if _, err := t.exec(ctx, `INSERT INTO search_overflow (call_id) VALUES (?) ON CONFLICT (call_id) DO NOTHING`, id); err != nil {
					return nil, nil, err
				}
			}
			info, mail = ci, cm
		}
		docs = append(docs, callDoc{id: id, replaced: slicesContains(replaced, id), special: special, info: info, mail: mail})
	}
	if t.s.sealedDocs != nil {
		t.s.sealedDocs(docs)
	}
	if err := t.s.d.indexCallTexts(ctx, t, docs); err != nil {
		return nil, nil, fmt.Errorf("index sealed calls: %w", err)
	}
	return plain, plainReplaced, nil
}

// callDoc is a call's search document built in Go (indexSealedCalls).
type callDoc struct {
	id                int64
	replaced, special bool
	info, mail        string
}

func slicesContains(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// callDocText is, for call c (its summary and description as stored, with their key), what
// callTexts gives: its information and its email-only text, capped as there (maxCallDoc
// characters together, information first), from its opened text and diary.
func (t *Tx) callDocText(ctx context.Context, c desk.Call, key sql.NullInt64, triage bool) (info, mail string, err error) {
	id := c.ID
	if err := t.s.openCallTexts(ctx, t, key, &c); err != nil {
		return "", "", err
	}
	rows, err := t.query(ctx, `SELECT kind, body, key_id FROM diary_entries WHERE call_id = ? ORDER BY id`, id)
	if err != nil {
		return "", "", err
	}
	type entry struct {
		kind, body string
		key        sql.NullInt64
	}
	var es []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.kind, &e.body, &e.key); err != nil {
			rows.Close()
			return "", "", err
		}
		es = append(es, e)
	}
	if err := rows.Close(); err != nil {
		return "", "", err
	}
	var infos, mails []string
	for _, e := range es {
		b, err := t.s.openEntry(ctx, t, e.key, id, e.body)
		if err != nil {
			return "", "", err
		}
		if e.kind == string(desk.EntryEmail) {
			mails = append(mails, b)
		} else {
			infos = append(infos, b)
		}
	}
	info, mail = docText(c, triage, infos, mails)
	return info, mail, nil
}

// docText is the search document of call c (its summary and description opened) with the opened
// bodies of its diary's entries, those of emails (mails) apart: its information and its
// email-only text, capped as callTexts caps them. A call in triage has its own text as email.
func docText(c desk.Call, triage bool, infos, mails []string) (info, mail string) {
	head, mailHead := c.Summary+" "+c.Description, ""
	if triage {
		head, mailHead = "", c.Summary+" "+c.Description
	}
	info = capChars(head+" "+strings.Join(infos, " "), maxCallDocChars)
	mail = capChars(mailHead+" "+strings.Join(mails, " "), maxCallDocChars-utf8.RuneCountInString(info))
	return info, mail
}

// freshCall is a call created in a transaction and not touched since (Tx.fresh): its text as
// written (kept only when it was sealed, for its search document) and how long its description is.
type freshCall struct {
	summary, description string
	triage, special      bool
	sealed               bool // its text was written sealed: summary and description are kept
	descLen              int  // the description's length in bytes (it has no diary)
}

// remember keeps the text of call id, created sealed in this transaction, for its search document.
func (t *Tx) remember(id int64, fc freshCall) {
	if t.fresh == nil {
		t.fresh = map[int64]freshCall{}
	}
	t.fresh[id] = fc
}

// maxCallDocChars is maxCallDoc as a number.
const maxCallDocChars = 200000

// capChars cuts s to at most n characters.
func capChars(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
