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
	return nil
}
