package web

import (
	"net/http"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// specialRequest is the body of POST /api/v1/calls/{ref}/special-category: the mark the call
// should carry, why, and the version of the call the client last read (required, as for every
// transition: a stale one gets 409 with the changes).
type specialRequest struct {
	Version         *int64 `json:"version"`
	SpecialCategory *bool  `json:"special_category"`
	Reason          string `json:"reason"`
}

// markSpecial marks a call as holding special-category data, or takes the mark off, with a
// reason, audited (store.MarkSpecialCategory). Who may is access.MayMarkSpecial's rule, checked on
// the call as it is now; the store then requires the version the client sent, so a call changed
// in between (moved to another group, say) is refused as a conflict rather than changed unchecked.
func (s *Server) markSpecial(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req specialRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	ref := strings.ToUpper(strings.TrimSpace(r.PathValue("ref")))
	fields := map[string]string{}
	switch {
	case req.Version == nil:
		fields["version"] = "is required: send the version of the call you last read (GET " + APIPrefix + "calls/{ref} shows it)"
	case *req.Version <= 0:
		fields["version"] = "must be the call's version as you last read it, a number from 1"
	}
	if req.SpecialCategory == nil {
		fields["special_category"] = "is required: true to mark the call as holding special-category data, false to take the mark off"
	}
	if strings.TrimSpace(req.Reason) == "" {
		fields["reason"] = "is required: why the call does or does not hold special-category data"
	}
	if err := desk.Invalid("cannot change the special-category mark of call "+ref, fields); err != nil {
		return err
	}
	rd, err := s.reader(r.Context(), c)
	if err != nil {
		return err
	}
	now, err := s.Store.FindCallByRef(r.Context(), ref)
	if err != nil {
		return err
	}
	if err := access.MayMarkSpecial(rd, now, *req.SpecialCategory); err != nil {
		return err
	}
	_, err = s.Store.MarkSpecialCategory(r.Context(), c.Actor, ref, *req.Version, *req.SpecialCategory, req.Reason)
	if desk.ErrorCode(err) == desk.ECONFLICT {
		if now, ferr := s.Store.FindCallByRef(r.Context(), ref); ferr == nil {
			return access.ConflictFor(rd, now, err)
		}
	}
	if err != nil {
		return err
	}
	// The call as stored (its updated_at included), as the caller may now read it: masked, when
	// they marked a call of a group they are not in.
	call, err := s.Store.FindCallByRef(r.Context(), ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, callOf(access.CallFor(rd, call)))
}
