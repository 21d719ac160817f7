package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// This file keeps the published versions of the privacy notice (policy 14.3, 14.4): each
// version whole, as published, so that what a person was shown can be read again, and the
// version a person saw when they logged a call (calls.notice_version, policy 14.5). The notice's
// content is built by package dpo from the records of processing; the store keeps its JSON.

// PrivacyNotice is one published version of the notice.
type PrivacyNotice struct {
	Version     int
	Body        string // JSON of the notice (dpo.Notice)
	Reason      string
	PublishedBy string
	PublishedAt time.Time
}

// PublishNotice publishes body as the next version of the notice, with the reason, audited
// (notice.publish).
func (s *Store) PublishNotice(ctx context.Context, actor desk.Actor, body, reason string) (PrivacyNotice, error) {
	reason, err := needReason(reason)
	if err != nil {
		return PrivacyNotice{}, err
	}
	n := PrivacyNotice{Body: body, Reason: reason, PublishedBy: actorName(actor)}
	err = s.inTx(ctx, func(t *Tx) error {
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM privacy_notices`).Scan(&n.Version); err != nil {
			return err
		}
		n.PublishedAt = t.Now
		if _, err := t.exec(ctx, `INSERT INTO privacy_notices (version, body, reason, published_by, published_at) VALUES (?, ?, ?, ?, ?)`,
			n.Version, body, reason, n.PublishedBy, t.Now.UnixMicro()); err != nil {
			return err
		}
		return t.audit(ctx, actor, "notice.publish", "notice", n.Version, nil, fmt.Sprintf("privacy notice version %d published: %s", n.Version, reason))
	})
	return n, err
}

const noticeColumns = `version, body, reason, published_by, published_at`

func scanNotice(r interface{ Scan(...any) error }) (PrivacyNotice, error) {
	var n PrivacyNotice
	var at int64
	err := r.Scan(&n.Version, &n.Body, &n.Reason, &n.PublishedBy, &at)
	n.PublishedAt = time.UnixMicro(at).UTC()
	return n, err
}

// Notice returns published version v (ENOTFOUND when there is none).
func (s *Store) Notice(ctx context.Context, v int) (PrivacyNotice, error) {
	n, err := scanNotice(s.queryRow(ctx, `SELECT `+noticeColumns+` FROM privacy_notices WHERE version = ?`, v))
	if err == sql.ErrNoRows {
		return n, notFound("there is no version %d of the privacy notice", v)
	}
	return n, err
}

// LatestNotice returns the version in force: the last published (ENOTFOUND before the first).
func (s *Store) LatestNotice(ctx context.Context) (PrivacyNotice, error) {
	n, err := scanNotice(s.queryRow(ctx, `SELECT `+noticeColumns+` FROM privacy_notices ORDER BY version DESC LIMIT 1`))
	if err == sql.ErrNoRows {
		return n, notFound("no privacy notice has been published yet")
	}
	return n, err
}

// Notices lists the published versions, the newest first, without their bodies.
func (s *Store) Notices(ctx context.Context) ([]PrivacyNotice, error) {
	rows, err := s.query(ctx, `SELECT version, '', reason, published_by, published_at FROM privacy_notices ORDER BY version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PrivacyNotice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CallNoticeVersion is the version of the privacy notice whose summary the customer saw when
// they logged call ref on the portal (0: logged otherwise, or before the first notice).
func (s *Store) CallNoticeVersion(ctx context.Context, ref string) (int, error) {
	kind, number, err := desk.ParseReference(strings.TrimSpace(ref))
	if err != nil {
		return 0, err
	}
	var v sql.NullInt64
	err = s.queryRow(ctx, `SELECT notice_version FROM calls WHERE kind = ? AND number = ?`, string(kind), number).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, notFound("there is no call %s", ref)
	}
	return int(v.Int64), err
}
