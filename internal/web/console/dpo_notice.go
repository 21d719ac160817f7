package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// noticeRoutes are the privacy notice (issue 19 item 2): the DPO publishes a new version
// generated from the records of processing; anyone, signed in or not, reads it at /privacy,
// every version.
func (c *Console) noticeRoutes() []route {
	return []route{
		{"GET", "/dpo/notice", access.SeeDPORecords, c.noticeDraft},
		{"POST", "/dpo/notice", access.KeepDPORecords, c.noticePublish},
		{"GET", "/privacy", access.Public, c.privacyNotice},
		{"GET", "/privacy/{id}", access.Public, c.privacyNotice},
	}
}

// noticePage is the DPO's view of the notice: the one generated from the records now, beside the
// version in force, with the published versions and the form to publish.
type noticePage struct {
	page
	Tabs      []dpoTab
	Draft     dpo.Notice
	Current   *dpo.Notice
	Changed   bool // the draft differs from the version in force
	Versions  []store.PrivacyNotice
	Reason    string
	Error     string
	Published string
}

func (c *Console) noticeDraft(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showNoticeDraft(w, r, v, http.StatusOK, "", "")
}

func (c *Console) showNoticeDraft(w http.ResponseWriter, r *http.Request, v *visit, status int, reason, problem string) error {
	ctx := r.Context()
	recs, err := dpo.Records(ctx, c.Store)
	if err != nil {
		return err
	}
	p := noticePage{page: c.page(v, "Privacy notice"), Tabs: dpoTabs(v, "/dpo/notice"), Draft: dpo.BuildNotice(recs, c.Contacts),
		Reason: reason, Error: problem, Published: r.URL.Query().Get("published")}
	p.Section = "dataprotection"
	if p.Versions, err = c.Store.Notices(ctx); err != nil {
		return err
	}
	p.Changed = true
	if cur, err := c.Store.LatestNotice(ctx); err == nil {
		n, err := dpo.ReadNotice(cur)
		if err != nil {
			return err
		}
		p.Current = &n
		p.Changed = n.Marshal() != p.Draft.Marshal()
	} else if desk.ErrorCode(err) != desk.ENOTFOUND {
		return err
	}
	return c.render(w, r, status, "notice", p)
}

func (c *Console) noticePublish(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	ctx := r.Context()
	recs, err := dpo.Records(ctx, c.Store)
	if err != nil {
		return err
	}
	reason := r.PostForm.Get("reason")
	if len(recs) == 0 {
		return c.showNoticeDraft(w, r, v, http.StatusUnprocessableEntity, reason, "There is no record of processing yet: the notice is made from them, so record the desk's processing first.")
	}
	n := dpo.BuildNotice(recs, c.Contacts)
	if missing := n.Missing(); len(missing) > 0 {
		return c.showNoticeDraft(w, r, v, http.StatusUnprocessableEntity, reason, "The notice lacks items the policy (14.3) requires; complete the records of processing first.")
	}
	pub, err := c.Store.PublishNotice(ctx, v.Actor, n.Marshal(), reason)
	if desk.ErrorCode(err) == desk.EINVALID {
		return c.showNoticeDraft(w, r, v, http.StatusUnprocessableEntity, reason, "Say why this version is published: the reason is required.")
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/dpo/notice?published="+strconv.Itoa(pub.Version))
}

// privacyPage is the published notice, for anyone (policy 14.4): the version in force, or an
// older one, with the list of versions.
type privacyPage struct {
	page
	Notice   dpo.Notice
	Latest   int
	Versions []store.PrivacyNotice
}

func (c *Console) privacyNotice(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	var pub store.PrivacyNotice
	var err error
	if s := r.PathValue("id"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n <= 0 {
			return desk.Errorf(desk.ENOTFOUND, "%q is not a version of the privacy notice", s)
		}
		pub, err = c.Store.Notice(ctx, n)
	} else {
		pub, err = c.Store.LatestNotice(ctx)
	}
	if err != nil {
		return err
	}
	n, err := dpo.ReadNotice(pub)
	if err != nil {
		return err
	}
	versions, err := c.Store.Notices(ctx)
	if err != nil {
		return err
	}
	p := privacyPage{page: c.page(v, n.Title), Notice: n, Versions: versions}
	if len(versions) > 0 {
		p.Latest = versions[0].Version
	}
	p.Section = "privacy"
	return c.render(w, r, http.StatusOK, "privacy", p)
}
