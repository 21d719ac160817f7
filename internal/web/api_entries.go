package web

import (
	"net/http"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// entryJSON is one line of a call's diary.
type entryJSON struct {
	ID        int64          `json:"id"`
	Kind      desk.EntryKind `json:"kind"`
	Public    bool           `json:"public"`
	Text      string         `json:"text"`
	AuthorID  int64          `json:"author_id,omitzero"`
	Author    string         `json:"author"`
	CreatedAt time.Time      `json:"created_at"`
	// CallVersion is the call's version when the entry was written.
	CallVersion int64 `json:"call_version"`
}

func entryOf(e desk.Entry) entryJSON {
	return entryJSON{ID: e.ID, Kind: e.Kind, Public: e.Public, Text: e.Text, AuthorID: e.AuthorID, Author: e.Author,
		CreatedAt: e.CreatedAt, CallVersion: e.CallVersion}
}

func entriesOf(es []desk.Entry) []entryJSON {
	out := make([]entryJSON, len(es))
	for i, e := range es {
		out[i] = entryOf(e)
	}
	return out
}

// entryList is a call's diary.
type entryList struct {
	Ref     string      `json:"ref"`
	Entries []entryJSON `json:"entries"`
}

// newEntryRequest is the body of POST /api/v1/calls/{ref}/entries.
type newEntryRequest struct {
	Kind desk.EntryKind `json:"kind"`
	Text string         `json:"text"`
}

// listEntries returns a call's diary; like the call itself, reading it is audited.
func (s *Server) listEntries(w http.ResponseWriter, r *http.Request, c *caller) error {
	call, err := s.Store.FindCallByRef(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	diary, err := s.Store.Diary(r.Context(), call.ID, true) // internal notes too: the route needs access.WorkCalls
	if err != nil {
		return err
	}
	diary = desk.ForReader(access.Can(c.Account, access.ReadEmails), diary)
	rd, err := s.reader(r.Context(), c)
	if err != nil {
		return err
	}
	diary = access.DiaryFor(rd, call, diary)
	if err := s.auditCall(r.Context(), c, access.CallFor(rd, call), diary, "viewed the diary"); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, entryList{Ref: call.Ref, Entries: entriesOf(diary)})
}

// addEntry adds a public update or an internal note. Appending loses nothing, so it needs no version.
func (s *Server) addEntry(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req newEntryRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	e, err := s.Store.AddEntry(r.Context(), c.Actor, r.PathValue("ref"), req.Kind, req.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, entryOf(e))
}
