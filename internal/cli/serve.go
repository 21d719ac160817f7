package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones without the system's zoneinfo (a minimal container)

	"calldesk/internal/access"
	"calldesk/internal/audit"
	"calldesk/internal/desk"
	"calldesk/internal/directory"
	"calldesk/internal/dpo"
	"calldesk/internal/jobs"
	"calldesk/internal/mail"
	"calldesk/internal/monitor"
	"calldesk/internal/privacy"
	"calldesk/internal/store"
	"calldesk/internal/web"
	"calldesk/internal/web/console"
	"calldesk/internal/web/portal"
	"calldesk/internal/web/scim"
)

func serve(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "serve", "Runs the web server, the JSON API and the background jobs. Migrates the database first\nand refuses a schema newer than this binary.")
	db := dbSetting(st)
	masterKeys := masterKeysSetting(st)
	addr := st.add("addr", "127.0.0.1:8080", "address to listen on", false, checkAddr)
	autoClose := st.add("auto-close", "120h", "close resolved calls the customer has not answered after this long", false, checkDuration(time.Hour, 90*24*time.Hour))
	holdEvery := st.add("hold-check", "30s", "how often to take calls whose hold time has passed off hold", false, checkDuration(time.Second, time.Hour))
	logFormat := st.add("log-format", "text", "log format: text or json", false, checkOneOf("text", "json"))
	logLevel := st.add("log-level", "info", "log level: debug, info, warn or error", false, checkOneOf("debug", "info", "warn", "error"))
	debugAddr := st.add("debug-addr", "", "if set, serve Go's profiler (/debug/pprof/), the Prometheus metrics (/metrics, no token) and /healthz and /readyz on this separate address; keep it on loopback or a private network", false, func(v string) error {
		if v == "" {
			return nil
		}
		return checkAddr(v)
	})
	idle := st.add("session-idle", "30m", "end a console session after this long without use", false, checkDuration(time.Minute, 24*time.Hour))
	absolute := st.add("session-max", "12h", "end any console session this long after sign-in", false, checkDuration(time.Minute, 7*24*time.Hour))
	zone := zoneSetting(st)
	shredAt := st.add("shred-window", "01:00-05:00", "when, in the desk's time zone (--timezone), PostgreSQL's tables are rewritten to overwrite what erasures and retention sweeps deleted (HH:MM-HH:MM, may run across midnight), or any for at once: each rewrite locks its table (reads and writes of it wait) while it is copied, so keep it out of working hours; until then the deleted bytes stay in the database's files, though no reader can see them. SQLite's overwriting of free pages is quick and runs at once regardless", false, func(v string) error {
		_, err := parseShredWindow(v)
		return err
	})
	proxies := st.add("trusted-proxies", "", "reverse proxies (IP addresses or CIDR ranges, comma-separated) trusted to name the client in X-Forwarded-For; empty: none", false, func(v string) error {
		_, err := web.ParseProxies(v)
		return err
	})
	attachMax := st.add("attachment-max", "25MiB", "the largest file that may be attached to a diary entry (e.g. 25MiB, 500KiB)", false, checkSize(1<<10, 100<<20))
	attachTypes := st.add("attachment-types", strings.Join(desk.DefaultAttachmentTypes, ","), "the file types that may be attached, as extensions separated by commas; a file's content must match its extension, and web pages, SVG, scripts and programs are never accepted", false, checkAttachmentTypes)
	single := ssoSettings(st)
	outgoing := mailSettings(st)
	incoming := inboundSettings(st)
	scimToken := st.add("scim-token", "", "directory pushes: the bearer token Entra ID or Okta sends to calldesk's SCIM 2.0 service at /scim/v2/Users (people created and changed as they change); empty: no SCIM service", true, nil)
	importConfig := st.add("import-config", "", "directory imports: the import configuration (a JSON file of sources, each with an optional nightly schedule; see internal/directory/config.go); empty: none", false, nil)
	passwords := st.add("local-passwords", "auto", "who may sign in with a local password: all, admins (break-glass administrators only), off; auto is admins with single sign-on, all without", false, checkOneOf("auto", "all", "admins", "off"))
	secondRoles := st.add("second-factor-roles", "admin,dpo,supplier", "two-factor sign-in (an authenticator app's code after a local password, in the console) is mandatory for accounts holding any of these roles (a comma-separated list; none: for nobody); anyone may set it up from their account page. Single sign-on relies on the identity provider's own MFA", false, checkRoles)
	grantHours := st.add("supplier-grant-max-hours", "8", "the longest window, in hours, an administrator may ask for a supplier's access (a grant the DPO approves)", false, checkHours)
	grace := st.add("leaver-portal-grace", "0", "how long after leaving a person with the customer role may still use SupportMe (the portal only) to follow their calls, e.g. 720h; 0: a leaver loses all access at once", false, checkDuration(0, 90*24*time.Hour))
	portalOpts := portalSettings(st)
	dpoOpts := dpoSettings(st)
	metricsToken := st.add("metrics-token", "", "serve the Prometheus metrics at /metrics on --addr too, to requests carrying Authorization: Bearer <this token>; empty: /metrics only on --debug-addr", true, nil)
	intervalMax := st.add("job-interval-max", "0", "for tests and trials: run every background job at least this often (e.g. 1s: the hourly retention check, the ten-minute auto-close, every job, each second); 0: each job at its own interval", false, checkDuration(0, time.Hour))
	leaseMax := st.add("job-lease-max", "0", "for tests and trials: the longest a job's claim on its work may go unrenewed before another instance takes the work up (a SAR bundle build, a retention sweep, outgoing mail, shredding; their own leases are 5 to 15 minutes); 0: each job's own", false, checkDuration(0, time.Hour))
	heads := headSettings(st, "empty: the head is not keyed")
	backups := scheduleSettings(st)
	fcrWindow := st.add("first-contact-window", "10m", "how soon after logging a call resolved by the analyst who logged it counts as resolved at the first contact, in the first-contact resolution report", false, checkDuration(time.Minute, 24*time.Hour))
	secure := st.add("secure-cookies", "false", "mark session cookies Secure (HTTPS only): set true when calldesk is served over TLS, directly or behind a proxy", false, checkOneOf("true", "false"))
	if err := parse(fs, st, args); err != nil {
		return err
	}
	if *backups.dir != "" && *backups.recipients == "" {
		return usageError{fmt.Errorf("--backup-dir needs --backup-recipients: a backup is never written unencrypted")}
	}
	capInterval, _ := time.ParseDuration(*intervalMax)
	fcr, _ := time.ParseDuration(*fcrWindow) // checked by its setting
	outgoing.firstContactWindow = fcr
	capLease, _ := time.ParseDuration(*leaseMax)
	lease := func(own time.Duration) time.Duration {
		if capLease > 0 && capLease < own {
			return capLease
		}
		return own
	}
	autoCloseAfter, _ := time.ParseDuration(*autoClose)
	holdInterval, _ := time.ParseDuration(*holdEvery)
	log := newLogger(e.Stderr, *logFormat, *logLevel)

	// One serve per SQLite file (lockSQLite), taken once the settings are known good; given up
	// after the store is closed (deferred here, so run after the store's Close below).
	unlock := func() {}
	defer func() { unlock() }()
	s, err := openSealed(ctx, e, *db, true, masterKeys)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Optimize(ctx); err != nil {
		return fmt.Errorf("refresh planner statistics: %w", err)
	}
	// The portal asks for consent with the DPO's words: the shipped ones until the DPO writes theirs.
	if err := dpo.EnsureWordings(ctx, s); err != nil {
		return fmt.Errorf("consent wordings: %w", err)
	}
	if *masterKeys == "" {
		log.Warn("no master key file (--master-keys-file): special-category text, files, stored emails, subject access bundles (with their redaction candidates) and second-factor secrets are written to the database in the clear")
	} else if r, _ := loadRing(*masterKeys); r != nil {
		log.Info("sealing sensitive content at rest", "master_key", r.Current().ID)
	}
	buf := audit.NewRecorder(s)
	idleFor, _ := time.ParseDuration(*idle)
	maxFor, _ := time.ParseDuration(*absolute)
	graceFor, _ := time.ParseDuration(*grace)
	sessions := &access.Sessions{Store: s, Now: e.Now, Idle: idleFor, Absolute: maxFor, Passwords: access.PasswordPolicy(*passwords),
		LeaverPortalGrace: graceFor, SecondFactorRoles: parseRoles(*secondRoles)}
	oidc, saml, err := single.build(ctx, s, *secure == "true", e.Now)
	if err != nil {
		buf.Close()
		return err
	}
	if sessions.Passwords == "auto" {
		sessions.Passwords = access.PasswordsAll
		if oidc != nil || saml != nil {
			sessions.Passwords = access.PasswordsAdmins
		}
	}
	loc := location(*zone)
	sessions.Zone = desk.ZoneOf(loc)
	window, _ := parseShredWindow(*shredAt)
	mailTasks, notices, err := outgoing.tasks(s, e.Now, loc, log, lease(5*time.Minute))
	if err != nil {
		buf.Close()
		return err
	}
	var imports *directory.Scheduler
	if *importConfig != "" {
		cfg, err := directory.LoadConfig(*importConfig)
		if err != nil {
			buf.Close()
			return usageError{fmt.Errorf("--import-config: %w", err)}
		}
		imports = &directory.Scheduler{Store: s, Config: cfg, Zone: loc, Now: e.Now, Log: log}
	}
	maxFile, _ := parseSize(*attachMax)
	types, _ := desk.ParseAttachmentTypes(*attachTypes)
	var own []string
	if from := outgoing.fromAddress(); from != "" {
		own = append(own, from)
	}
	fetchers, mailroom, err := incoming.fetchers(ctx, s, e.Getenv, replies{domain: outgoing.messageDomain(), notices: notices, own: own, ownDomain: *outgoing.domain},
		desk.AttachmentRules{MaxSize: maxFile, Types: types}, e.Now, log)
	if err != nil {
		buf.Close()
		return err
	}
	trusted, _ := web.ParseProxies(*proxies)
	breachMail := breachMailer(notices, outgoing, loc)
	maxHours, _ := strconv.Atoi(*grantHours)
	grants := &access.Grants{Store: s, Now: e.Now, MaxHours: maxHours, MessageDomain: outgoing.messageDomain()}
	con := &console.Console{Store: s, Audit: buf, Sessions: sessions, Grants: grants, Log: log, Now: e.Now, Secure: *secure == "true", Zone: loc, FirstContactWindow: fcr,
		Proxies: trusted, AttachmentMax: maxFile, AttachmentTypes: types, SSO: oidc, SAML: saml, MailDescription: *incoming.description,
		BreachMail: breachMail}
	pt := &portal.Portal{Store: s, Audit: buf, Sessions: sessions, Log: log, Now: e.Now, Secure: *secure == "true",
		Proxies: trusted, Zone: loc, AttachmentMax: maxFile, AttachmentTypes: types, SSO: oidc, SAML: saml,
		EnrolPartners: *single.enrol == "true"}
	portalOpts.apply(pt, outgoing)
	dpoOpts.apply(con)
	con.Portal = pt
	if s.Engine() == "postgres" && !window.any {
		con.ShredWindow = window.String()
	}
	if imports != nil {
		con.Imports = imports
	}
	if len(fetchers) > 0 {
		con.Quarantine = mailroom
		con.Mailboxes = func() []console.MailboxState {
			out := make([]console.MailboxState, len(fetchers))
			for i, fe := range fetchers {
				st := fe.Status()
				out[i] = console.MailboxState{Name: st.Mailbox, Connected: st.Connected, LastError: st.LastError, LastErrorAt: st.LastErrorAt,
					LastFetchAt: st.LastFetchAt, Delivered: st.Delivered, Failed: st.Failed, Oversized: st.Oversized}
			}
			return out
		}
	}
	srv := &web.Server{Store: s, Audit: buf, Log: log, Now: e.Now, Zone: loc, Proxies: trusted, Console: con.Handler(), Portal: pt.Handler(),
		FirstContactWindow: fcr}
	if *scimToken != "" {
		srv.SCIM = (&scim.Service{Store: s, Token: *scimToken, BaseURL: *outgoing.publicURL, Log: log}).Handler()
	}
	if s.Engine() == "sqlite" {
		if unlock, err = lockSQLite(*db); err != nil {
			unlock = func() {}
			buf.Close()
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		buf.Close()
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// Health and metrics (issue 21 point 6): the runner tells tracker of every task's runs.
	tracker := monitor.NewJobs(e.Now)
	health := &monitor.Health{Store: s, Jobs: tracker, Log: log}
	metrics := monitor.NewMetrics(monitor.Sources{Store: s, AuditQueue: buf.Queued, Jobs: tracker, Version: Version(),
		Mailboxes: mailboxFigures(fetchers)})
	hs := &http.Server{Handler: monitor.Edge{Health: health, Metrics: metrics, Token: *metricsToken}.Handler(srv.Handler()),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	exporter := &audit.Exporter{Store: s, Key: heads.Key(), File: *heads.file, Log: log, LogEvery: time.Minute}
	runner := &jobs.Runner{Log: log, Tasks: []jobs.Task{
		{Name: "audit seal", Interval: time.Second, Run: func(ctx context.Context) error {
			n, err := audit.Seal(ctx, s)
			if err != nil {
				return err
			}
			return exporter.Run(ctx, n)
		}},
		{Name: "supplier grants", Interval: 30 * time.Second, Run: func(ctx context.Context) error {
			n, err := grants.EndDue(ctx)
			if n > 0 {
				log.Info("supplier grants ended", "grants", n)
			}
			return err
		}},
		{Name: "hold timer", Interval: holdInterval, Run: func(ctx context.Context) error {
			refs, err := s.ReleaseHolds(ctx, 500)
			if len(refs) > 0 {
				log.Info("calls came off hold", "calls", refs)
			}
			return err
		}},
		{Name: "service-level repair", Interval: 5 * time.Second, Run: func(ctx context.Context) error {
			return repairSLA(ctx, s, log)
		}},
		{Name: "planner statistics", Interval: time.Hour, Run: s.Optimize},
		// Then the deleted content goes from the database's files (clause 23.5).
		{Name: "search compaction", Interval: time.Minute, Run: shredJob(s, window, e.Now, loc, log, lease(store.ShredLease))},
		{Name: "session housekeeping", Interval: 10 * time.Minute, Run: func(ctx context.Context) error {
			_, err := s.DeleteExpiredSessions(ctx, e.Now().Add(-idleFor))
			if err != nil {
				return err
			}
			return s.ClearSigninFailures(ctx, e.Now().Add(-24*time.Hour))
		}},
		{Name: "call events", Interval: time.Hour, Run: func(ctx context.Context) error {
			_, err := s.PruneCallEvents(ctx, e.Now().Add(-48*time.Hour))
			return err
		}},
		{Name: "auto-close", Interval: 10 * time.Minute, Run: func(ctx context.Context) error {
			refs, err := s.AutoClose(ctx, autoCloseAfter, 500)
			if len(refs) > 0 {
				log.Info("resolved calls closed automatically", "count", len(refs))
			}
			return err
		}},
	}}
	sars := sarJob(s, e, loc, log)
	sars.Lease = lease(store.BuildLease)
	runner.Tasks = append(runner.Tasks, jobs.Task{Name: "SAR bundles", Interval: 5 * time.Second, Run: sars.Run})
	// The retention schedule: checked hourly, swept when the last real sweep (on any instance)
	// started more than a day ago.
	retention := privacy.Retention{Store: s, Now: e.Now, Zone: desk.ZoneOf(loc), Lease: lease(store.SweepLease), Log: log}
	runner.Tasks = append(runner.Tasks, jobs.Task{Name: "retention", Interval: time.Hour, Run: func(ctx context.Context) error {
		ran, err := retention.Daily(ctx)
		if ran {
			log.Info("retention sweep done")
		}
		return err
	}})
	runner.Tasks = append(runner.Tasks, mailTasks...)
	if sched := backups.schedule(s, *db, log); sched != nil {
		runner.Tasks = append(runner.Tasks, jobs.Task{Name: "backup", Interval: time.Minute, Run: sched.Run})
	}
	if *masterKeys != "" {
		runner.Tasks = append(runner.Tasks, jobs.Task{Name: "master keys", Interval: 30 * time.Second, Run: keyReloader(s, *masterKeys, log)})
	}
	runner.Tasks = append(runner.Tasks, escalationTask(s, notices, outgoing, log))
	runner.Tasks = append(runner.Tasks, breachClockTask(s, breachMail, log))
	if imports != nil {
		runner.Tasks = append(runner.Tasks, jobs.Task{Name: "directory imports", Interval: time.Minute, Run: imports.Due})
	}
	runner.Observer = tracker
	if capInterval > 0 {
		for i := range runner.Tasks {
			runner.Tasks[i].Interval = min(runner.Tasks[i].Interval, capInterval)
		}
	}
	jobCtx, stopJobs := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); runner.Run(jobCtx) }()
	for _, fe := range fetchers {
		wg.Add(1)
		go func() { defer wg.Done(); fe.Run(jobCtx) }()
	}

	if *debugAddr != "" {
		dl, err := net.Listen("tcp", *debugAddr)
		if err != nil {
			stopJobs()
			wg.Wait()
			buf.Close()
			return fmt.Errorf("listen on %s: %w", *debugAddr, err)
		}
		dmux := http.NewServeMux()
		dmux.HandleFunc("/debug/pprof/", pprof.Index)
		dmux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		dmux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		dmux.Handle("GET /metrics", metrics.Handler())
		dmux.HandleFunc("GET /healthz", health.Live)
		dmux.HandleFunc("GET /readyz", health.Ready)
		ds := &http.Server{Handler: dmux, ReadHeaderTimeout: 10 * time.Second}
		go ds.Serve(dl)
		defer ds.Close()
		log.Info("debug address listening (profiler, metrics)", "addr", dl.Addr().String())
	}
	url := "http://" + ln.Addr().String() + "/"
	log.Info("calldesk serving", "url", url, "engine", s.Engine(), "version", Version())
	fmt.Fprintf(e.Stdout, "calldesk is serving on %s (console: sign in at %ssignin; SupportMe portal: %sportal/; API: %sapi/v1/; engine %s)\n", url, url, url, url, s.Engine())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	// Clean shutdown: finish requests (cutting off any still running after 15 s and waiting for
	// their handlers), stop the jobs, let a batch of audit records of reads being committed finish, seal
	// the records.
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if serr := hs.Shutdown(shutCtx); serr != nil {
		log.Error("shutdown: requests still running after 15 s; closing their connections", "err", serr)
		hs.Close()
	}
	waitCtx, cancelWait := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelWait()
	if werr := srv.Wait(waitCtx); werr != nil {
		log.Error("shutdown: handlers still running after their connections closed", "err", werr)
	}
	stopJobs()
	wg.Wait()
	buf.Close()
	sealCtx, cancelSeal := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelSeal()
	if n, serr := audit.Seal(sealCtx, s); serr != nil {
		log.Error("final audit seal (the records stay queued for the next start)", "err", serr)
	} else if xerr := exporter.Run(sealCtx, n); xerr != nil {
		log.Error("final export of the audit chain's head", "err", xerr)
	}
	exporter.Final()
	log.Info("calldesk stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// mailboxFigures reports the IMAP fetchers' intake to the metrics.
func mailboxFigures(fetchers []*mail.Fetcher) func() []monitor.Mailbox {
	if len(fetchers) == 0 {
		return nil
	}
	return func() []monitor.Mailbox {
		out := make([]monitor.Mailbox, len(fetchers))
		for i, f := range fetchers {
			st := f.Status()
			out[i] = monitor.Mailbox{Name: st.Mailbox, Connected: st.Connected, Delivered: st.Delivered, Failed: st.Failed,
				Oversized: st.Oversized, Connects: st.Connects, Retrying: st.Retrying}
		}
		return out
	}
}

// repairSLA re-evaluates the open calls' service levels after a configuration change, and gives
// calls without one theirs, a batch a transaction until none is left.
func repairSLA(ctx context.Context, s *store.Store, log *slog.Logger) error {
	var total store.SLARepair
	for ctx.Err() == nil {
		r, err := s.RepairSLA(ctx, 500)
		if err != nil {
			return err
		}
		if r.Done() {
			break
		}
		total.Version, total.Backfilled, total.Reevaluated = r.Version, total.Backfilled+r.Backfilled, total.Reevaluated+r.Reevaluated
	}
	if !total.Done() {
		log.Info("service levels repaired", "version", total.Version, "re-evaluated", total.Reevaluated, "backfilled", total.Backfilled)
	}
	return nil
}
