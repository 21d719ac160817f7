package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
)

// retentionCmd runs the retention schedule once: calldesk retention --db DSN [--dry-run].
func retentionCmd(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "retention", "Applies the retention schedule now (the rules at /admin/retention): anonymises or deletes\nwhat has reached the end of its period, passing over legal holds, and prints the report\n(class, action, how many, oldest and newest start). --dry-run only counts, and changes\nnothing. Either way the report is kept with the sweeps the console lists.")
	db := dbSetting(st)
	masterKeys := masterKeysSetting(st)
	zone := zoneSetting(st)
	dry := fs.Bool("dry-run", false, "count what the sweep would do, and change nothing")
	if err := parse(fs, st, args); err != nil {
		return err
	}
	s, err := openSealed(ctx, e, *db, !*dry, masterKeys) // a dry run changes nothing, not even the schema
	if err != nil {
		return err
	}
	defer s.Close()
	by := "calldesk retention"
	if *dry {
		by += " --dry-run"
	}
	started := time.Now()
	run, err := privacy.Retention{Store: s, Now: e.Now, Zone: desk.ZoneOf(location(*zone))}.Sweep(ctx, desk.Actor{Name: by, Surface: desk.SurfaceCalldesk}, *dry)
	if run.ID != 0 {
		printRetention(e.Stdout, run, time.Since(started), desk.ZoneOf(location(*zone)))
	}
	if err != nil {
		return err
	}
	// A sweep that removed words from the search index asked for its compaction, and the deleted
	// content must go from the database's files: the server's jobs would do both within a
	// minute; without a server, the command does them, so they are done when it returns.
	return shredNow(ctx, e, s, "retention: the sweep is done")
}

// printRetention writes a sweep's report as a table, its time and days in the desk's zone z.
func printRetention(w io.Writer, run store.RetentionRun, took time.Duration, z desk.Zone) {
	what := "retention sweep"
	if run.DryRun {
		what = "retention dry run (nothing changed)"
	}
	fmt.Fprintf(w, "%s %d at %s, %s in %.1f s\n", what, run.ID, z.When(run.StartedAt), run.State, took.Seconds())
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "class\taction\tafter\tcount\toldest\tnewest\t")
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(z.Location()).Format("2006-01-02")
	}
	for _, l := range run.Lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Class, l.Action, strconv.Itoa(l.Months)+" months", strconv.Itoa(l.Count),
			day(l.Oldest), day(l.Newest), l.Note)
	}
	tw.Flush()
	if run.Error != "" {
		fmt.Fprintf(w, "problems: %s\n", run.Error)
	}
}
