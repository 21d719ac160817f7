package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"calldesk/internal/desk"
)

// This file reads the figures the DPO's compliance page (package dpo, policy 7.2) shows as
// evidence, and keeps the checks of the audit trail's hash chain.

// RequestTally counts the subject requests: those closed since a time, how many of them on
// time (by their deadline, extended or not), and those open past their deadline now.
type RequestTally struct {
	Closed, OnTime, Late, Overdue int
}

// SubjectRequestTally counts the requests closed (done or refused) since from and those open and
// overdue at now. A request's closing is its last step (updated_at).
func (s *Store) SubjectRequestTally(ctx context.Context, from, now time.Time) (RequestTally, error) {
	var t RequestTally
	var onTime, late sql.NullInt64
	err := s.queryRow(ctx, `SELECT COUNT(*),
		SUM(CASE WHEN COALESCE(extended_to, due_at) IS NULL OR updated_at <= COALESCE(extended_to, due_at) THEN 1 ELSE 0 END),
		SUM(CASE WHEN updated_at > COALESCE(extended_to, due_at) THEN 1 ELSE 0 END)
		FROM subject_requests WHERE state IN ('done', 'refused') AND updated_at >= ?`, from.UnixMicro()).Scan(&t.Closed, &onTime, &late)
	if err != nil {
		return t, err
	}
	t.OnTime, t.Late = int(onTime.Int64), int(late.Int64)
	err = s.queryRow(ctx, `SELECT COUNT(*) FROM subject_requests WHERE state = 'open' AND COALESCE(extended_to, due_at) < ?`,
		now.UnixMicro()).Scan(&t.Overdue)
	return t, err
}

// ErasuresSince counts the people erased since from.
func (s *Store) ErasuresSince(ctx context.Context, from time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM erasures WHERE erased_at >= ?`, from.UnixMicro()).Scan(&n)
	return n, err
}

// AuditVerification is one check of the audit trail's hash chain.
type AuditVerification struct {
	At       time.Time
	Checked  int    // links checked
	Problems int    // problems found (0: intact)
	First    string // the first problem, in words
	By       string
}

// RecordAuditVerification keeps the result of a check of the audit chain, audited (audit.verify).
func (s *Store) RecordAuditVerification(ctx context.Context, actor desk.Actor, checked, problems int, first string) error {
	return s.inTx(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, `INSERT INTO audit_verifications (verified_at, checked, problems, first, by_whom) VALUES (?, ?, ?, ?, ?)`,
			t.Now.UnixMicro(), checked, problems, first, actorName(actor)); err != nil {
			return err
		}
		return t.audit(ctx, actor, "audit.verify", "audit", "chain", nil, fmt.Sprintf("checked %d links of the audit chain: %d problem(s)", checked, problems))
	})
}

// LastAuditVerification returns the latest check of the audit chain; ok is false when it has
// never been checked.
func (s *Store) LastAuditVerification(ctx context.Context) (v AuditVerification, ok bool, err error) {
	var at int64
	err = s.queryRow(ctx, `SELECT verified_at, checked, problems, first, by_whom FROM audit_verifications ORDER BY id DESC LIMIT 1`).
		Scan(&at, &v.Checked, &v.Problems, &v.First, &v.By)
	if err == sql.ErrNoRows {
		return v, false, nil
	} else if err != nil {
		return v, false, err
	}
	v.At = time.UnixMicro(at).UTC()
	return v, true, nil
}
