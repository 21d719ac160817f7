package cli

import (
	"context"
	"fmt"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
)

func auditCmd(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.Stdout, "Usage: calldesk audit verify [flags]\n\nSeals pending audit records, then checks the whole hash chain and reports the first\naltered, inserted or missing record: its fields, the words an erasure wrote into it (which the\nerasure's own record attests) and the people it is linked to (\"who has seen my data\"). Once a\nretention sweep deleted the oldest records, the sweep's sealed record must name where the chain\nstarts, and the last record it deleted must have been older than the audit records' period then.\nExit status 0 when the trail is intact, 1 when it has been tampered with, 2 when it could not be\nchecked (no database at --db, the database unreachable or not calldesk's), with the reason.")
			return nil
		}
		return usageError{fmt.Errorf("say what to do: calldesk audit verify")}
	}
	fs, st := flags(e, "audit verify", "Seals pending audit records, then checks the whole hash chain and reports the first\naltered, inserted or missing record: its fields, the words an erasure wrote into it (which the\nerasure's own record attests) and the people it is linked to (\"who has seen my data\"). Once a\nretention sweep deleted the oldest records, the sweep's sealed record must name where the chain\nstarts, and the last record it deleted must have been older than the audit records' period then.\nExit status 0 when the trail is intact, 1 when it has been tampered with, 2 when it could not be\nchecked (no database at --db, the database unreachable or not calldesk's), with the reason.")
	db := dbSetting(st)
	if err := parse(fs, st, args[1:]); err != nil {
		return err
	}
	unchecked := func(err error) error {
		return exitError{2, fmt.Errorf("could not check the audit trail: %w", err)}
	}
	s, err := openStore(ctx, e, *db, false)
	if err != nil {
		return unchecked(err)
	}
	defer s.Close()
	sealed, err := audit.Seal(ctx, s)
	if err != nil {
		return unchecked(err)
	}
	rep, err := audit.Verify(ctx, s)
	if err != nil {
		return unchecked(err)
	}
	// The result is evidence for the DPO's compliance page (issue 19 item 8).
	first := ""
	if rep.First != nil {
		first = fmt.Sprintf("%s at link %d", rep.First.Kind, rep.First.Seq)
	}
	if err := s.RecordAuditVerification(ctx, desk.Actor{Name: "calldesk audit verify", Surface: desk.SurfaceCalldesk}, rep.Checked, rep.Count, first); err != nil {
		return unchecked(err)
	}
	if !rep.OK() {
		return exitError{1, fmt.Errorf("the audit trail has been tampered with: %s (%d problem(s) in %d links)", rep.First, rep.Count, rep.Checked)}
	}
	fmt.Fprintf(e.Stdout, "the audit trail is intact: %d records chained (%d sealed just now), %d waiting\n", rep.Checked, sealed, rep.Pending)
	return nil
}
