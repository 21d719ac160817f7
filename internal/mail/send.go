package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// SMTP is the mail server calldesk sends through.
type SMTP struct {
	// Addr is host:port.
	Addr string
	// TLS is "starttls" (required STARTTLS, port 587's way), "tls" (implicit TLS, port 465's
	// way) or "none" (only for a relay on this machine or a test server).
	TLS string
	// Username and Password authenticate (PLAIN or LOGIN, whichever the server offers) when
	// Username is not "".
	Username, Password string
	// TLSConfig, when set, replaces the default (the server's name from Addr, system roots).
	TLSConfig *tls.Config
	// Timeout bounds connecting and each exchange (default 30 seconds).
	Timeout time.Duration
}

// Sender delivers the outbox through SMTP: it claims due messages (store.ClaimMail), sends each
// in its own SMTP transaction and records the outcome; a failure is tried again with backoff
// (1, 2, 4 … minutes, at most an hour) until MaxAttempts, after which the message waits in the
// failed-messages view. It runs as a periodic task, never inside a web request.
type Sender struct {
	Store *store.Store
	SMTP  SMTP
	// From is the sender's address, with its name ("IT Service Desk <servicedesk@uni.example>").
	From string
	// MaxAttempts before a message is failed for good (default 8).
	MaxAttempts int
	// Batch is how many messages one Run takes (default 50).
	Batch int
	// Lease is how long a claimed message is the sender's alone (default 5 minutes): another
	// instance may take it up again after it. The sender renews it just before handing the
	// message to the server, and leaves a message whose lease ran out and which another sender
	// has claimed since, so that two instances never send one message (a send outlasting a
	// whole lease aside).
	Lease time.Duration
	Now   func() time.Time
	Log   *slog.Logger
}

// Run sends one batch and returns how many messages it sent. Only a failure to read or write the
// outbox is returned: a message that cannot be sent is recorded, logged and retried.
func (s *Sender) Run(ctx context.Context) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 50
	}
	lease := s.Lease
	if lease <= 0 {
		lease = 5 * time.Minute
	}
	msgs, err := s.Store.ClaimMail(ctx, batch, lease)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	client, err := s.client()
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range msgs {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		if mine, err := s.Store.RenewMail(ctx, m.ID, m.Attempts, lease); err != nil {
			return sent, err
		} else if !mine {
			continue // its lease ran out while the batch went on, and another sender has it
		}
		err := s.send(ctx, client, m)
		if err == nil {
			if err := s.Store.MailSent(ctx, m.ID); err != nil {
				return sent, err
			}
			sent++
			continue
		}
		retry := time.Time{}
		max := s.MaxAttempts
		if max <= 0 {
			max = 8
		}
		if m.Attempts < max {
			backoff := time.Minute << min(m.Attempts-1, 6)
			retry = s.now().Add(min(backoff, time.Hour))
		}
		s.log().Warn("mail not sent", "message_id", m.MessageID, "to", m.To, "attempt", m.Attempts, "retry_at", retry, "err", err)
		if err := s.Store.MailNotSent(ctx, m.ID, err.Error(), retry); err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (s *Sender) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Sender) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// client makes the SMTP client for one batch.
func (s *Sender) client() (*gomail.Client, error) {
	host, portText, err := net.SplitHostPort(s.SMTP.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP address %q: %w", s.SMTP.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP port %q: %w", portText, err)
	}
	timeout := s.SMTP.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout)}
	switch s.SMTP.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls", "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("mail: SMTP TLS %q is not starttls, tls or none", s.SMTP.TLS)
	}
	if s.SMTP.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.SMTP.TLSConfig))
	}
	if s.SMTP.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.SMTP.TLS == "none" {
			// go-mail will not send a password in the clear by itself; without TLS (a relay on
			// this machine, a test server) that must be asked for.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.SMTP.Username), gomail.WithPassword(s.SMTP.Password))
	}
	return gomail.NewClient(host, opts...)
}

// send delivers one message in its own SMTP session, so one refused recipient does not hold up
// the rest.
func (s *Sender) send(ctx context.Context, c *gomail.Client, m desk.OutMail) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// build makes the MIME message: calldesk's Message-ID, threading headers, the reference in the
// subject, plain text with an HTML alternative, and headers asking auto-responders to stay quiet.
func (s *Sender) build(m desk.OutMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", s.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(s.now())
	if m.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		msg.SetGenHeader(gomail.HeaderReferences, "<"+strings.Join(m.References, "> <")+">")
	}
	if m.Kind == desk.MailTooLarge {
		// An answer to the sender's own message (RFC 3834 section 5).
		msg.SetGenHeader("Auto-Submitted", "auto-replied")
	} else {
		msg.SetGenHeader("Auto-Submitted", "auto-generated")
	}
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}
