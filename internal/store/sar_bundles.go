package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"calldesk/internal/desk"
)

// States of a SAR bundle.
const (
	BundleQueued    = "queued"
	BundleBuilding  = "building"
	BundleReview    = "review"
	BundleFinal     = "final"
	BundleDelivered = "delivered"
	BundleExpired   = "expired"
	BundleFailed    = "failed"
)

// BuildLease is how long a claimed build may go without reporting progress before another
// instance may take it over (the instance that claimed it having died): the build's progress,
// recorded a page of calls at a time, renews it.
const BuildLease = 15 * time.Minute

// SARBundle is a subject access request bundle, without its blobs.
type SARBundle struct {
	ID, RequestID, PersonID int64
	Person                  string // their name
	State                   string
	Done, Total             int
	Error                   string
	Size                    int64
	SHA256                  string
	CreatedBy, FinalBy      string
	CreatedAt               time.Time
	StartedAt, FinishedAt   time.Time
	FinalAt, ExpiresAt      time.Time
	Version                 int64
	// Pending is how many redactions wait for the DPO's decision; Redactions how many there are.
	Pending, Redactions int
}

// SARRedaction is one redaction candidate of a bundle and the DPO's decision on it.
type SARRedaction struct {
	N        int
	Where    string
	Original string
	Kind     string
	// Context is the sentence the candidate stands in, as written; Link the console page that
	// shows it ("" for neither).
	Context, Link string
	Decision      string // "", "keep" or "release"
	DecidedBy     string
	DecidedAt     time.Time
}

const bundleCols = `b.id, COALESCE(b.request_id, 0), b.person_id, COALESCE(trim(p.first_name || ' ' || p.last_name), ''), b.state, b.done,
	b.total, b.error, b.size, b.sha256, b.created_by, b.final_by, b.created_at, b.started_at, b.finished_at, b.final_at, b.expires_at,
	b.version, (SELECT COUNT(*) FROM sar_redactions r WHERE r.bundle_id = b.id AND r.decision = ''),
	(SELECT COUNT(*) FROM sar_redactions r WHERE r.bundle_id = b.id)`

const bundleFrom = ` FROM sar_bundles b JOIN people p ON p.id = b.person_id`

func scanBundle(r scanner) (SARBundle, error) {
	var b SARBundle
	var created int64
	var started, finished, final, expires sql.NullInt64
	err := r.Scan(&b.ID, &b.RequestID, &b.PersonID, &b.Person, &b.State, &b.Done, &b.Total, &b.Error, &b.Size, &b.SHA256,
		&b.CreatedBy, &b.FinalBy, &created, &started, &finished, &final, &expires, &b.Version, &b.Pending, &b.Redactions)
	b.CreatedAt = time.UnixMicro(created).UTC()
	b.StartedAt, b.FinishedAt, b.FinalAt, b.ExpiresAt = fromMicros(started), fromMicros(finished), fromMicros(final), fromMicros(expires)
	return b, err
}

// sarBundle reads bundle id and locks its row for the rest of the transaction.
func (t *Tx) sarBundle(ctx context.Context, id int64) (SARBundle, error) {
	var locked int64
	if err := t.queryRow(ctx, `SELECT id FROM sar_bundles WHERE id = ?`+t.s.d.forUpdate(), id).Scan(&locked); err == sql.ErrNoRows {
		return SARBundle{}, notFound("there is no bundle %d", id)
	} else if err != nil {
		return SARBundle{}, err
	}
	b, err := scanBundle(t.queryRow(ctx, `SELECT `+bundleCols+bundleFrom+` WHERE b.id = ?`, id))
	if err == sql.ErrNoRows {
		return b, notFound("there is no bundle %d", id)
	}
	return b, err
}

// SARBundle is bundle id.
func (s *Store) SARBundle(ctx context.Context, id int64) (SARBundle, error) {
	b, err := scanBundle(s.queryRow(ctx, `SELECT `+bundleCols+bundleFrom+` WHERE b.id = ?`, id))
	if err == sql.ErrNoRows {
		return b, notFound("there is no bundle %d", id)
	}
	return b, err
}

// SARBundles lists the bundles of subject request request (or, with request 0, of person
// person), newest first.
func (s *Store) SARBundles(ctx context.Context, request, person int64) ([]SARBundle, error) {
	q, arg := ` WHERE b.request_id = ?`, request
	if request == 0 {
		q, arg = ` WHERE b.person_id = ?`, person
	}
	rows, err := s.query(ctx, `SELECT `+bundleCols+bundleFrom+q+` ORDER BY b.id DESC LIMIT 50`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SARBundle
	for rows.Next() {
		b, err := scanBundle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// QueueSARBundle queues the building of a bundle for subject request request, which must be an
// open access or portability request, with its audit record.
func (s *Store) QueueSARBundle(ctx context.Context, actor desk.Actor, request int64) (SARBundle, error) {
	var out SARBundle
	err := s.inTx(ctx, func(t *Tx) error {
		q, err := t.subjectRequest(ctx, request)
		if err != nil {
			return err
		}
		if q.Kind != desk.RequestAccess && q.Kind != desk.RequestPortability {
			return desk.Errorf(desk.EINVALID, "a bundle answers an access or portability request, not a %s request", q.Kind)
		}
		if q.State != desk.RequestOpen {
			return desk.Errorf(desk.ECONFLICT, "the request is %s: a bundle is built for an open request", q.State)
		}
		var busy int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM sar_bundles WHERE request_id = ? AND state IN ('queued', 'building')`, request).Scan(&busy); err != nil {
			return err
		}
		if busy > 0 {
			return desk.Errorf(desk.ECONFLICT, "a bundle for this request is already being built")
		}
		var id int64
		if err := t.queryRow(ctx, `INSERT INTO sar_bundles (request_id, person_id, state, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			request, q.PersonID, BundleQueued, actorName(actor), t.Now.UnixMicro()).Scan(&id); err != nil {
			return err
		}
		if err := t.audit(ctx, actor, "sar.queue", "sar_bundle", id, []int64{q.PersonID}, fmt.Sprintf("bundle queued for request %d", request)); err != nil {
			return err
		}
		out, err = t.sarBundle(ctx, id)
		return err
	})
	return out, err
}

// ClaimSARBundle claims the oldest queued bundle (or one whose build was abandoned) for building:
// ok is false when there is none. Several instances never claim the same one.
func (s *Store) ClaimSARBundle(ctx context.Context) (b SARBundle, ok bool, err error) {
	return s.ClaimSARBundleFor(ctx, BuildLease)
}

// ClaimSARBundleFor is ClaimSARBundle with a build abandoned once it has gone lease without
// reporting progress (SARProgress), instead of BuildLease.
func (s *Store) ClaimSARBundleFor(ctx context.Context, lease time.Duration) (b SARBundle, ok bool, err error) {
	if lease <= 0 {
		lease = BuildLease
	}
	err = s.inTx(ctx, func(t *Tx) error {
		var id int64
		err := t.queryRow(ctx, `SELECT b.id FROM sar_bundles b WHERE b.state = 'queued' OR (b.state = 'building' AND b.started_at < ?)
			ORDER BY b.id LIMIT 1`+s.d.skipLocked("b"), t.Now.Add(-lease).UnixMicro()).Scan(&id)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE sar_bundles SET state = 'building', started_at = ?, done = 0, version = version + 1 WHERE id = ?`,
			t.Now.UnixMicro(), id); err != nil {
			return err
		}
		b, err = t.sarBundle(ctx, id)
		ok = err == nil
		return err
	})
	return b, ok, err
}

// SARProgress records how far the build of bundle id has come.
func (s *Store) SARProgress(ctx context.Context, id int64, done, total int) error {
	return s.inTx(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, `UPDATE sar_bundles SET done = ?, total = ?, started_at = ? WHERE id = ? AND state = 'building'`,
			done, total, t.Now.UnixMicro(), id)
		return err
	})
}

// FinishSARBuild records a built bundle: with redaction candidates it waits in review with its
// gathered model; without, zip is its final content. Audited against the person. started is when
// the build claimed the bundle (its StartedAt from ClaimSARBundle; the row's started_at moves on
// with each progress report, as the build's lease): when anyone was erased since, the gathered
// data may hold their identifiers, so the build is refused (ECONFLICT) and must be done again.
func (s *Store) FinishSARBuild(ctx context.Context, id int64, started time.Time, model, zip []byte, reds []SARRedaction) error {
	return s.inTx(ctx, func(t *Tx) error {
		b, err := t.sarBundle(ctx, id)
		if err != nil {
			return err
		}
		if b.State != BundleBuilding {
			return desk.Errorf(desk.ECONFLICT, "bundle %d is %s, not building", id, b.State)
		}
		var erased int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM erasures WHERE erased_at >= ?`, started.UnixMicro()).Scan(&erased); err != nil {
			return err
		}
		if erased > 0 {
			return desk.Errorf(desk.ECONFLICT, "a person was erased while this bundle was being built, so it may still hold their details: build the bundle again")
		}
		for _, r := range reds {
			key, original, sentence, err := t.sealRedaction(ctx, id, r.Original, r.Context)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO sar_redactions (bundle_id, n, location, original, kind, context, link, key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				id, r.N, r.Where, original, r.Kind, sentence, r.Link, key); err != nil {
				return err
			}
		}
		now := t.Now.UnixMicro()
		detail := fmt.Sprintf("bundle built: %d calls; %d redactions to review", b.Total, len(reds))
		if len(reds) == 0 {
			sum := sha256.Sum256(zip)
			key, sealed, err := t.sealBytes(ctx, KeyOwnerBundle, id, "sar_bundles.zip", zip)
			if err != nil {
				return err
			}
			_, err = t.exec(ctx, `UPDATE sar_bundles SET state = 'final', model = NULL, zip = ?, key_id = ?, size = ?, sha256 = ?, finished_at = ?,
				final_at = ?, final_by = 'calldesk', error = '', version = version + 1 WHERE id = ?`, sealed, key, len(zip), hex.EncodeToString(sum[:]), now, now, id)
			if err != nil {
				return err
			}
			detail = fmt.Sprintf("bundle built: %d calls; nothing to redact, so it is final", b.Total)
		} else {
			key, sealed, err := t.sealBytes(ctx, KeyOwnerBundle, id, "sar_bundles.model", model)
			if err != nil {
				return err
			}
			_, err = t.exec(ctx, `UPDATE sar_bundles SET state = 'review', model = ?, key_id = ?, finished_at = ?, error = '', version = version + 1 WHERE id = ?`,
				sealed, key, now, id)
			if err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
		return t.audit(ctx, desk.Actor{Name: "calldesk", Surface: desk.SurfaceSAR}, "sar.build", "sar_bundle", id, []int64{b.PersonID}, detail)
	})
}

// FailSARBuild records why the build of bundle id failed, with its audit record against the
// person (the bundle's page and the audit trail show it); nothing else changes. A bundle no
// longer building (taken over, or finished meanwhile) is left as it is.
func (s *Store) FailSARBuild(ctx context.Context, id int64, why string) error {
	return s.inTx(ctx, func(t *Tx) error {
		b, err := t.sarBundle(ctx, id)
		if err != nil {
			return err
		}
		if b.State != BundleBuilding {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE sar_bundles SET state = 'failed', error = ?, finished_at = ?, version = version + 1 WHERE id = ?`,
			why, t.Now.UnixMicro(), id); err != nil {
			return err
		}
		return t.audit(ctx, desk.Actor{Name: "calldesk", Surface: desk.SurfaceSAR}, "sar.build_failed", "sar_bundle", id, []int64{b.PersonID},
			"the bundle could not be built: "+why)
	})
}

// sealRedaction seals a redaction candidate of bundle (its identifier, original, and its
// sentence) under the bundle's data key, as the bundle's model and zip are (issue 20 point 3),
// bound to "sar_redactions.original" and "sar_redactions.context". An empty value is stored as
// it is, and a candidate with nothing to seal stays plain (key NULL); so does every candidate
// without master keys.
func (t *Tx) sealRedaction(ctx context.Context, bundle int64, original, sentence string) (key sql.NullInt64, o, c string, err error) {
	o, c = original, sentence
	if original != "" {
		if key, o, err = t.sealString(ctx, KeyOwnerBundle, bundle, "sar_redactions.original", original); err != nil {
			return key, o, c, err
		}
	}
	if sentence != "" {
		if key, c, err = t.sealString(ctx, KeyOwnerBundle, bundle, "sar_redactions.context", sentence); err != nil {
			return key, o, c, err
		}
	}
	return key, o, c, nil
}

// openRedaction opens what sealRedaction sealed (key NULL: r is plain), reading through q.
func (s *Store) openRedaction(ctx context.Context, q rowQuerier, key sql.NullInt64, bundle int64, r *SARRedaction) error {
	var err error
	if r.Original, err = s.openString(ctx, q, key, KeyOwnerBundle, bundle, "sar_redactions.original", r.Original); err != nil {
		return fmt.Errorf("redaction %d of bundle %d: %w", r.N, bundle, err)
	}
	if r.Context, err = s.openString(ctx, q, key, KeyOwnerBundle, bundle, "sar_redactions.context", r.Context); err != nil {
		return fmt.Errorf("redaction %d of bundle %d: %w", r.N, bundle, err)
	}
	return nil
}

// SARRedactions lists the redaction candidates of bundle id in order, opened.
func (s *Store) SARRedactions(ctx context.Context, id int64) ([]SARRedaction, error) {
	rows, err := s.query(ctx, `SELECT n, location, original, kind, context, link, decision, decided_by, decided_at, key_id FROM sar_redactions WHERE bundle_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SARRedaction
	for rows.Next() {
		var r SARRedaction
		var at, key sql.NullInt64
		if err := rows.Scan(&r.N, &r.Where, &r.Original, &r.Kind, &r.Context, &r.Link, &r.Decision, &r.DecidedBy, &at, &key); err != nil {
			return nil, err
		}
		if err := s.openRedaction(ctx, s, key, id, &r); err != nil {
			return nil, err
		}
		r.DecidedAt = fromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// DecideSARRedactions records the DPO's decision ("keep" or "release") on redactions ns of
// bundle id, which must be in review; with no ns, on every one not yet decided ("keep all
// remaining"). Audited against the person.
func (s *Store) DecideSARRedactions(ctx context.Context, actor desk.Actor, id int64, decision string, ns ...int) error {
	if decision != "keep" && decision != "release" {
		return desk.Errorf(desk.EINVALID, "a redaction is kept or released")
	}
	return s.inTx(ctx, func(t *Tx) error {
		b, err := t.sarBundle(ctx, id)
		if err != nil {
			return err
		}
		if b.State != BundleReview {
			return desk.Errorf(desk.ECONFLICT, "the bundle is %s: redactions are decided while it is in review", b.State)
		}
		now := t.Now.UnixMicro()
		// Every decision changes what the final bundle holds: the version tells a finalise that
		// rendered from earlier decisions that it is stale.
		if _, err := t.exec(ctx, `UPDATE sar_bundles SET version = version + 1 WHERE id = ?`, id); err != nil {
			return err
		}
		var detail string
		if len(ns) == 0 {
			res, err := t.exec(ctx, `UPDATE sar_redactions SET decision = ?, decided_by = ?, decided_at = ? WHERE bundle_id = ? AND decision = ''`,
				decision, actorName(actor), now, id)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			detail = fmt.Sprintf("%s all %d remaining redactions", decision, n)
		} else {
			for _, n := range ns {
				res, err := t.exec(ctx, `UPDATE sar_redactions SET decision = ?, decided_by = ?, decided_at = ? WHERE bundle_id = ? AND n = ?`,
					decision, actorName(actor), now, id, n)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k == 0 {
					return notFound("bundle %d has no redaction %d", id, n)
				}
			}
			detail = fmt.Sprintf("%s redactions %v", decision, ns)
		}
		return t.audit(ctx, actor, "sar.redaction", "sar_bundle", id, []int64{b.PersonID}, detail)
	})
}

// SARModel is the gathered model of bundle id, kept while it is in review.
func (s *Store) SARModel(ctx context.Context, id int64) ([]byte, error) {
	var m []byte
	var key sql.NullInt64
	err := s.queryRow(ctx, `SELECT model, key_id FROM sar_bundles WHERE id = ? AND model IS NOT NULL`, id).Scan(&m, &key)
	if err == sql.ErrNoRows {
		return nil, notFound("bundle %d has no gathered data to render", id)
	}
	if err != nil {
		return nil, err
	}
	return s.openBytes(ctx, s, key, KeyOwnerBundle, id, "sar_bundles.model", m)
}

// FinaliseSARBundle makes bundle id (in review, every redaction decided, at version) final
// with zip, the content rendered from its model and the decisions; the model is removed.
// Audited against the person.
func (s *Store) FinaliseSARBundle(ctx context.Context, actor desk.Actor, id, version int64, zip []byte) error {
	return s.inTx(ctx, func(t *Tx) error {
		b, err := t.sarBundle(ctx, id)
		if err != nil {
			return err
		}
		if b.State != BundleReview {
			return desk.Errorf(desk.ECONFLICT, "the bundle is %s, not in review", b.State)
		}
		if b.Version != version {
			return desk.Errorf(desk.ECONFLICT, "a redaction decision changed while the bundle was being made final, so nothing was made final: check the decisions below and make it final again")
		}
		if b.Pending > 0 {
			return desk.Errorf(desk.EINVALID, "%d redactions are not decided yet: release or keep each (or keep all remaining)", b.Pending)
		}
		sum := sha256.Sum256(zip)
		key, sealed, err := t.sealBytes(ctx, KeyOwnerBundle, id, "sar_bundles.zip", zip)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE sar_bundles SET state = 'final', model = NULL, zip = ?, key_id = ?, size = ?, sha256 = ?, final_by = ?, final_at = ?,
			version = version + 1 WHERE id = ?`, sealed, key, len(zip), hex.EncodeToString(sum[:]), actorName(actor), t.Now.UnixMicro(), id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "sar.final", "sar_bundle", id, []int64{b.PersonID}, fmt.Sprintf("bundle made final (%d bytes, sha256 %s)", len(zip), hex.EncodeToString(sum[:])))
	})
}

// ReleaseSARBundle makes final bundle id downloadable on the portal by the person until
// expires. Audited against the person.
func (s *Store) ReleaseSARBundle(ctx context.Context, actor desk.Actor, id int64, expires time.Time) error {
	return s.inTx(ctx, func(t *Tx) error {
		b, err := t.sarBundle(ctx, id)
		if err != nil {
			return err
		}
		if b.State != BundleFinal {
			return desk.Errorf(desk.ECONFLICT, "the bundle is %s: only a final bundle is released", b.State)
		}
		var accounts int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE person_id = ? AND active = 1`, b.PersonID).Scan(&accounts); err != nil {
			return err
		}
		if accounts == 0 {
			return desk.Errorf(desk.EINVALID, "the person has no account to sign in to the portal with: give them the encrypted archive")
		}
		if _, err := t.exec(ctx, `UPDATE sar_bundles SET state = 'delivered', expires_at = ?, version = version + 1 WHERE id = ?`,
			expires.UnixMicro(), id); err != nil {
			return err
		}
		return t.audit(ctx, actor, "sar.release", "sar_bundle", id, []int64{b.PersonID},
			"bundle released to the portal until "+expires.UTC().Format(time.RFC3339))
	})
}

// SARZip reads the content of bundle id for actor, with the audit record of the download in the
// same transaction. person, when not 0, must be the bundle's person (a portal download), and the
// bundle must then be delivered and not expired. how says how it left ("portal download",
// "encrypted archive").
func (s *Store) SARZip(ctx context.Context, actor desk.Actor, id, person int64, how string) (SARBundle, []byte, error) {
	return s.sarZip(ctx, actor, id, person, how, 0)
}

// SARArchiveZip reads the content of final (or delivered) bundle id for actor to give as an
// encrypted archive, with the audit record of the download. The first such download of a final
// bundle starts its life: life later, ExpireSARBundles deletes its content, as it does a
// delivered bundle's at the end of its download period.
func (s *Store) SARArchiveZip(ctx context.Context, actor desk.Actor, id int64, how string, life time.Duration) (SARBundle, []byte, error) {
	return s.sarZip(ctx, actor, id, 0, how, life)
}

func (s *Store) sarZip(ctx context.Context, actor desk.Actor, id, person int64, how string, life time.Duration) (SARBundle, []byte, error) {
	var b SARBundle
	var zip []byte
	err := s.inTx(ctx, func(t *Tx) error {
		how := how // each run (runTx may run it more than once) starts from the caller's words
		var err error
		if b, err = t.sarBundle(ctx, id); err != nil {
			return err
		}
		if person != 0 {
			if b.PersonID != person {
				return notFound("there is no bundle %d", id)
			}
			if b.State == BundleExpired || b.State == BundleDelivered && !t.Now.Before(b.ExpiresAt) {
				return desk.Errorf(desk.EFORBIDDEN, "this copy of your data expired at %s and has been deleted: ask the Data Protection Officer for a new one",
					desk.Instant(b.ExpiresAt)) // the portal shows it in the desk's zone
			}
			if b.State != BundleDelivered {
				return notFound("there is no bundle %d", id)
			}
		} else if b.State != BundleFinal && b.State != BundleDelivered {
			return desk.Errorf(desk.ECONFLICT, "the bundle is %s: only a final bundle is downloaded", b.State)
		}
		var key sql.NullInt64
		if err := t.queryRow(ctx, `SELECT zip, key_id FROM sar_bundles WHERE id = ? AND zip IS NOT NULL`, id).Scan(&zip, &key); err == sql.ErrNoRows {
			return notFound("bundle %d has no content", id)
		} else if err != nil {
			return err
		}
		if zip, err = t.s.openBytes(ctx, t, key, KeyOwnerBundle, id, "sar_bundles.zip", zip); err != nil {
			return err
		}
		if life > 0 && b.State == BundleFinal && b.ExpiresAt.IsZero() {
			b.ExpiresAt = t.Now.Add(life)
			if _, err := t.exec(ctx, `UPDATE sar_bundles SET expires_at = ?, version = version + 1 WHERE id = ? AND expires_at IS NULL`,
				b.ExpiresAt.UnixMicro(), id); err != nil {
				return err
			}
			how += "; its content is deleted on " + b.ExpiresAt.UTC().Format(time.RFC3339)
		}
		return t.audit(ctx, actor, "sar.download", "sar_bundle", id, []int64{b.PersonID}, "bundle downloaded: "+how)
	})
	return b, zip, err
}

// ExpireSARBundles deletes the content of up to limit bundles whose life has ended, and their
// redaction candidates, with their audit records, and returns how many: delivered bundles at the end of their download period,
// and final ones (given as an encrypted archive, or never delivered) life after their archive
// was first downloaded, or after they were made final when it never was. Run by several
// instances at once, each bundle is expired, and audited, once: the UPDATE takes only a bundle
// still in the state it was read in.
func (s *Store) ExpireSARBundles(ctx context.Context, limit int, life time.Duration) (int, error) {
	n := 0
	err := s.inTx(ctx, func(t *Tx) error {
		n = 0
		now := t.Now.UnixMicro()
		rows, err := t.query(ctx, `SELECT id, person_id, state FROM sar_bundles WHERE (state = 'delivered' AND expires_at <= ?)
			OR (state = 'final' AND COALESCE(expires_at, final_at + ?) <= ?) ORDER BY id LIMIT ?`,
			now, life.Microseconds(), now, limit)
		if err != nil {
			return err
		}
		type due struct {
			id, person int64
			state      string
		}
		var dues []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.person, &d.state); err != nil {
				rows.Close()
				return err
			}
			dues = append(dues, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range dues {
			res, err := t.exec(ctx, `UPDATE sar_bundles SET state = 'expired', zip = NULL, model = NULL, key_id = NULL, version = version + 1
				WHERE id = ? AND state = ?`, d.id, d.state)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil {
				return err
			} else if k == 0 {
				continue // another instance expired it first, and audited it
			}
			// Its redaction candidates go with its content (they quote what it withheld), and its
			// key: every copy of either (old pages, backups) can no longer be opened.
			if _, err := t.exec(ctx, `DELETE FROM sar_redactions WHERE bundle_id = ?`, d.id); err != nil {
				return err
			}
			if _, err := t.shredKeys(ctx, KeyOwnerBundle, []int64{d.id}); err != nil {
				return err
			}
			detail := "download period ended: the bundle's content was deleted"
			if d.state == BundleFinal {
				detail = "the bundle's life ended (its encrypted archive's download period, or its time since it was made final): its content was deleted"
			}
			if err := t.audit(ctx, desk.Actor{Name: "calldesk"}, "sar.expire", "sar_bundle", d.id, []int64{d.person}, detail); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// shredBundleKeys destroys the data keys of the bundles matching where (their content is being
// deleted): the copies of that content in old pages and backups can no longer be opened.
func (t *Tx) shredBundleKeys(ctx context.Context, where string, args ...any) error {
	rows, err := t.query(ctx, `SELECT id FROM sar_bundles WHERE `+where, args...)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	_, err = t.shredKeys(ctx, KeyOwnerBundle, ids)
	return err
}
