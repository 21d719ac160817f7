package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/jobs"
	cdmail "calldesk/internal/mail"
	"calldesk/internal/report"
	"calldesk/internal/store"
)

// mailFlags are serve's outgoing email settings.
type mailFlags struct {
	smtpAddr, smtpTLS, smtpUser, smtpPassword *string
	from, domain, publicURL, templates        *string
	fullText                                  *string
	// firstContactWindow is the first-contact report's window (serve's --first-contact-window),
	// for the subscribed reports' summaries; 0: the report's default.
	firstContactWindow time.Duration
}

func mailSettings(st *settings) mailFlags {
	var f mailFlags
	f.smtpAddr = st.add("smtp-addr", "", "outgoing email: the mail server as host:port (e.g. smtp.uni.example:587); empty: no email is sent", false, func(v string) error {
		if v == "" {
			return nil
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("is not host:port")
		}
		return nil
	})
	f.smtpTLS = st.add("smtp-tls", "starttls", "outgoing email: starttls (required STARTTLS), tls (implicit TLS, port 465) or none (a relay on this machine only)", false, checkOneOf("starttls", "tls", "none"))
	f.smtpUser = st.add("smtp-user", "", "outgoing email: the user name to authenticate as; empty: no authentication", false, nil)
	f.smtpPassword = st.add("smtp-password", "", "outgoing email: the password for --smtp-user", true, nil)
	f.from = st.add("mail-from", "", "outgoing email: the sender, e.g. \"IT Service Desk <servicedesk@uni.example>\" (required with --smtp-addr)", false, func(v string) error {
		if v == "" {
			return nil
		}
		if _, err := mail.ParseAddress(v); err != nil {
			return fmt.Errorf("is not an email address")
		}
		return nil
	})
	f.domain = st.add("mail-domain", "", "outgoing email: the domain of calldesk's Message-IDs (default: the --mail-from address's domain)", false, nil)
	f.publicURL = st.add("public-url", "", "calldesk's public address, for links in emails (https://desk.uni.example; required with --smtp-addr)", false, checkURL)
	f.templates = st.add("mail-templates", "", "outgoing email: a directory of templates replacing the built-in ones of the same name (see internal/mail/templates)", false, nil)
	f.fullText = st.add("mail-full-text", "false", "outgoing email: analysts' notifications carry the call's summary (customers' never carry the call's text)", false, checkOneOf("true", "false"))
	return f
}

// messageDomain is the domain of calldesk's Message-IDs: --mail-domain, or --mail-from's domain
// ("" when neither is set).
func (f mailFlags) messageDomain() string {
	if *f.domain != "" {
		return *f.domain
	}
	from, err := mail.ParseAddress(*f.from)
	if err != nil {
		return ""
	}
	return from.Address[strings.LastIndex(from.Address, "@")+1:]
}

// fromAddress is the address of --mail-from ("" when it is not set).
func (f mailFlags) fromAddress() string {
	from, err := mail.ParseAddress(*f.from)
	if err != nil {
		return ""
	}
	return from.Address
}

// tasks are the notifier and the sender, or none when no mail server is configured, and the
// templates they use (nil when none), which also make the notices to senders of refused mail.
func (f mailFlags) tasks(s *store.Store, now func() time.Time, zone *time.Location, log *slog.Logger, lease time.Duration) ([]jobs.Task, *cdmail.Templates, error) {
	if *f.smtpAddr == "" {
		return nil, nil, nil
	}
	if *f.from == "" || *f.publicURL == "" {
		return nil, nil, usageError{fmt.Errorf("sending email through --smtp-addr needs --mail-from and --public-url")}
	}
	domain := f.messageDomain()
	tpl, err := cdmail.LoadTemplates(*f.templates)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("--mail-templates: %w", err)}
	}
	n := &cdmail.Notifier{Store: s, Templates: tpl, Domain: domain, PortalURL: *f.publicURL, ConsoleURL: *f.publicURL,
		FullText: *f.fullText == "true", Zone: zone, Now: now, Log: log}
	snd := &cdmail.Sender{Store: s, From: *f.from, Now: now, Log: log, Lease: lease,
		SMTP: cdmail.SMTP{Addr: *f.smtpAddr, TLS: *f.smtpTLS, Username: *f.smtpUser, Password: *f.smtpPassword}}
	return []jobs.Task{
		{Name: "mail notifier", Interval: 2 * time.Second, Run: func(ctx context.Context) error {
			_, err := n.Run(ctx)
			return err
		}},
		{Name: "mail sender", Interval: 2 * time.Second, Run: func(ctx context.Context) error {
			_, err := snd.Run(ctx)
			return err
		}},
		reportTask(s, tpl, domain, *f.publicURL, zone, now, log, f.firstContactWindow),
		reviewTask(s, domain, *f.publicURL, zone, now, log),
	}, tpl, nil
}

// reviewTask reminds the Data Protection Officer of the processors and assessments whose review
// fell due (issue 19 items 6, 7), hourly: one email per review date to each DPO, once however many
// instances run it.
func reviewTask(s *store.Store, domain, consoleURL string, zone *time.Location, now func() time.Time, log *slog.Logger) jobs.Task {
	r := &dpo.Reminders{Store: s, Now: now, Zone: desk.ZoneOf(zone), MessageID: func() string { return cdmail.NewMessageID(domain) }, ConsoleURL: consoleURL}
	return jobs.Task{Name: "review reminders", Interval: time.Hour, Run: func(ctx context.Context) error {
		n, err := r.Run(ctx)
		if n > 0 {
			log.Info("review reminders queued", "reviews", n)
		}
		return err
	}}
}

// reportTask sends the subscribed reports that are due (issue 18 item 5), every five minutes:
// each one's summary sentence and a link, once however many instances run it.
func reportTask(s *store.Store, tpl *cdmail.Templates, domain, consoleURL string, zone *time.Location, now func() time.Time, log *slog.Logger,
	firstContactWindow time.Duration) jobs.Task {
	mails := &cdmail.Reports{Templates: tpl, Domain: domain}
	sc := report.Scheduler{Reporter: report.Reporter{Store: s, Zone: desk.ZoneOf(zone), Now: now, FirstContactWindow: firstContactWindow},
		Mail: mails.Mail, ConsoleURL: consoleURL}
	return jobs.Task{Name: "report subscriptions", Interval: 5 * time.Minute, Run: func(ctx context.Context) error {
		n, err := sc.Run(ctx)
		if n > 0 {
			log.Info("subscribed reports queued", "emails", n)
		}
		return err
	}}
}

// inboundFlags are serve's incoming email settings.
type inboundFlags struct {
	mailboxes, perSenderHour *string
	authServID, ownDomains   *string
	maxMessage               *string
	description              *string
}

func inboundSettings(st *settings) inboundFlags {
	var f inboundFlags
	f.mailboxes = st.add("imap-mailboxes", "", "incoming email: mailboxes to take calls from, separated by spaces, each NAME=URL: "+
		"imaps://USER@HOST:993/FOLDER (implicit TLS), imap://… (STARTTLS) or imap+plain://… (no TLS, this machine only), "+
		"with ?group=GROUP&profile=PROFILE PATH for new calls, &after=move:FOLDER to move taken messages (default: mark them seen) "+
		"and &poll=DURATION where the server has no IDLE; each one's password in CALLDESK_IMAP_PASSWORD_NAME; empty: none", false, nil)
	f.perSenderHour = st.add("imap-per-sender-hour", "20", "incoming email: messages one sender may send in an hour before the rest are treated as a mail loop", false, func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("is not a whole number of at least 1")
		}
		return nil
	})
	f.maxMessage = st.add("mail-max-message", "35MiB", "incoming email: the largest message taken in, attachments and encoding included (e.g. 35MiB); "+
		"a larger one is refused, recorded with its sender, subject and size, and its sender told once a day at most (when email is sent). "+
		"35MiB takes a 25MiB file (about 34MiB once encoded), as Exchange Online's default limit does", false, checkSize(1<<20, 512<<20))
	f.description = st.add("mail-description", "call", "incoming email: what the summary and description of a call opened by an email (the email's subject and text) are. "+
		"call: call information, which every analyst reads and finds (the email itself, its headers, files and later emails stay with the support role); "+
		"triage: the support role's, like the email, until a support analyst confirms or edits them on the call page; other analysts see "+
		"\"Logged from an email, awaiting triage\" and their searches do not match those words", false, checkOneOf("call", "triage"))
	f.authServID = st.add("mail-auth-serv-id", "", "incoming email: the authserv-id of the university's own receiving mail server (e.g. mx.uni.example), "+
		"whose Authentication-Results header (DMARC, SPF, DKIM) calldesk trusts; headers of any other id are ignored; empty: none trusted, every verdict is none", false, func(v string) error {
		if strings.Contains(v, ",") {
			return fmt.Errorf("is one authserv-id, not a list")
		}
		return checkDomains(v)
	})
	f.ownDomains = st.add("mail-own-domains", "", "incoming email: the university's own mail domains, separated by commas (e.g. uni.example,alumni.uni.example; "+
		"subdomains included); mail claiming a From in them that fails DMARC (or, without DMARC, SPF and DKIM for the From's domain: passes for other domains "+
		"count for nothing) at --mail-auth-serv-id is quarantined, and support analysts are warned of one not verified; empty: none", false, checkDomains)
	return f
}

// checkDomains accepts a comma-separated list of domain names: letters, digits, dots and hyphens.
func checkDomains(v string) error {
	for _, d := range strings.Split(v, ",") {
		d = strings.TrimSpace(d)
		for _, r := range d {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
				return fmt.Errorf("%q is not a domain name", d)
			}
		}
	}
	return nil
}

// authCheck is the Intake's AuthCheck the settings describe.
func (f inboundFlags) authCheck() cdmail.AuthCheck {
	c := cdmail.AuthCheck{ServID: strings.TrimSpace(*f.authServID)}
	for _, d := range strings.Split(*f.ownDomains, ",") {
		if d = strings.TrimSpace(d); d != "" {
			c.OwnDomains = append(c.OwnDomains, d)
		}
	}
	return c
}

// mailboxSpec is one --imap-mailboxes entry, read.
type mailboxSpec struct {
	box            cdmail.Mailbox
	group, profile string
}

// parseMailboxes reads --imap-mailboxes; passwords come from getenv.
func parseMailboxes(v string, getenv func(string) string) ([]mailboxSpec, error) {
	var out []mailboxSpec
	seen := map[string]bool{}
	for _, entry := range strings.Fields(v) {
		name, raw, ok := strings.Cut(entry, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not NAME=URL", entry)
		}
		if seen[name] {
			return nil, fmt.Errorf("mailbox %s is named twice", name)
		}
		seen[name] = true
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.User == nil || u.User.Username() == "" {
			return nil, fmt.Errorf("mailbox %s: %q is not imaps://USER@HOST:PORT/FOLDER", name, raw)
		}
		mb := cdmail.Mailbox{Name: name, Addr: u.Host, Username: u.User.Username(), Folder: strings.TrimPrefix(u.Path, "/")}
		switch u.Scheme {
		case "imaps":
			mb.TLS = cdmail.TLSImplicit
		case "imap":
			mb.TLS = cdmail.TLSStartTLS
		case "imap+plain":
			mb.TLS = cdmail.TLSNone
		default:
			return nil, fmt.Errorf("mailbox %s: the scheme must be imaps, imap or imap+plain, not %q", name, u.Scheme)
		}
		if _, _, err := net.SplitHostPort(u.Host); err != nil {
			return nil, fmt.Errorf("mailbox %s: %q needs a port (993 for imaps, 143 for imap)", name, u.Host)
		}
		env := "CALLDESK_IMAP_PASSWORD_" + strings.ToUpper(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, name))
		if mb.Password = getenv(env); mb.Password == "" {
			return nil, fmt.Errorf("mailbox %s: its password is missing (set %s)", name, env)
		}
		q := u.Query()
		if after := q.Get("after"); after != "" {
			folder, ok := strings.CutPrefix(after, "move:")
			if !ok || folder == "" {
				return nil, fmt.Errorf("mailbox %s: after=%q is not move:FOLDER", name, after)
			}
			mb.After, mb.MoveFolder = cdmail.MoveTo, folder
		}
		if poll := q.Get("poll"); poll != "" {
			d, err := time.ParseDuration(poll)
			if err != nil || d < time.Second {
				return nil, fmt.Errorf("mailbox %s: poll=%q is not a duration of at least 1s", name, poll)
			}
			mb.PollInterval = d
		}
		if err := mb.Validate(); err != nil {
			return nil, err // it names the mailbox
		}
		out = append(out, mailboxSpec{box: mb, group: q.Get("group"), profile: q.Get("profile")})
	}
	return out, nil
}

// replies is what incoming mail needs of outgoing mail: the domain of calldesk's Message-IDs,
// the templates of the notices to senders of refused messages (nil when no email is sent), and
// calldesk's own addresses and domain, which are never sent one.
type replies struct {
	domain    string
	notices   *cdmail.Templates
	own       []string
	ownDomain string // --mail-domain when set: a domain of calldesk's own
}

// fetchers makes a fetcher for each configured mailbox, its messages taken in by an Intake.
func (f inboundFlags) fetchers(ctx context.Context, s *store.Store, getenv func(string) string, out replies,
	rules desk.AttachmentRules, now func() time.Time, log *slog.Logger) ([]*cdmail.Fetcher, *cdmail.Mailroom, error) {
	specs, err := parseMailboxes(*f.mailboxes, getenv)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("--imap-mailboxes: %w", err)}
	}
	if len(specs) == 0 {
		return nil, nil, nil
	}
	room := &cdmail.Mailroom{Store: s, Intakes: map[string]*cdmail.Intake{}}
	groups, err := s.Groups(ctx)
	if err != nil {
		return nil, nil, err
	}
	profiles, err := s.Profiles(ctx)
	if err != nil {
		return nil, nil, err
	}
	perHour, _ := strconv.Atoi(*f.perSenderHour)
	maxMessage, _ := parseSize(*f.maxMessage)
	own := slices.Clone(out.own)
	for _, sp := range specs {
		if strings.Contains(sp.box.Username, "@") {
			own = append(own, sp.box.Username) // a mailbox's own address
		}
	}
	var fetchers []*cdmail.Fetcher
	for _, sp := range specs {
		// One limit for the fetcher and the parser.
		sp.box.MaxSize = maxMessage
		in := &cdmail.Intake{Store: s, Domain: out.domain, Log: log, Auth: f.authCheck(), Notices: out.notices, Own: own, OwnDomain: out.ownDomain,
			Limits: cdmail.Limits{MessageMax: maxMessage, AttachmentMax: rules.MaxSize}, Rules: store.IngestRules{Files: rules, PerSenderHour: perHour, Triage: *f.description == "triage"}}
		if sp.group != "" {
			for _, g := range groups {
				if strings.EqualFold(g.Name, sp.group) {
					in.GroupID = g.ID
				}
			}
			if in.GroupID == 0 {
				return nil, nil, usageError{fmt.Errorf("--imap-mailboxes: mailbox %s: there is no group %q", sp.box.Name, sp.group)}
			}
		}
		if sp.profile != "" {
			for _, p := range profiles {
				if strings.EqualFold(p.Path, sp.profile) || strings.EqualFold(p.Name, sp.profile) {
					in.ProfileID = p.ID
				}
			}
			if in.ProfileID == 0 {
				return nil, nil, usageError{fmt.Errorf("--imap-mailboxes: mailbox %s: there is no problem profile %q", sp.box.Name, sp.profile)}
			}
		}
		fe, err := cdmail.NewFetcher(sp.box, in.Deliver, cdmail.Options{Logger: log.With("mailbox", sp.box.Name), Now: now})
		if err != nil {
			return nil, nil, usageError{fmt.Errorf("--imap-mailboxes: mailbox %s: %w", sp.box.Name, err)}
		}
		room.Intakes[sp.box.Name] = in
		fetchers = append(fetchers, fe)
	}
	return fetchers, room, nil
}

// escalationTask is the escalation job (issue 17 point 4): every 30 seconds it fires the
// escalation points the calls due (call_sla.escalate_at) have crossed, and moves their bands. Its emails are written
// from the mail templates when email is sent (tpl not nil); without email the other actions
// still happen and the diary says nobody was emailed.
func escalationTask(s *store.Store, tpl *cdmail.Templates, f mailFlags, log *slog.Logger) jobs.Task {
	var render store.EscalationMail
	if tpl != nil {
		render = (&cdmail.Escalations{Templates: tpl, Domain: f.messageDomain(), ConsoleURL: *f.publicURL}).Mail
	}
	return jobs.Task{Name: "escalations", Interval: 30 * time.Second, Run: func(ctx context.Context) error {
		pass, err := s.Escalate(ctx, 5000, render)
		if pass.Fired > 0 {
			log.Info("escalation points fired", "calls", pass.Calls, "fired", pass.Fired)
		}
		return err
	}}
}

// breachMailer writes the breach register's emails to the Data Protection Officer (issue 19
// item 3) when email is sent (tpl not nil); nil otherwise, and the register says nobody was
// emailed.
func breachMailer(tpl *cdmail.Templates, f mailFlags, zone *time.Location) store.BreachMail {
	if tpl == nil {
		return nil
	}
	return (&dpo.Mailer{Domain: f.messageDomain(), ConsoleURL: *f.publicURL, Zone: zone}).Mail
}

// breachClockTask is the breach clock's job: every minute it emails the DPO at 24, 48 and 60
// hours of each open breach not yet notified to the ICO, each mark once across every instance.
func breachClockTask(s *store.Store, render store.BreachMail, log *slog.Logger) jobs.Task {
	return jobs.Task{Name: "breach clock", Interval: time.Minute, Run: func(ctx context.Context) error {
		n, err := dpo.EscalateBreaches(ctx, s, render)
		if n > 0 {
			log.Info("breach clock escalations sent", "marks", n)
		}
		return err
	}}
}
