package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// DownloadPeriod is how long a bundle released to the portal may be downloaded before its
// content is deleted; a bundle given as an encrypted archive lives as long from the archive's
// first download (or, never downloaded, from when it was made final).
const DownloadPeriod = 30 * 24 * time.Hour

// SARJob builds queued bundles in the background and deletes the content of expired ones: the
// server runs it as a periodic task.
type SARJob struct {
	Builder *Builder
	Log     *slog.Logger
	// Lease is how long a build may go without reporting progress before another instance
	// takes it over as abandoned (store.BuildLease when zero).
	Lease time.Duration
}

// Run builds every queued bundle, one at a time, then expires bundles past their download
// period (delivered, or given as an encrypted archive).
func (j *SARJob) Run(ctx context.Context) error {
	s := j.Builder.Store
	for {
		b, ok, err := s.ClaimSARBundleFor(ctx, j.Lease)
		if err != nil {
			return fmt.Errorf("claim a bundle: %w", err)
		}
		if !ok {
			break
		}
		if j.Log != nil {
			j.Log.Info("building SAR bundle", "bundle", b.ID, "request", b.RequestID)
		}
		if err := j.Build(ctx, b); err != nil {
			return err
		}
	}
	n, err := s.ExpireSARBundles(ctx, 100, DownloadPeriod)
	if n > 0 && j.Log != nil {
		j.Log.Info("expired SAR bundles deleted", "bundles", n)
	}
	return err
}

// Build builds claimed bundle b: progress is recorded a page of calls at a time; it ends in
// review, or final when there is nothing to redact. A failed build records its error on the
// bundle (and changes nothing else); only a failure to record that is returned.
func (j *SARJob) Build(ctx context.Context, b store.SARBundle) error {
	s := j.Builder.Store
	model, zip, reds, err := j.build(ctx, b)
	if err == nil {
		err = s.FinishSARBuild(ctx, b.ID, b.StartedAt, model, zip, reds)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the lease lets the build be taken up again
	}
	// Logged here, once, with its cause: the job is where a build's failure ends. The bundle's
	// page shows the DPO the same cause, and what to do.
	if j.Log != nil {
		j.Log.Error("SAR bundle build failed", "bundle", b.ID, "request", b.RequestID, "err", err)
	}
	why := err.Error()
	if de := desk.AsError(err); de == nil || de.Code == desk.EINTERNAL {
		why = "calldesk could not make it (" + why + ")"
	}
	return s.FailSARBuild(ctx, b.ID, why)
}

func (j *SARJob) build(ctx context.Context, b store.SARBundle) (model, zip []byte, reds []store.SARRedaction, err error) {
	s := j.Builder.Store
	bu, err := j.Builder.Gather(ctx, b.PersonID, func(ctx context.Context, done, total int) error {
		return s.SARProgress(ctx, b.ID, done, total)
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if len(bu.Redactions) == 0 {
		zip, err = bu.RenderBytes(ctx, nil, StoreFiles(s))
		return nil, zip, nil, err
	}
	model, err = json.Marshal(bu)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, r := range bu.Redactions {
		reds = append(reds, store.SARRedaction{N: r.N, Where: r.Where, Original: r.Original, Kind: r.Kind, Context: r.Context, Link: r.Link})
	}
	return model, nil, reds, nil
}

// StoreFiles reads attachments' content from s.
func StoreFiles(s *store.Store) Files {
	return func(ctx context.Context, id int64) ([]byte, error) {
		a, err := s.Attachment(ctx, id)
		return a.Data, err
	}
}

// Finalise renders bundle id (in review, at version) from its gathered model with the DPO's
// decisions and makes it final.
func Finalise(ctx context.Context, s *store.Store, actor desk.Actor, id, version int64) error {
	// The decisions read below must be those of version: a decision made since bumped it (so
	// this fails now), and one made while rendering makes FinaliseSARBundle, which checks the
	// version again in its transaction, fail as stale.
	cur, err := s.SARBundle(ctx, id)
	if err != nil {
		return err
	}
	if cur.State == store.BundleReview && cur.Version != version {
		return desk.Errorf(desk.ECONFLICT, "a redaction decision changed while the bundle was being made final, so nothing was made final: check the decisions below and make it final again")
	}
	raw, err := s.SARModel(ctx, id)
	if err != nil {
		return err
	}
	var bu Bundle
	if err := json.Unmarshal(raw, &bu); err != nil {
		return fmt.Errorf("bundle %d: %w", id, err)
	}
	reds, err := s.SARRedactions(ctx, id)
	if err != nil {
		return err
	}
	released := Decisions{}
	for _, r := range reds {
		if r.Decision == "" {
			return desk.Errorf(desk.EINVALID, "redaction %d is not decided yet: release or keep each (or keep all remaining)", r.N)
		}
		released[r.N] = r.Decision == "release"
	}
	zip, err := bu.RenderBytes(ctx, released, StoreFiles(s))
	if err != nil {
		return fmt.Errorf("bundle %d could not be rendered: %w", id, err)
	}
	return s.FinaliseSARBundle(ctx, actor, id, version, zip)
}

// Export gathers person's bundle, final with every redaction candidate kept (the DPO's offline
// export), and writes it to w as the console's encrypted download is written (SealBundle, P12),
// never as a clear zip, under a new passphrase it returns: shown once, never stored, given to the
// person as PassphraseChannel says. The archive is read back with the passphrase before it is
// returned; the export is audited against the person.
func (b *Builder) Export(ctx context.Context, actor desk.Actor, person int64, w io.Writer) (*Bundle, string, error) {
	bu, err := b.Gather(ctx, person, nil)
	if err != nil {
		return nil, "", err
	}
	plain, err := bu.RenderBytes(ctx, nil, StoreFiles(b.Store))
	if err != nil {
		return nil, "", err
	}
	pass, err := NewPassphrase()
	if err != nil {
		return nil, "", err
	}
	sealed, err := SealBundle(plain, pass)
	if err != nil {
		return nil, "", err
	}
	if back, err := OpenArchive(sealed, pass); err != nil || !bytes.Equal(back, plain) {
		return nil, "", fmt.Errorf("the encrypted archive does not open to the bundle (%v)", err)
	}
	if _, err := w.Write(sealed); err != nil {
		return nil, "", err
	}
	err = b.Store.AppendAudit(ctx, []desk.AuditRecord{{At: b.Now().UTC(), ActorID: actor.PersonID, Actor: actor.Name, Action: "sar.export",
		ObjectType: "person", ObjectID: fmt.Sprint(person), Persons: []int64{person}, ClientAddr: actor.Addr,
		Detail: fmt.Sprintf("bundle exported offline as an encrypted archive (AES-256): %d calls, %d redactions kept", len(bu.Calls), len(bu.Redactions))}})
	return bu, pass, err
}
