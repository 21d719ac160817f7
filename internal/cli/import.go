package cli

import (
	"context"
	"fmt"

	"calldesk/internal/directory"
	"calldesk/internal/store"
)

// importCmd runs one source's import now: calldesk import --config FILE --source NAME.
func importCmd(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "import", "Imports people from a directory source of the import configuration (--import-config):\nmatched by directory key, leavers kept, every run recorded. --dry-run prints what would\nchange and writes nothing; an import held by the guard rail needs --force to go through,\nand so do the leavers of an import that rejected rows (the rest goes in). --force confirms\nthe last run as it was reviewed: it is refused if the export has changed since.")
	db := dbSetting(st)
	masterKeys := masterKeysSetting(st)
	config := st.add("import-config", "", "the import configuration (a JSON file of sources; see internal/directory/config.go)", false, nil)
	source := fs.String("source", "", "the source to import, by name")
	dry := fs.Bool("dry-run", false, "print the changes the import would make, and write nothing")
	force := fs.Bool("force", false, "go past the guard rail: an administrator's confirmation of the import it held last, refused\nif the source no longer gives what that run read (run the import again, and review it)")
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if *config == "" || *source == "" {
		return usageError{fmt.Errorf("--import-config and --source are required")}
	}
	cfg, err := directory.LoadConfig(*config)
	if err != nil {
		return usageError{fmt.Errorf("--import-config: %w", err)}
	}
	sc, err := cfg.Find(*source)
	if err != nil {
		return usageError{err}
	}
	s, err := openSealed(ctx, e, *db, !*dry, masterKeys) // a dry run changes nothing, not even the schema
	if err != nil {
		return err
	}
	defer s.Close()
	by := "calldesk import"
	if *force {
		by += " --force"
	}
	res, err := cfg.Run(ctx, s, sc, by, *dry, *force)
	if err != nil {
		return err
	}
	if *dry {
		for _, c := range res.Changes {
			fmt.Fprintln(e.Stdout, c)
		}
		if res.MoreChanges > 0 {
			fmt.Fprintf(e.Stdout, "… and %d more changes not listed\n", res.MoreChanges)
		}
	}
	for _, p := range res.Problems {
		fmt.Fprintln(e.Stdout, "rejected: "+p)
	}
	for _, n := range res.Notices {
		fmt.Fprintln(e.Stdout, "note: "+n)
	}
	held := ""
	if res.LeaversHeld > 0 {
		held = fmt.Sprintf(", %d leavers held", res.LeaversHeld)
	}
	fmt.Fprintf(e.Stdout, "%s: %s: %d read, %d created, %d updated, %d left%s, %d returned, %d rejected, %d unchanged, in %s\n",
		sc.Name, res.State, res.Read, res.Created, res.Updated, res.Left, held, res.Returned, res.Rejected, res.Kept, res.Duration.Round(1e6))
	switch {
	case res.State == store.RunHeld:
		return fmt.Errorf("the import was held and changed nothing: %s (run %d; review it, then calldesk import --force confirms it, as long as the export stays as it is)", res.Reason, res.RunID)
	case res.LeaversHeld > 0 && !*dry:
		return fmt.Errorf("the import went in, but made nobody a leaver: %s (run %d; review it, then calldesk import --force confirms the leavers, as long as the export stays as it is)", res.Reason, res.RunID)
	}
	return nil
}
