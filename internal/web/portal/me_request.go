package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// askCopy logs the signed-in person's request for a copy of their data (a subject access
// request) in the Data Protection Officer's register. A sign-in through single sign-on proves
// who they are, so the deadline runs at once; after a password sign-in the DPO checks identity
// first.
func (p *Portal) askCopy(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	kind := desk.RequestKind(r.PostForm.Get("kind"))
	if kind == "" {
		kind = desk.RequestAccess
	}
	q := desk.SubjectRequest{PersonID: v.Person.ID, Kind: kind, ReceivedAt: p.now(), Channel: "portal",
		Details: strings.TrimSpace(r.PostForm.Get("details"))}
	if v.SSO() {
		q.IdentityAt, q.IdentityHow, q.IdentityBy = p.now(), "signed in through the university's single sign-on ("+v.Via+")", "calldesk"
	}
	if _, err := p.Store.LogSubjectRequest(r.Context(), v.Actor, q.InZone(p.zone())); err != nil { // the deadline's month on the desk's calendar
		return err
	}
	return seeOther(w, r, prefix+"me?done=asked#requests-title")
}

// myRequests are the person's own subject requests, for My details.
func (p *Portal) myRequests(r *http.Request, v *visit) ([]desk.SubjectRequest, error) {
	return p.Store.SubjectRequests(r.Context(), p.now(), store.RequestFilter{View: "all", PersonID: v.Person.ID, Limit: 50})
}

// downloadCopy sends the copy of their data the Data Protection Officer released to the
// signed-in person, while its download period lasts, with the audit record of the download.
func (p *Portal) downloadCopy(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "there is no such copy of your data")
	}
	b, zip, err := p.Store.SARZip(r.Context(), v.Actor, id, v.Person.ID, "portal: downloaded by the person")
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteAttachment(w, desk.Attachment{Filename: fmt.Sprintf("my-data-%s.zip", b.FinalAt.UTC().Format("2006-01-02")),
		ContentType: "application/zip", Data: zip})
	return nil
}

// requestWords says what a request about a person's data asks for, in their own words (the
// register's "Access (a copy of their data)" is the Data Protection Officer's).
func requestWords(k desk.RequestKind) string {
	switch k {
	case desk.RequestAccess:
		return "A copy of your data"
	case desk.RequestRectification:
		return "Correcting your data"
	case desk.RequestErasure:
		return "Deleting your data"
	case desk.RequestRestriction:
		return "Pausing the use of your data"
	case desk.RequestPortability:
		return "Your data in a form other systems can read"
	case desk.RequestObjection:
		return "Stopping the use of your data"
	}
	return "A request about your data"
}

// requestStateWords says where a finished request is, in plain words.
func requestStateWords(state string) string {
	switch state {
	case desk.RequestDone:
		return "Done"
	case desk.RequestRefused:
		return "Refused"
	case desk.RequestWithdrawn:
		return "Withdrawn"
	}
	return "Being dealt with"
}
