// Package cli holds calldesk's subcommands. It builds the configuration from flags and CALLDESK_*
// variables, validates it, and wires store, web, audit and jobs together. Nothing below cli reads
// the environment.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	"calldesk/internal/keys"
	"calldesk/internal/store"
)

// Env gives what a command needs from its surroundings; main passes the real ones, tests their own.
type Env struct {
	Args   []string // without the program name
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	Now    func() time.Time
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server, the API and the background jobs", serve},
		{"migrate", "apply the database migrations this binary carries", migrate},
		{"demo", "load a believable demo university into an empty database", demoCmd},
		{"password", "give an account a new random password: calldesk password --login NAME", passwordCmd},
		{"import", "import people from a directory source: calldesk import --import-config FILE --source NAME [--dry-run]", importCmd},
		{"audit", "check the audit trail: calldesk audit verify", auditCmd},
		{"sar", "write a person's subject access bundle to an encrypted zip (its passphrase printed once): calldesk sar --person ID --out FILE.zip", sarCmd},
		{"backup", "write an encrypted backup of the database, online: calldesk backup --out FILE --backup-recipients age1...", backupCmd},
		{"restore", "restore an encrypted backup into a new database and check it: calldesk restore --in FILE --identities FILE --db TARGET", restoreCmd},
		{"keys", "manage the master keys that wrap the encryption keys: calldesk keys generate|rotate|seal|status|retire", keysCmd},
		{"retention", "apply the retention schedule now: calldesk retention [--dry-run]", retentionCmd},
		{"bench", "measure a running calldesk over its API: calldesk bench create|queries|ceiling", bench},
		{"version", "print the version", version},
		{"help", "list the commands", nil},
	}
}

// usageError is a mistake in the command line or configuration: exit status 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }

// exitError is a failure with an exit status of its own, for a command whose statuses mean more
// than success or failure (audit verify: 1 tampered, 2 could not check), so that monitoring can
// tell them apart.
type exitError struct {
	status int
	err    error
}

func (x exitError) Error() string { return x.err.Error() }
func (x exitError) Unwrap() error { return x.err }

// Main runs the command line and returns the exit status: 0 success, 1 failure, 2 bad usage or
// configuration. Errors are printed as one line on Stderr.
func Main(ctx context.Context, e Env) int {
	if e.Now == nil {
		e.Now = time.Now
	}
	if len(e.Args) == 0 || e.Args[0] == "help" || e.Args[0] == "-h" || e.Args[0] == "--help" {
		help(e.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != e.Args[0] || c.run == nil {
			continue
		}
		err := c.run(ctx, e, e.Args[1:])
		var exit exitError
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &exit):
			fmt.Fprintf(e.Stderr, "calldesk %s: %v\n", c.name, err)
			return exit.status
		case errors.As(err, new(usageError)):
			fmt.Fprintf(e.Stderr, "calldesk %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(e.Stderr, "calldesk %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.Stderr, "calldesk: unknown command %q; run calldesk help for the list\n", e.Args[0])
	return 2
}

func help(w io.Writer) {
	fmt.Fprintln(w, "calldesk: the university service desk.\n\nUsage: calldesk <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEach command takes -h for its flags. Every flag can also be set by a CALLDESK_* variable\n(--db is CALLDESK_DB); secrets also by CALLDESK_*_FILE naming a file that holds them.")
}

// flags makes a subcommand's flag set whose errors and -h output go to Stderr.
func flags(e Env, name, usage string) (*flag.FlagSet, *settings) {
	fs := flag.NewFlagSet("calldesk "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: calldesk %s [flags]\n\n%s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs, newSettings(fs, e.Getenv)
}

// parse parses args and resolves the environment, wrapping mistakes as usage errors.
func parse(fs *flag.FlagSet, st *settings, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := st.resolve(); err != nil {
		return usageError{err}
	}
	return nil
}

func dbSetting(st *settings) *string {
	return st.add("db", "./calldesk.db", "database: a SQLite file path or a postgres:// URL", true, checkDB)
}

// openStore opens the database; when migrate is true it applies pending migrations first (and
// creates a SQLite file that is missing), and either way it refuses a schema that does not match
// this binary. Without migrate the database must exist: a command that only reads, pointed at a
// path with no database, says so and creates nothing. It is for the commands that never read nor
// write sealed content (openSealed is for those that do).
func openStore(ctx context.Context, e Env, dsn string, migrate bool) (*store.Store, error) {
	return openSealed(ctx, e, dsn, migrate, nil)
}

// openSealed is openStore for a command that reads or writes sealed content: keyFile is its
// --master-keys-file setting; the store seals under those keys and refuses to start when they do
// not open the database's data keys (store.CheckKeys).
func openSealed(ctx context.Context, e Env, dsn string, migrate bool, keyFile *string) (*store.Store, error) {
	var ring *keys.Ring
	if keyFile != nil {
		var err error
		if ring, err = loadRing(*keyFile); err != nil {
			return nil, err
		}
	}
	s, err := store.Open(ctx, dsn, store.Options{Now: e.Now, MustExist: !migrate, Keys: ring})
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.CheckSchema(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if keyFile != nil {
		if err := ensureMasterKeys(ctx, s); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func migrate(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "migrate", "Applies the schema migrations this binary carries to the database.")
	db := dbSetting(st)
	if err := parse(fs, st, args); err != nil {
		return err
	}
	s, err := store.Open(ctx, *db, store.Options{Now: e.Now})
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	v, _, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.Stdout, "the %s database is up to date at schema version %d\n", s.Engine(), v)
		return nil
	}
	fmt.Fprintf(e.Stdout, "applied %d migration(s) to the %s database; schema version is now %d\n", len(applied), s.Engine(), v)
	return nil
}

// Version is the build's version: the module version or VCS revision when known.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if r := settings["vcs.revision"]; r != "" {
		if len(r) > 12 {
			r = r[:12]
		}
		v = r
		if settings["vcs.modified"] == "true" {
			v += "+dirty"
		}
	}
	if v == "" {
		v = "(devel)"
	}
	return v + " " + info.GoVersion
}

func version(_ context.Context, e Env, args []string) error {
	fs, st := flags(e, "version", "Prints the version of this calldesk binary.")
	if err := parse(fs, st, args); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, "calldesk", Version())
	return nil
}
