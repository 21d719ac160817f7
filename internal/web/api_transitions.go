package web

import (
	"net/http"
	"strings"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// transitionRequest is the body of one transition endpoint: each has its own struct, so a field
// that means nothing to the action (a reason sent to accept) is refused as unknown.
//
// Every body carries version, the version of the call the client last read. It is required, so
// that a change made meanwhile by someone else is never overwritten unseen: a stale version gets
// 409 with the list of changes. (It is a field of each struct rather than an embedded one so that
// encoding/json names it plainly in its errors.)
type transitionRequest interface {
	version() *int64
	// transition builds the store's transition; fields collects what is wrong with the body.
	transition(a desk.Action, fields map[string]string) desk.Transition
}

type assignRequest struct {
	Version   *int64 `json:"version"`
	GroupID   int64  `json:"group_id"`
	AnalystID int64  `json:"analyst_id"`
}

func (q assignRequest) version() *int64 { return q.Version }

func (q assignRequest) transition(a desk.Action, _ map[string]string) desk.Transition {
	return desk.Transition{Action: a, GroupID: q.GroupID, AnalystID: q.AnalystID}
}

type acceptRequest struct {
	Version   *int64 `json:"version"`
	AnalystID int64  `json:"analyst_id"`
}

func (q acceptRequest) version() *int64 { return q.Version }

func (q acceptRequest) transition(a desk.Action, _ map[string]string) desk.Transition {
	return desk.Transition{Action: a, AnalystID: q.AnalystID}
}

// reasonRequest serves pend, close, reopen and cancel.
type reasonRequest struct {
	Version *int64 `json:"version"`
	Reason  string `json:"reason"`
}

func (q reasonRequest) version() *int64 { return q.Version }

func (q reasonRequest) transition(a desk.Action, _ map[string]string) desk.Transition {
	return desk.Transition{Action: a, Reason: q.Reason}
}

type holdRequest struct {
	Version *int64 `json:"version"`
	Until   string `json:"until"`
	Reason  string `json:"reason"`
}

func (q holdRequest) version() *int64 { return q.Version }

func (q holdRequest) transition(a desk.Action, fields map[string]string) desk.Transition {
	t := desk.Transition{Action: a, Reason: q.Reason}
	if q.Until != "" {
		u, err := time.Parse(time.RFC3339, q.Until)
		if err != nil {
			fields["until"] = "is not a time; give an RFC 3339 time with its zone, like 2026-03-02T17:00:00Z"
		}
		t.Until = u
	}
	return t
}

type resolveRequest struct {
	Version    *int64 `json:"version"`
	Resolution string `json:"resolution"`
}

func (q resolveRequest) version() *int64 { return q.Version }

func (q resolveRequest) transition(a desk.Action, _ map[string]string) desk.Transition {
	return desk.Transition{Action: a, Text: q.Resolution}
}

type changeRequest struct {
	Version   *int64     `json:"version"`
	ProfileID int64      `json:"profile_id"`
	Impact    desk.Level `json:"impact"`
	Urgency   desk.Level `json:"urgency"`
}

func (q changeRequest) version() *int64 { return q.Version }

func (q changeRequest) transition(a desk.Action, _ map[string]string) desk.Transition {
	return desk.Transition{Action: a, ProfileID: q.ProfileID, Impact: q.Impact, Urgency: q.Urgency}
}

// transition returns the handler of one lifecycle action: decode the body of type T, check the
// version is there, and let the store apply it in one transaction.
func transition[T transitionRequest](s *Server, action desk.Action) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *caller) error {
		var req T
		if err := s.decode(w, r, &req); err != nil {
			return err
		}
		fields := map[string]string{}
		tr := req.transition(action, fields)
		v := req.version()
		switch {
		case v == nil:
			fields["version"] = "is required: send the version of the call you last read (GET " + APIPrefix + "calls/{ref} shows it)"
		case *v <= 0:
			fields["version"] = "must be the call's version as you last read it, a number from 1"
		}
		if err := desk.Invalid("cannot "+string(action)+" call "+strings.ToUpper(r.PathValue("ref")), fields); err != nil {
			return err
		}
		rd, err := s.reader(r.Context(), c)
		if err != nil {
			return err
		}
		// A special-category call is moved only by those who may read it (access.MayMove). The
		// check is on the call as it is now; the update then requires the version the client
		// sent, so a call changed in between is refused as a conflict rather than moved unchecked.
		now, err := s.Store.FindCallByRef(r.Context(), r.PathValue("ref"))
		if err != nil {
			return err
		}
		if err := access.MayMove(rd, now, tr); err != nil {
			return err
		}
		call, err := s.Store.UpdateCall(r.Context(), c.Actor, r.PathValue("ref"), *v, tr)
		if desk.ErrorCode(err) == desk.ECONFLICT {
			if now, ferr := s.Store.FindCallByRef(r.Context(), r.PathValue("ref")); ferr == nil {
				return access.ConflictFor(rd, now, err)
			}
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, callOf(access.CallFor(rd, call)))
	}
}
