// Package smtptest runs a real SMTP server in the test's own process, for tests of calldesk's
// outgoing mail. It is imported by tests only.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Sink is a real SMTP server (emersion/go-smtp) on 127.0.0.1 that keeps what it receives and, with
// a user name, requires that user's password (AUTH PLAIN).
type Sink struct {
	mu       sync.Mutex
	got      []Received
	conns    int          // connections accepted so far
	quit     map[int]bool // connections whose client said QUIT
	user     string
	password string
	Addr     string // host:port
	srv      *smtp.Server
}

// Received is one message the server accepted: its envelope, its parsed header and its body.
type Received struct {
	From string
	To   []string
	Msg  *mail.Message
	Body string
	// Conn numbers the connection it came on (from 1): Quit says whether its client ended it
	// properly or was cut off (a sender killed mid-batch).
	Conn int
	At   time.Time // when the server accepted it
}

// Start runs a Sink until the test ends; user "" means no authentication.
func Start(t testing.TB, user, password string) *Sink {
	t.Helper()
	return start(t, user, password, nil, false)
}

// StartTLS runs a Sink that offers STARTTLS, or (implicit) speaks TLS from the first byte, with
// a certificate for 127.0.0.1 that roots trusts.
func StartTLS(t testing.TB, user, password string, implicit bool) (s *Sink, roots *x509.CertPool) {
	t.Helper()
	// httptest's certificate is for 127.0.0.1; borrow it.
	hs := httptest.NewUnstartedServer(nil)
	hs.StartTLS()
	cfg := &tls.Config{Certificates: hs.TLS.Certificates, MinVersion: tls.VersionTLS12}
	roots = x509.NewCertPool()
	roots.AddCert(hs.Certificate())
	hs.Close()
	return start(t, user, password, cfg, implicit), roots
}

func start(t testing.TB, user, password string, cfg *tls.Config, implicit bool) *Sink {
	t.Helper()
	s := &Sink{user: user, password: password, quit: map[int]bool{}}
	srv := smtp.NewServer(s)
	srv.Domain = "mx.uni.example"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.TLSConfig = cfg
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l = &quitListener{Listener: l, s: s}
	if implicit {
		l = tls.NewListener(l, cfg)
	}
	s.Addr, s.srv = l.Addr().String(), srv
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Messages are the messages received so far.
func (s *Sink) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.got...)
}

// Quit says whether the client of connection conn (Received.Conn) said QUIT before it closed
// (false while it is open, and when it was cut off). Seen on plain connections only (not TLS).
func (s *Sink) Quit(conn int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quit[conn]
}

// quitListener numbers the connections it accepts and notes those whose client says QUIT.
type quitListener struct {
	net.Listener
	s *Sink
}

func (l *quitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	l.s.mu.Lock()
	l.s.conns++
	n := l.s.conns
	l.s.mu.Unlock()
	return &quitConn{Conn: c, s: l.s, n: n}, nil
}

type quitConn struct {
	net.Conn
	s    *Sink
	n    int
	last []byte // the end of what was read, for a command split across reads
}

func (c *quitConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.last = append(c.last, p[:n]...)
	if i := bytes.LastIndexByte(c.last, '\n'); i >= 0 {
		for _, line := range bytes.Split(c.last[:i], []byte("\n")) {
			if bytes.EqualFold(bytes.TrimSpace(line), []byte("QUIT")) {
				c.s.mu.Lock()
				c.s.quit[c.n] = true
				c.s.mu.Unlock()
			}
		}
		c.last = append(c.last[:0], c.last[i+1:]...)
	}
	if len(c.last) > 1000 {
		c.last = c.last[len(c.last)-1000:] // inside a message's data: no command ends here
	}
	return n, err
}

// NewSession is the go-smtp backend's.
func (s *Sink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	n := 0
	if qc, ok := c.Conn().(*quitConn); ok {
		n = qc.n
	}
	return &sinkSession{s: s, conn: n}, nil
}

type sinkSession struct {
	s      *Sink
	conn   int
	authed bool
	from   string
	to     []string
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(m.Body)
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, Received{From: ss.from, To: ss.to, Msg: m, Body: string(b), Conn: ss.conn, At: time.Now()})
	ss.s.mu.Unlock()
	return nil
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
