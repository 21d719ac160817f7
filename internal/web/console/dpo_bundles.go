package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// bundleRoutes are the subject access request bundle's steps for the Data Protection Officer:
// build, review the redactions, make final, deliver.
func (c *Console) bundleRoutes() []route {
	return []route{
		{"POST", "/dpo/requests/{id}/bundle", access.KeepDPORecords, c.dpoBuildBundle},
		{"GET", "/dpo/bundles/{id}", access.KeepDPORecords, c.dpoBundle},
		{"POST", "/dpo/bundles/{id}/redactions", access.KeepDPORecords, c.dpoDecide},
		{"POST", "/dpo/bundles/{id}/final", access.KeepDPORecords, c.dpoFinal},
		{"POST", "/dpo/bundles/{id}/release", access.KeepDPORecords, c.dpoRelease},
		{"POST", "/dpo/bundles/{id}/encrypt", access.KeepDPORecords, c.dpoEncrypt},
		{"POST", "/dpo/bundles/{id}/encrypted.zip", access.KeepDPORecords, c.dpoEncrypted},
	}
}

func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, desk.Errorf(desk.ENOTFOUND, "%q is not a %s", r.PathValue("id"), what)
	}
	return id, nil
}

func bundlePath(id int64) string { return "/dpo/bundles/" + strconv.FormatInt(id, 10) }

// dpoBuildBundle queues the building of a bundle for an access request.
func (c *Console) dpoBuildBundle(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "subject request")
	if err != nil {
		return err
	}
	b, err := c.Store.QueueSARBundle(r.Context(), v.Actor, id)
	if err != nil {
		switch desk.ErrorCode(err) {
		case desk.EINVALID, desk.ECONFLICT:
			return c.showRequest(w, r, v, http.StatusUnprocessableEntity, desk.MessageWithFields(err))
		}
		return err
	}
	http.Redirect(w, r, bundlePath(b.ID), http.StatusSeeOther)
	return nil
}

// bundlePage is a bundle: its progress while building, then its redactions to decide, then its
// delivery.
type bundlePage struct {
	page
	Bundle     store.SARBundle
	Redactions []store.SARRedaction
	HasAccount bool
	Error      string
	// Passphrase is shown once, on the answer to "Download encrypted archive", never stored.
	Passphrase string
	// Request is the subject request a failed bundle answers (nil otherwise): its deadline and
	// whether it can be built again.
	Request *desk.SubjectRequest
}

// inContext is a redaction candidate's sentence, cut where the candidate stands, to show it
// marked.
type inContext struct {
	Sentence             bool
	Before, Match, After string
}

// InContext cuts r's sentence around its first occurrence of r's text (nothing for a candidate
// with no sentence: a whole file).
func (p bundlePage) InContext(r store.SARRedaction) inContext {
	i := strings.Index(r.Context, r.Original)
	if r.Context == "" || r.Original == "" || i < 0 {
		return inContext{Sentence: r.Context != "", Before: r.Context}
	}
	return inContext{Sentence: true, Before: r.Context[:i], Match: r.Original, After: r.Context[i+len(r.Original):]}
}

// Building says the bundle is still being built (the page polls).
func (p bundlePage) Building() bool {
	return p.Bundle.State == store.BundleQueued || p.Bundle.State == store.BundleBuilding
}

func (c *Console) dpoBundle(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showBundle(w, r, v, http.StatusOK, "", "")
}

func (c *Console) showBundle(w http.ResponseWriter, r *http.Request, v *visit, status int, problem, passphrase string) error {
	id, err := pathID(r, "bundle")
	if err != nil {
		return err
	}
	b, err := c.Store.SARBundle(r.Context(), id)
	if err != nil {
		return err
	}
	p := bundlePage{page: c.page(v, fmt.Sprintf("Bundle %d: %s", b.ID, b.Person)), Bundle: b, Error: problem, Passphrase: passphrase}
	p.Section = "dpo"
	if !p.Building() {
		if p.Redactions, err = c.Store.SARRedactions(r.Context(), id); err != nil {
			return err
		}
		if p.HasAccount, err = c.Store.HasAccount(r.Context(), b.PersonID); err != nil {
			return err
		}
		if b.State == store.BundleFailed && b.RequestID != 0 {
			q, err := c.Store.SubjectRequest(r.Context(), b.RequestID)
			if err != nil {
				return err
			}
			p.Request = &q
		}
		if err := c.auditRead(v, "sar.view", "sar_bundle", strconv.FormatInt(id, 10), []int64{b.PersonID},
			fmt.Sprintf("viewed the bundle (%s, %d redactions)", b.State, len(p.Redactions))); err != nil {
			return err
		}
	}
	if passphrase != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	return c.render(w, r, status, "bundle", p)
}

// dpoDecide releases or keeps one redaction, or keeps all those not yet decided.
func (c *Console) dpoDecide(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "bundle")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	var ns []int
	if f.Get("all") == "" {
		n, err := strconv.Atoi(f.Get("n"))
		if err != nil || n <= 0 {
			return c.showBundle(w, r, v, http.StatusUnprocessableEntity, "Say which redaction.", "")
		}
		ns = []int{n}
	}
	if err := c.Store.DecideSARRedactions(r.Context(), v.Actor, id, f.Get("decision"), ns...); err != nil {
		switch desk.ErrorCode(err) {
		case desk.EINVALID, desk.ECONFLICT, desk.ENOTFOUND:
			return c.showBundle(w, r, v, http.StatusUnprocessableEntity, desk.MessageWithFields(err), "")
		}
		return err
	}
	to := bundlePath(id)
	if len(ns) == 1 {
		to += "#r" + strconv.Itoa(ns[0])
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// bundleStep runs step on the bundle the path names, for the Data Protection Officer: a refusal
// (EINVALID, ECONFLICT) shows the bundle's page again saying why; done, it goes back to the page.
func (c *Console) bundleStep(w http.ResponseWriter, r *http.Request, v *visit, step func(ctx context.Context, id int64, form url.Values) error) error {
	id, err := pathID(r, "bundle")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if err := step(r.Context(), id, r.PostForm); err != nil {
		switch desk.ErrorCode(err) {
		case desk.EINVALID, desk.ECONFLICT:
			return c.showBundle(w, r, v, http.StatusUnprocessableEntity, desk.MessageWithFields(err), "")
		}
		return err
	}
	http.Redirect(w, r, bundlePath(id), http.StatusSeeOther)
	return nil
}

// dpoFinal renders the bundle with the decisions and makes it final. A rendering that fails is
// logged here, once, with its cause, and the bundle's page says what failed and what to do.
func (c *Console) dpoFinal(w http.ResponseWriter, r *http.Request, v *visit) error {
	var failed error
	err := c.bundleStep(w, r, v, func(ctx context.Context, id int64, f url.Values) error {
		version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
		err := privacy.Finalise(ctx, c.Store, v.Actor, id, version)
		if err != nil && ctx.Err() == nil && desk.ErrorCode(err) == desk.EINTERNAL {
			c.log().Error("SAR bundle could not be made final", "bundle", id, "err", err)
			failed = fmt.Errorf("the bundle could not be made final, so nothing changed (%v). Your decisions are kept: try again, "+
				"and if it fails again with the same cause, tell the calldesk administrators, quoting bundle %d", err, id)
		}
		return err
	})
	if failed != nil {
		return c.showBundle(w, r, v, http.StatusInternalServerError, sentenceCase(failed.Error()), "")
	}
	return err
}

// dpoRelease makes a final bundle downloadable on the portal for privacy.DownloadPeriod.
func (c *Console) dpoRelease(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.bundleStep(w, r, v, func(ctx context.Context, id int64, _ url.Values) error {
		return c.Store.ReleaseSARBundle(ctx, v.Actor, id, c.now().Add(privacy.DownloadPeriod))
	})
}

// dpoEncrypt shows a new passphrase, once, with the button that downloads the archive encrypted
// under it: the passphrase goes back with that form and is never stored.
func (c *Console) dpoEncrypt(w http.ResponseWriter, r *http.Request, v *visit) error {
	pass, err := privacy.NewPassphrase()
	if err != nil {
		return err
	}
	return c.showBundle(w, r, v, http.StatusOK, "", pass)
}

// dpoEncrypted sends the final bundle as an AES-256 encrypted zip under the passphrase the
// previous step showed, with the audit record of the download.
func (c *Console) dpoEncrypted(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := pathID(r, "bundle")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pass := r.PostForm.Get("passphrase")
	if !privacy.ValidPassphrase(pass) {
		// Only a passphrase calldesk made (160 random bits) encrypts an archive, never one
		// chosen by hand.
		return c.showBundle(w, r, v, http.StatusUnprocessableEntity, "Ask for a passphrase first: the archive is encrypted only under one calldesk makes and shows you.", "")
	}
	b, zip, err := c.Store.SARArchiveZip(r.Context(), v.Actor, id, "encrypted archive (AES-256) for delivery without a portal account", privacy.DownloadPeriod)
	if err != nil {
		switch desk.ErrorCode(err) {
		case desk.ECONFLICT:
			return c.showBundle(w, r, v, http.StatusUnprocessableEntity, desk.MessageWithFields(err), "")
		}
		return err
	}
	enc, err := privacy.SealBundle(zip, pass)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteAttachment(w, desk.Attachment{Filename: fmt.Sprintf("personal-data-%d-encrypted.zip", b.ID), ContentType: "application/zip", Data: enc})
	return nil
}
