package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"calldesk/internal/desk"
)

// Bulk writes large amounts of new data fast: the demo's million calls, or an import from another
// service desk. Rows are buffered and written as multi-row INSERTs through prepared statements, many
// thousands to a transaction, on one connection held for the whole load; the full-text index is
// built once at the end, and one audit record describes the whole load.
//
// Bulk hands out ids and call numbers itself, continuing after the largest in the database, so
// nothing else may write people, groups, profiles, accounts or calls while a Bulk is open. It is
// not one transaction: if a load fails half way, what was committed stays, so load into a new
// database and start again. Rows must be added after the rows they refer to (a manager before the
// people who report to them, a group before its members, a parent profile before its children).
//
// Use: b, err := s.Bulk(ctx); defer b.Close(); b.AddPerson(...)...; b.Finish(ctx, ...).
type Bulk struct {
	s *Store
	// conn is SQLite's writer connection, whose turn the load holds from start to end, or on
	// PostgreSQL a connection of the pool kept for the load.
	conn    *sql.Conn
	restore func(context.Context) error
	tx      *Tx
	stmts   map[*bulkTable]*sql.Stmt // prepared full-size INSERTs (per transaction on PostgreSQL)
	inTx    int                      // rows written in the current transaction

	people, groups, members, profiles, accounts, calls, entries *bulkTable
	tables                                                      []*bulkTable // parents before children

	last         map[string]int64 // the largest id handed out so far, per table
	firstCall    int64            // id of the first call of this load, 0 before any
	lastNumber   int64            // the largest call number handed out
	profilePaths map[int64]string
	snapshots    map[desk.Snapshot]string // customer snapshots already encoded
	counts       BulkCounts
	closed       bool
}

// BulkCounts says how many rows of each kind a Bulk wrote.
type BulkCounts struct {
	People, Groups, Members, Profiles, Accounts, Calls, Entries int
}

// Tuning of the bulk path: rows per transaction, and the most parameters one INSERT may carry
// (SQLite allows 32766, PostgreSQL 65535; smaller statements are as fast and kinder to memory).
const (
	bulkTxRows     = 50_000
	bulkMaxParams  = 4_000
	bulkIndexCalls = 20_000 // calls indexed per transaction at the end
)

// bulkTable buffers the rows of one table until they make a full statement.
type bulkTable struct {
	table string
	head  string // INSERT INTO table (cols) VALUES
	row   string // (?, ?, ...)
	cols  int
	per   int   // rows in a full statement
	args  []any // buffered values, cols per row
}

func newBulkTable(table string, cols ...string) *bulkTable {
	per := bulkMaxParams / len(cols)
	if per > 500 {
		per = 500
	}
	return &bulkTable{table: table, head: `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `,
		row: "(" + placeholders(len(cols)) + ")", cols: len(cols), per: per}
}

func (bt *bulkTable) rows() int { return len(bt.args) / bt.cols }

func (bt *bulkTable) sql(rows int) string {
	var b strings.Builder
	b.Grow(len(bt.head) + rows*(len(bt.row)+2))
	b.WriteString(bt.head)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(bt.row)
	}
	return b.String()
}

// Bulk starts a bulk load. On SQLite it takes the writer for the whole load, so other writes wait
// until Close. Close it when done, whether or not Finish succeeded.
func (s *Store) Bulk(ctx context.Context) (*Bulk, error) {
	b := &Bulk{s: s, stmts: map[*bulkTable]*sql.Stmt{}, last: map[string]int64{},
		profilePaths: map[int64]string{}, snapshots: map[desk.Snapshot]string{}}
	if s.w != nil {
		select {
		case s.w.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		b.conn = s.w.conn
	} else {
		conn, err := s.write.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("bulk load: %w", err)
		}
		b.conn = conn
	}
	fail := func(err error) (*Bulk, error) {
		b.closed = true
		return nil, errors.Join(fmt.Errorf("bulk load: %w", err), b.release())
	}
	b.people = newBulkTable("people", "id", "first_name", "last_name", "username", "email", "student_number", "department",
		"phone", "job_title", "manager_id", "kind", "active", "source", "directory_key", "created_at", "updated_at", "version")
	b.groups = newBulkTable("support_groups", "id", "name", "mailbox", "created_at")
	b.members = newBulkTable("group_members", "group_id", "person_id")
	b.profiles = newBulkTable("profiles", "id", "parent_id", "name", "path", "default_group_id", "default_priority")
	b.accounts = newBulkTable("accounts", "id", "person_id", "login", "password_hash", "roles", "active", "created_at")
	b.calls = newBulkTable("calls", "id", "number", "kind", "summary", "description", "customer_id", "customer_snapshot",
		"alt_email", "alt_phone", "source", "profile_id", "impact", "urgency", "priority", "group_id", "analyst_id", "state",
		"urgent", "hold_until", "hold_reason", "resolution", "cancel_note", "logged_at", "logged_by", "assigned_at",
		"accepted_at", "held_at", "off_hold_at", "resolved_at", "closed_at", "cancelled_at", "reopened_at", "updated_at", "version", "special_category")
	b.entries = newBulkTable("diary_entries", "call_id", "kind", "public", "body", "author_id", "created_at", "call_version")
	b.tables = []*bulkTable{b.people, b.groups, b.members, b.profiles, b.accounts, b.calls, b.entries}
	for _, table := range []string{"people", "support_groups", "profiles", "accounts", "calls"} {
		var n int64
		if err := b.conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&n); err != nil {
			return fail(fmt.Errorf("%s: %w", table, err))
		}
		b.last[table] = n
	}
	if err := b.conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) FROM calls`).Scan(&b.lastNumber); err != nil {
		return fail(fmt.Errorf("calls: %w", err))
	}
	restore, err := s.d.bulkSession(ctx, b.conn)
	if err != nil {
		return fail(err)
	}
	b.restore = restore
	return b, nil
}

func (b *Bulk) nextID(table string) int64 {
	b.last[table]++
	return b.last[table]
}

// add buffers one row and writes whatever makes full statements.
func (b *Bulk) add(ctx context.Context, bt *bulkTable, values ...any) error {
	if b.closed {
		return errors.New("bulk load: already closed")
	}
	bt.args = append(bt.args, values...)
	if bt.rows() >= bt.per {
		return b.flush(ctx, false)
	}
	return nil
}

// flush writes the buffered rows, parents first, so no row reaches the database before a row it
// refers to: a table is written only once every table before it is empty. Unless all is set it
// writes full statements only, and the rest of a table only when a table after it is waiting with
// a full statement. Full transactions are committed.
func (b *Bulk) flush(ctx context.Context, all bool) error {
	for i, bt := range b.tables {
		if bt.rows() == 0 {
			continue
		}
		if err := b.begin(ctx); err != nil {
			return err
		}
		for bt.rows() >= bt.per {
			st, err := b.stmt(ctx, bt)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, bt.args[:bt.per*bt.cols]...); err != nil {
				return fmt.Errorf("bulk load: %s: %w", bt.table, b.s.mapErr(err))
			}
			b.inTx += bt.per
			bt.args = append(bt.args[:0], bt.args[bt.per*bt.cols:]...)
		}
		if n := bt.rows(); n > 0 {
			if !all && !b.waiting(i) {
				break // its children wait for it
			}
			if err := b.execRows(ctx, bt.sql(n), bt.args); err != nil {
				return fmt.Errorf("bulk load: %s: %w", bt.table, b.s.mapErr(err))
			}
			b.inTx += n
			bt.args = bt.args[:0]
		}
	}
	if b.inTx >= bulkTxRows || all {
		return b.commit()
	}
	return nil
}

// waiting reports whether a table after the i-th holds a full statement.
func (b *Bulk) waiting(i int) bool {
	for _, bt := range b.tables[i+1:] {
		if bt.rows() >= bt.per {
			return true
		}
	}
	return false
}

// sqlite reports whether the load runs on SQLite's writer, where transactions are plain BEGIN and
// COMMIT on its connection and statements stay prepared across them.
func (b *Bulk) sqlite() bool { return b.s.w != nil }

func (b *Bulk) begin(ctx context.Context) error {
	if b.tx != nil {
		return nil
	}
	if b.sqlite() {
		if _, err := b.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return fmt.Errorf("bulk load: begin: %w", err)
		}
		b.tx = &Tx{s: b.s, w: b.s.w, Now: b.s.Now()}
		return nil
	}
	tx, err := b.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bulk load: begin: %w", err)
	}
	if err := b.s.d.bulkTx(ctx, tx); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("bulk load: begin: %w", err)
	}
	b.tx = &Tx{tx: tx, s: b.s, Now: b.s.Now()}
	return nil
}

// execRows runs an INSERT of rows that is not worth preparing (the rest of a table).
func (b *Bulk) execRows(ctx context.Context, query string, args []any) error {
	var err error
	if b.sqlite() {
		_, err = b.conn.ExecContext(ctx, query, args...)
	} else {
		_, err = b.tx.tx.ExecContext(ctx, b.s.d.rebind(query), args...)
	}
	return err
}

func (b *Bulk) stmt(ctx context.Context, bt *bulkTable) (*sql.Stmt, error) {
	if st := b.stmts[bt]; st != nil {
		return st, nil
	}
	var st *sql.Stmt
	var err error
	if b.sqlite() {
		st, err = b.conn.PrepareContext(ctx, bt.sql(bt.per))
	} else {
		st, err = b.tx.tx.PrepareContext(ctx, b.s.q(bt.sql(bt.per)))
	}
	if err != nil {
		return nil, fmt.Errorf("bulk load: prepare %s: %w", bt.table, err)
	}
	b.stmts[bt] = st
	return st, nil
}

func (b *Bulk) closeStmts() {
	for bt, st := range b.stmts {
		st.Close()
		delete(b.stmts, bt)
	}
}

func (b *Bulk) commit() error {
	if b.tx == nil {
		return nil
	}
	var err error
	if b.sqlite() {
		if _, err = b.conn.ExecContext(context.Background(), "COMMIT"); err != nil {
			_, _ = b.conn.ExecContext(context.Background(), "ROLLBACK")
		} else {
			b.s.w.ckpt.committed()
		}
	} else {
		b.closeStmts()
		err = b.tx.tx.Commit()
	}
	b.tx, b.inTx = nil, 0
	b.s.callWrites.Add(1) // a bulk load may add calls: cached queue counts are stale
	if err != nil {
		return fmt.Errorf("bulk load: commit: %w", b.s.mapErr(err))
	}
	return nil
}

// AddPerson adds a person and sets p.ID. Zero CreatedAt and UpdatedAt take the store's clock; a
// zero Version becomes 1.
func (b *Bulk) AddPerson(ctx context.Context, p *desk.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = b.s.Now()
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	if p.Version == 0 {
		p.Version = 1
	}
	p.ID = b.nextID("people")
	b.counts.People++
	return b.add(ctx, b.people, p.ID, p.FirstName, p.LastName, p.Username, p.Email, p.StudentNumber, p.Department,
		p.Phone, p.JobTitle, nullID(p.ManagerID), string(p.Kind), b2i(p.Active), string(p.Source), p.DirectoryKey,
		p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version)
}

// AddGroup adds a support group and sets g.ID.
func (b *Bulk) AddGroup(ctx context.Context, g *desk.Group) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if g.CreatedAt.IsZero() {
		g.CreatedAt = b.s.Now()
	}
	g.ID = b.nextID("support_groups")
	b.counts.Groups++
	return b.add(ctx, b.groups, g.ID, g.Name, g.Mailbox, g.CreatedAt.UnixMicro())
}

// AddMember makes a person a member of a group. Each pair may be added once.
func (b *Bulk) AddMember(ctx context.Context, groupID, personID int64) error {
	b.counts.Members++
	return b.add(ctx, b.members, groupID, personID)
}

// AddProfile adds a node of the problem-profile tree, sets p.ID and p.Path (the parent must have
// been added by this Bulk or exist already). A zero DefaultPriority becomes 3.
func (b *Bulk) AddProfile(ctx context.Context, p *desk.Profile) error {
	p.Name = strings.TrimSpace(p.Name)
	if p.DefaultPriority == 0 {
		p.DefaultPriority = 3
	}
	if p.Name == "" || strings.Contains(p.Name, ">") || !p.DefaultPriority.Valid() {
		return desk.Errorf(desk.EINVALID, "the problem profile %q is not valid: it needs a name without \">\" and a priority of 1 to 4", p.Name)
	}
	p.Path = p.Name
	if p.ParentID != 0 {
		parent, ok := b.profilePaths[p.ParentID]
		if !ok {
			pp, err := b.s.FindProfile(ctx, p.ParentID)
			if err != nil {
				return err
			}
			parent = pp.Path
		}
		p.Path = parent + " > " + p.Name
	}
	p.ID = b.nextID("profiles")
	b.profilePaths[p.ID] = p.Path
	b.counts.Profiles++
	return b.add(ctx, b.profiles, p.ID, nullID(p.ParentID), p.Name, p.Path, nullID(p.DefaultGroupID), int(p.DefaultPriority))
}

// AddAccount adds an account and sets a.ID. PasswordHash, when set, is already hashed.
func (b *Bulk) AddAccount(ctx context.Context, a *desk.Account) error {
	a.Login = strings.TrimSpace(a.Login)
	if a.Login == "" || a.PersonID <= 0 || len(a.Roles) == 0 {
		return desk.Errorf(desk.EINVALID, "the account %q is not valid: it needs a login, a person and at least one role", a.Login)
	}
	for _, r := range a.Roles {
		if !r.Valid() {
			return desk.Errorf(desk.EINVALID, "the account %q is not valid: %q is not a role", a.Login, r)
		}
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = b.s.Now()
	}
	a.ID = b.nextID("accounts")
	b.counts.Accounts++
	return b.add(ctx, b.accounts, a.ID, a.PersonID, a.Login, a.PasswordHash, joinRoles(a.Roles), b2i(a.Active), a.CreatedAt.UnixMicro())
}

// AddCall adds a call as it stands, with every milestone, and its diary in order. It hands out the
// call's id and number (setting c.ID and c.Ref) and sets each entry's CallID. The caller is
// trusted to give a consistent call (the lifecycle rules are not replayed); the store checks only
// what it must to keep its own invariants. A zero Version becomes 1, a zero UpdatedAt the logging
// time.
func (b *Bulk) AddCall(ctx context.Context, c *desk.Call, diary []desk.Entry) error {
	if c.Kind != desk.Fault && c.Kind != desk.Request {
		return desk.Errorf(desk.EINVALID, "bulk call: kind %q must be fault or request", c.Kind)
	}
	if !c.State.Valid() || c.CustomerID <= 0 || c.LoggedAt.IsZero() || !c.Priority.Valid() || !c.Source.Valid() {
		return desk.Errorf(desk.EINVALID, "bulk call %q: it needs a valid state, source and priority, a customer and a logging time", c.Summary)
	}
	snap, ok := b.snapshots[c.Customer]
	if !ok {
		j, err := json.Marshal(c.Customer)
		if err != nil {
			return err
		}
		snap = string(j)
		b.snapshots[c.Customer] = snap
	}
	if c.Version == 0 {
		c.Version = 1
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.LoggedAt
	}
	c.ID = b.nextID("calls")
	if b.firstCall == 0 {
		b.firstCall = c.ID
	}
	b.lastNumber++
	c.Ref = desk.Reference(c.Kind, b.lastNumber)
	b.counts.Calls++
	b.counts.Entries += len(diary)
	for i := range diary {
		diary[i].CallID = c.ID
		if diary[i].CallVersion == 0 {
			diary[i].CallVersion = c.Version
		}
	}
	// Entries first into their buffer: they are written only after the call's row (flush order).
	for _, e := range diary {
		b.entries.args = append(b.entries.args, c.ID, string(e.Kind), b2i(entryPublic(e)), e.Text, nullID(e.AuthorID),
			e.CreatedAt.UnixMicro(), e.CallVersion)
	}
	return b.add(ctx, b.calls, c.ID, b.lastNumber, string(c.Kind), c.Summary, c.Description, c.CustomerID, snap,
		c.AltEmail, c.AltPhone, string(c.Source), nullID(c.ProfileID), string(c.Impact), string(c.Urgency), int(c.Priority),
		nullID(c.GroupID), nullID(c.AnalystID), string(c.State), b2i(c.Urgent), micros(c.HoldUntil), c.HoldReason,
		c.Resolution, c.CancelNote, c.LoggedAt.UnixMicro(), nullID(c.LoggedBy), micros(c.AssignedAt), micros(c.AcceptedAt),
		micros(c.HeldAt), micros(c.OffHoldAt), micros(c.ResolvedAt), micros(c.ClosedAt), micros(c.CancelledAt),
		micros(c.ReopenedAt), c.UpdatedAt.UnixMicro(), c.Version, c.SpecialCategory)
}

// entryPublic is the visibility rule of addEntries: internal notes are never public; updates,
// status lines and assignments always are.
func entryPublic(e desk.Entry) bool {
	switch e.Kind {
	case desk.EntryNote:
		return false
	case desk.EntryStatus, desk.EntryAssignment, desk.EntryUpdate:
		return true
	}
	return e.Public
}

// Counts reports what the load has added so far.
func (b *Bulk) Counts() BulkCounts { return b.counts }

// Finish writes what is still buffered, builds the full-text index of the new calls (calling
// progress, when not nil, after each batch with the calls indexed so far and their total), moves
// the call-number generator and the id generators past what the load used, and appends one audit
// record (action, with detail) for the whole load, by actor. It then refreshes the planner's
// statistics and closes the Bulk.
func (b *Bulk) Finish(ctx context.Context, actor desk.Actor, action, detail string, progress func(done, total int)) (BulkCounts, error) {
	if b.closed {
		return b.counts, errors.New("bulk load: already closed")
	}
	if err := b.flush(ctx, true); err != nil {
		return b.counts, err
	}
	if b.firstCall != 0 {
		last := b.last["calls"]
		for from := b.firstCall; from <= last; from += bulkIndexCalls {
			to := min(from+bulkIndexCalls-1, last)
			if err := b.begin(ctx); err != nil {
				return b.counts, err
			}
			if err := b.s.d.indexCalls(ctx, b.tx, from, to); err != nil {
				return b.counts, fmt.Errorf("bulk load: index calls %d to %d: %w", from, to, err)
			}
			if err := b.tx.markOverflow(ctx, `c.id BETWEEN ? AND ?`, from, to); err != nil {
				return b.counts, err
			}
			if err := b.commit(); err != nil {
				return b.counts, err
			}
			if progress != nil {
				progress(int(to-b.firstCall+1), int(last-b.firstCall+1))
			}
		}
	}
	if err := b.begin(ctx); err != nil {
		return b.counts, err
	}
	if b.firstCall != 0 {
		// The calls' reassignments and resolvers, for the first-contact report, from their diaries.
		if err := b.tx.backfillFirstLine(ctx, b.firstCall, b.last["calls"]); err != nil {
			return b.counts, fmt.Errorf("bulk load: %w", err)
		}
	}
	if b.lastNumber > 0 {
		if err := b.s.d.advanceCallNumber(ctx, b.tx, b.lastNumber); err != nil {
			return b.counts, fmt.Errorf("bulk load: call numbers: %w", err)
		}
	}
	for _, table := range []string{"people", "support_groups", "profiles", "accounts", "calls"} {
		if err := b.s.d.syncIdentity(ctx, b.tx, table); err != nil {
			return b.counts, fmt.Errorf("bulk load: ids of %s: %w", table, err)
		}
	}
	if err := b.tx.audit(ctx, actor, action, "system", "database", nil, detail); err != nil {
		return b.counts, err
	}
	if err := b.commit(); err != nil {
		return b.counts, err
	}
	if err := b.s.d.analyze(ctx, b.conn); err != nil {
		return b.counts, fmt.Errorf("bulk load: analyze: %w", err)
	}
	return b.counts, b.Close()
}

// Close ends the bulk load: it rolls back what is not committed, drops what is buffered, puts the
// connection's settings back and lets other writers have it again. It is safe to call more than once.
func (b *Bulk) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	var err error
	if b.tx != nil {
		if b.sqlite() {
			_, err = b.conn.ExecContext(context.Background(), "ROLLBACK")
		} else {
			err = b.tx.tx.Rollback()
		}
		b.tx = nil
	}
	b.closeStmts()
	for _, bt := range b.tables {
		bt.args = nil
	}
	if b.restore != nil {
		err = errors.Join(err, b.restore(context.Background()))
	}
	return errors.Join(err, b.release())
}

// release gives the connection back: SQLite's writer to the other writers, PostgreSQL's to the pool.
func (b *Bulk) release() error {
	if b.sqlite() {
		<-b.s.w.sem
		return nil
	}
	return b.conn.Close()
}
