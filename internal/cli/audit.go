package cli

import (
	"context"
	"fmt"
	"os"

	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

func auditCmd(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.Stdout, "Usage: calldesk audit verify [flags]\n\nSeals pending audit records, then checks the whole hash chain and reports the first\naltered, inserted or missing record: its fields, the words an erasure wrote into it (which the\nerasure's own record attests) and the people it is linked to (\"who has seen my data\"). Once a\nretention sweep deleted the oldest records, the sweep's sealed record must name where the chain\nstarts, and the last record it deleted must have been older than the audit records' period then.\nWith --audit-key it checks the chain's keyed head (serve keys it at each seal): a chain\nrecomputed or cut short since no longer matches it; with --audit-head it checks the head\nexported outside the database too, which catches a head rolled back as well.\nExit status 0 when the trail is intact, 1 when it has been tampered with, 2 when it could not be\nchecked (no database at --db, the database unreachable or not calldesk's), with the reason.")
			return nil
		}
		return usageError{fmt.Errorf("say what to do: calldesk audit verify")}
	}
	fs, st := flags(e, "audit verify", "Seals pending audit records, then checks the whole hash chain and reports the first\naltered, inserted or missing record: its fields, the words an erasure wrote into it (which the\nerasure's own record attests) and the people it is linked to (\"who has seen my data\"). Once a\nretention sweep deleted the oldest records, the sweep's sealed record must name where the chain\nstarts, and the last record it deleted must have been older than the audit records' period then.\nWith --audit-key it checks the chain's keyed head (serve keys it at each seal): a chain\nrecomputed or cut short since no longer matches it; with --audit-head it checks the head\nexported outside the database too, which catches a head rolled back as well.\nExit status 0 when the trail is intact, 1 when it has been tampered with, 2 when it could not be\nchecked (no database at --db, the database unreachable or not calldesk's), with the reason.")
	db := dbSetting(st)
	heads := headSettings(st, "empty: the keyed head is not checked")
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
	var exported *store.AuditHead
	if *heads.file != "" {
		f, err := os.Open(*heads.file)
		if err != nil {
			return unchecked(fmt.Errorf("read the exported head: %w", err))
		}
		h, found, err := audit.ParseHeads(f)
		f.Close()
		if err != nil {
			return unchecked(fmt.Errorf("read the exported head from %s: %w", *heads.file, err))
		}
		if !found {
			return unchecked(fmt.Errorf("%s holds no calldesk-audit-head line", *heads.file))
		}
		exported = &h
	}
	problems, err := audit.CheckHeads(ctx, s, heads.Key(), exported)
	if err != nil {
		return unchecked(err)
	}
	// The result is evidence for the DPO's compliance page (issue 19 item 8).
	first := ""
	switch {
	case rep.First != nil:
		first = fmt.Sprintf("%s at link %d", rep.First.Kind, rep.First.Seq)
	case len(problems) > 0:
		first = fmt.Sprintf("%s at link %d", problems[0].Kind, problems[0].Seq)
	}
	if err := s.RecordAuditVerification(ctx, desk.Actor{Name: "calldesk audit verify", Surface: desk.SurfaceCalldesk}, rep.Checked, rep.Count+len(problems), first); err != nil {
		return unchecked(err)
	}
	if !rep.OK() {
		return exitError{1, fmt.Errorf("the audit trail has been tampered with: %s (%d problem(s) in %d links)", rep.First, rep.Count+len(problems), rep.Checked)}
	}
	if len(problems) > 0 {
		return exitError{1, fmt.Errorf("the audit trail has been tampered with: %s (%d problem(s) with its head)", problems[0], len(problems))}
	}
	fmt.Fprintf(e.Stdout, "the audit trail is intact: %d records chained (%d sealed just now), %d waiting\n", rep.Checked, sealed, rep.Pending)
	if k := heads.Key(); k != nil {
		h, found, err := audit.KeyHead(ctx, s, k)
		if err != nil {
			return unchecked(err)
		}
		if found {
			fmt.Fprintf(e.Stdout, "its keyed head matches the audit key: now link %d\n", h.Seq)
		}
	}
	if exported != nil {
		fmt.Fprintf(e.Stdout, "it holds the head exported to %s: link %d\n", *heads.file, exported.Seq)
	}
	return nil
}
