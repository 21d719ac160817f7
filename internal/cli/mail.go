package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"

	"calldesk/internal/jobs"
	cdmail "calldesk/internal/mail"
	"calldesk/internal/store"
)

// mailFlags are serve's outgoing email settings.
type mailFlags struct {
	smtpAddr, smtpTLS, smtpUser, smtpPassword *string
	from, domain, publicURL, templates        *string
	fullText                                  *string
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

// tasks are the notifier and the sender, or none when no mail server is configured.
func (f mailFlags) tasks(s *store.Store, now func() time.Time, zone *time.Location, log *slog.Logger) ([]jobs.Task, error) {
	if *f.smtpAddr == "" {
		return nil, nil
	}
	if *f.from == "" || *f.publicURL == "" {
		return nil, usageError{fmt.Errorf("sending email through --smtp-addr needs --mail-from and --public-url")}
	}
	from, _ := mail.ParseAddress(*f.from)
	domain := *f.domain
	if domain == "" {
		domain = from.Address[strings.LastIndex(from.Address, "@")+1:]
	}
	tpl, err := cdmail.LoadTemplates(*f.templates)
	if err != nil {
		return nil, usageError{fmt.Errorf("--mail-templates: %w", err)}
	}
	n := &cdmail.Notifier{Store: s, Templates: tpl, Domain: domain, PortalURL: *f.publicURL, ConsoleURL: *f.publicURL,
		FullText: *f.fullText == "true", Zone: zone, Now: now, Log: log}
	snd := &cdmail.Sender{Store: s, From: *f.from, Now: now, Log: log,
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
	}, nil
}
