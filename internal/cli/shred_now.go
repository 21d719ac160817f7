package cli

import (
	"context"
	"fmt"
	"time"

	"calldesk/internal/store"
)

// shredNow does at once what the server's job would do after a command that deleted or
// overwrote content (a retention sweep, sealing existing content): it compacts the search index
// when asked to (the removed words go from its storage), then overwrites the deleted content in
// the database's files (clause 23.5). Whoever runs the command chose the time, so no shred
// window. On PostgreSQL the shred waits while a transaction older than the command's is open:
// it tries again for up to a minute, as the server's job would. what names the command in the
// errors ("retention: the sweep is done").
func shredNow(ctx context.Context, e Env, s *store.Store, what string) error {
	if did, err := s.CompactSearchIfDue(ctx); err != nil {
		return fmt.Errorf("%s, but the search index could not be compacted: %w", what, err)
	} else if did {
		fmt.Fprintln(e.Stdout, "search index compacted")
	}
	shredded, err := s.ShredIfDue(ctx)
	for deadline := time.Now().Add(time.Minute); err == nil && !shredded && time.Now().Before(deadline); {
		if due, derr := s.ShredDue(ctx); derr != nil || !due {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		shredded, err = s.ShredIfDue(ctx)
	}
	if err != nil {
		return fmt.Errorf("%s, but the deleted content could not be overwritten in the database files: %w", what, err)
	}
	if shredded {
		fmt.Fprintln(e.Stdout, "deleted content overwritten in the database files")
	} else if due, err := s.ShredDue(ctx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	} else if due {
		fmt.Fprintln(e.Stdout, "deleted content not yet overwritten in the database files: transactions older than the command are still open after a minute; calldesk serve's job will do it")
	}
	return nil
}
