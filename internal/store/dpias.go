package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"calldesk/internal/desk"
)

// This file holds DPIAs (data protection impact assessments, policy 12.2) and legitimate-interest
// assessments (8.5): what processing each assesses, its risks with their likelihood, severity and
// mitigation, the DPO's sign-off (12.3: who and when), its review date and its documents.

// The kinds of assessment.
const (
	KindDPIA = "dpia"
	KindLIA  = "lia"
)

// DPIA is one assessment.
type DPIA struct {
	ID   int64
	Kind string
	// Title names it; Processing says what processing it assesses.
	Title, Processing string
	// Assessment is the reasoning: for a DPIA, necessity and proportionality; for an LIA, the
	// purpose, necessity and balancing tests. Outcome is the conclusion.
	Assessment, Outcome string
	Risks               []Risk
	Files               []DPIAFile
	// SignedOffBy and SignedOffAt are the DPO's sign-off (zero until signed).
	SignedOffBy string
	SignedOffAt time.Time
	// ReviewDue is the day it is next to be reviewed (YYYY-MM-DD); RemindedFor the review date a
	// reminder was sent for.
	ReviewDue, RemindedFor string
	RetiredAt              time.Time
	CreatedAt, UpdatedAt   time.Time
	Version                int
}

// Risk is one risk to people's rights and freedoms an assessment found, and its mitigation.
type Risk struct {
	Risk                 string
	Likelihood, Severity string
	Mitigation           string
}

// DPIAFile is a document attached to an assessment (without its content).
type DPIAFile struct {
	ID          int64
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
	UploadedBy  string
	CreatedAt   time.Time
}

const dpiaCols = `d.id, d.kind, d.title, d.processing, d.assessment, d.outcome, d.signed_off_by, d.signed_off_at, d.review_due,
	d.reminded_for, d.retired_at, d.created_at, d.updated_at, d.version`

func scanDPIA(r scanner) (DPIA, error) {
	var d DPIA
	var signed, retired sql.NullInt64
	var created, updated int64
	err := r.Scan(&d.ID, &d.Kind, &d.Title, &d.Processing, &d.Assessment, &d.Outcome, &d.SignedOffBy, &signed, &d.ReviewDue,
		&d.RemindedFor, &retired, &created, &updated, &d.Version)
	d.SignedOffAt, d.RetiredAt = fromMicros(signed), fromMicros(retired)
	d.CreatedAt, d.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return d, err
}

// SaveDPIA creates d (d.ID 0) or replaces assessment d.ID with its risks, audited with reason.
// d.Version is the version the form showed: one changed since is ECONFLICT. A change of an
// assessment already signed off clears the sign-off: the DPO signs what they read.
func (s *Store) SaveDPIA(ctx context.Context, actor desk.Actor, d DPIA, reason string) (DPIA, error) {
	err := s.inTx(ctx, func(t *Tx) error {
		now := t.Now.UnixMicro()
		action, detail := "dpia.update", "changed the assessment "+d.Title
		if d.ID == 0 {
			action, detail = "dpia.create", "added the assessment "+d.Title
			if err := t.queryRow(ctx, `INSERT INTO dpias (kind, title, processing, assessment, outcome, review_due, retired_at, created_at, updated_at)
				VALUES (`+placeholders(9)+`) RETURNING id`, d.Kind, d.Title, d.Processing, d.Assessment, d.Outcome, d.ReviewDue, micros(d.RetiredAt),
				now, now).Scan(&d.ID); err != nil {
				return err
			}
			d.Version = 1
		} else {
			res, err := t.exec(ctx, `UPDATE dpias SET kind = ?, title = ?, processing = ?, assessment = ?, outcome = ?, review_due = ?, retired_at = ?,
				signed_off_by = '', signed_off_at = NULL, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
				d.Kind, d.Title, d.Processing, d.Assessment, d.Outcome, d.ReviewDue, micros(d.RetiredAt), now, d.ID, d.Version)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				if _, err := t.dpia(ctx, d.ID); err != nil {
					return err
				}
				return desk.Errorf(desk.ECONFLICT, "the assessment %s was changed by someone else after you opened it: look at it again", d.Title)
			}
			d.Version++
			d.SignedOffBy, d.SignedOffAt = "", time.Time{}
			if _, err := t.exec(ctx, `DELETE FROM dpia_risks WHERE dpia_id = ?`, d.ID); err != nil {
				return err
			}
		}
		for _, r := range d.Risks {
			if _, err := t.exec(ctx, `INSERT INTO dpia_risks (dpia_id, risk, likelihood, severity, mitigation) VALUES (?, ?, ?, ?, ?)`,
				d.ID, r.Risk, r.Likelihood, r.Severity, r.Mitigation); err != nil {
				return err
			}
		}
		return t.audit(ctx, actor, action, "dpia", d.ID, nil, detail+": "+reason)
	})
	return d, err
}

// SignOffDPIA records the DPO's sign-off of assessment id at version (as they read it), audited.
func (s *Store) SignOffDPIA(ctx context.Context, actor desk.Actor, id int64, version int, reason string) error {
	return s.inTx(ctx, func(t *Tx) error {
		d, err := t.dpia(ctx, id)
		if err != nil {
			return err
		}
		if d.Version != version {
			return desk.Errorf(desk.ECONFLICT, "the assessment %s was changed after you opened it: read it again before signing it off", d.Title)
		}
		if _, err := t.exec(ctx, `UPDATE dpias SET signed_off_by = ?, signed_off_at = ?, version = version + 1 WHERE id = ?`,
			actorName(actor), t.Now.UnixMicro(), id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "dpia.signoff", "dpia", id, nil, "signed off the assessment "+d.Title+": "+reason)
	})
}

func (t *Tx) dpia(ctx context.Context, id int64) (DPIA, error) {
	d, err := scanDPIA(t.queryRow(ctx, `SELECT `+dpiaCols+` FROM dpias d WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return d, notFound("there is no assessment %d", id)
	}
	return d, err
}

// FindDPIA returns assessment id with its risks and files (without their content).
func (s *Store) FindDPIA(ctx context.Context, id int64) (DPIA, error) {
	d, err := scanDPIA(s.queryRow(ctx, `SELECT `+dpiaCols+` FROM dpias d WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return d, notFound("there is no assessment %d", id)
	} else if err != nil {
		return d, err
	}
	rows, err := s.query(ctx, `SELECT risk, likelihood, severity, mitigation FROM dpia_risks WHERE dpia_id = ? ORDER BY id`, id)
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var r Risk
		if err := rows.Scan(&r.Risk, &r.Likelihood, &r.Severity, &r.Mitigation); err != nil {
			rows.Close()
			return d, err
		}
		d.Risks = append(d.Risks, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	rows, err = s.query(ctx, `SELECT id, filename, content_type, size, sha256, uploaded_by, created_at FROM dpia_files WHERE dpia_id = ? ORDER BY id`, id)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var f DPIAFile
		var at int64
		if err := rows.Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &at); err != nil {
			return d, err
		}
		f.CreatedAt = time.UnixMicro(at).UTC()
		d.Files = append(d.Files, f)
	}
	return d, rows.Err()
}

// DPIAs lists the assessments, retired ones last, by title.
func (s *Store) DPIAs(ctx context.Context) ([]DPIA, error) {
	rows, err := s.query(ctx, `SELECT `+dpiaCols+` FROM dpias d ORDER BY CASE WHEN d.retired_at IS NULL THEN 0 ELSE 1 END, lower(d.title), d.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DPIA
	for rows.Next() {
		d, err := scanDPIA(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// AddDPIAFiles attaches files (already checked against the attachment rules) to assessment id,
// audited with reason.
func (s *Store) AddDPIAFiles(ctx context.Context, actor desk.Actor, id int64, files []desk.Upload, reason string) error {
	return s.inTx(ctx, func(t *Tx) error {
		d, err := t.dpia(ctx, id)
		if err != nil {
			return err
		}
		for _, f := range files {
			sum := sha256.Sum256(f.Data)
			var fid int64
			if err := t.queryRow(ctx, `INSERT INTO dpia_files (dpia_id, filename, content_type, size, sha256, data, uploaded_by, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, id, f.Filename, http.DetectContentType(f.Data), len(f.Data), hex.EncodeToString(sum[:]),
				f.Data, actorName(actor), t.Now.UnixMicro()).Scan(&fid); err != nil {
				return err
			}
			if err := t.audit(ctx, actor, "dpia.file", "dpia", id, nil, fmt.Sprintf("attached %s (file %d) to the assessment %s: %s", f.Filename, fid, d.Title, reason)); err != nil {
				return err
			}
		}
		return nil
	})
}

// DPIAFileContent returns file fileID of assessment id with its content.
func (s *Store) DPIAFileContent(ctx context.Context, id, fileID int64) (DPIAFile, []byte, error) {
	var f DPIAFile
	var data []byte
	var at int64
	err := s.queryRow(ctx, `SELECT id, filename, content_type, size, sha256, uploaded_by, created_at, data FROM dpia_files WHERE id = ? AND dpia_id = ?`,
		fileID, id).Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &at, &data)
	if err == sql.ErrNoRows {
		return f, nil, notFound("there is no file %d on assessment %d", fileID, id)
	}
	f.CreatedAt = time.UnixMicro(at).UTC()
	return f, data, err
}
