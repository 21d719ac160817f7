package store_test

import (
	"context"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// On PostgreSQL a new call's search document is written by the INSERT itself; it must be the
// document a rebuild gives, so a call reads the same to search however it got there.
func TestNewCallSearchDocumentMatchesARebuild(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if e.Engine != "postgres" {
			t.Skip("SQLite keeps search documents in call_fts, written by the rebuild itself")
		}
		ctx := context.Background()
		c, err := e.S.CreateCall(ctx, storetest.Actor(e.F.Ann), desk.NewCall{Summary: "Wi-Fi drops: eduroam (Library, 2nd floor)",
			Description: "Since Monday; café users too. Ticket#42!", CustomerID: e.F.Dan.ID})
		if err != nil {
			t.Fatal(err)
		}
		same := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE id = ? AND search IS NOT NULL AND search =
			setweight(to_tsvector('simple', regexp_replace(left(summary || ' ' || description || ' ' ||
			COALESCE((SELECT string_agg(d.body, ' ' ORDER BY d.id) FROM diary_entries d WHERE d.call_id = calls.id AND d.kind <> 'email'), ''), 200000),
			'[^[:alnum:]]+', ' ', 'g')), 'A') || setweight(to_tsvector('simple', ' '), 'B')`, c.ID)
		if same != 1 {
			t.Fatal("the search document written at logging differs from a rebuilt one")
		}
	})
}
