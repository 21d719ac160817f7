package demo

import (
	"context"
	"fmt"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// sealSpecial seals, when calldesk runs with a master key file, the text and diary of the demo's
// special-category calls, which the bulk load wrote plain (store.SealExisting, as
// `calldesk keys seal` does for a desk that turns encryption on): the demo shows them as a live
// desk holds them.
func sealSpecial(ctx context.Context, s *store.Store, res *Result) error {
	if !s.Encrypting() {
		return nil
	}
	actor := desk.System("demo data")
	for _, table := range []string{"calls", "diary_entries"} {
		for after := int64(0); ; {
			n, last, err := s.SealExisting(ctx, actor, table, after, 500)
			if err != nil {
				return fmt.Errorf("demo: seal the special-category calls' %s: %w", table, err)
			}
			if last == 0 {
				break
			}
			if table == "calls" {
				res.Sealed += n
			}
			after = last
		}
	}
	// Sealing left the calls' plain words in the search index's old segments and the plain rows'
	// old versions in the file's free pages: on SQLite taken out now, as serve's compaction job
	// would a minute after it starts, so the demo desk starts as a live one runs, with nothing
	// pending (at a million calls the compaction is 16 s of merging, which a freshly started
	// server would otherwise do while it is measured). PostgreSQL's shredding rewrites the tables
	// (VACUUM FULL) and waits for serve's night window, as on a live desk; its compaction is
	// nothing.
	if _, err := s.CompactSearchIfDue(ctx); err != nil {
		return fmt.Errorf("demo: compact the search index after sealing: %w", err)
	}
	if s.Engine() == "sqlite" {
		if _, err := s.ShredIfDue(ctx); err != nil {
			return fmt.Errorf("demo: shred the plain text sealing left: %w", err)
		}
	}
	return nil
}
