// Package imaptest gives tests a real IMAP server: the throwaway Dovecot that scripts/dovecot.sh
// starts for `make test`, a fresh user (so a fresh INBOX) per test, helpers to append and inspect
// messages, and a [Proxy] that makes the server misbehave on purpose. Imported by tests only.
package imaptest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	// EnvAddr names the variable holding the test Dovecot's host:port (plain IMAP, loopback).
	EnvAddr = "CALLDESK_TEST_IMAP"
	// EnvTLSAddr names the variable holding host:port of the same server with implicit TLS.
	EnvTLSAddr = "CALLDESK_TEST_IMAPS"
	// EnvCA names the variable holding the PEM file of the server's certificate (for 127.0.0.1).
	EnvCA = "CALLDESK_TEST_IMAP_CA"
	// EnvUsers names the variable holding the directory of per-user passwd-files: Dovecot
	// authenticates user U against DIR/U, read afresh at each login.
	EnvUsers = "CALLDESK_TEST_IMAP_USERS"
)

// Server is the test IMAP server.
type Server struct {
	// Addr is host:port for plain IMAP.
	Addr  string
	users string
}

// TLS returns the server's implicit-TLS address and a pool holding its certificate; the
// plain address (Addr) offers STARTTLS with the same certificate. Skipped, or failed under
// CI=true, when the server was given without them.
func (s *Server) TLS(t testing.TB) (addr string, roots *x509.CertPool) {
	t.Helper()
	addr, caFile := os.Getenv(EnvTLSAddr), os.Getenv(EnvCA)
	if addr == "" || caFile == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s and %s are not set: CI must run the IMAP TLS tests (make test sets them; see scripts/dovecot.sh)", EnvTLSAddr, EnvCA)
		}
		t.Skipf("the test IMAP server has no TLS: %s and %s are not set", EnvTLSAddr, EnvCA)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("imaptest: %v", err)
	}
	roots = x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("imaptest: no certificate in %s", caFile)
	}
	return addr, roots
}

// Dovecot returns the test Dovecot. Without one (EnvAddr unset) the test is skipped, or fails
// under CI=true so that CI never silently skips the IMAP tests.
func Dovecot(t testing.TB) *Server {
	t.Helper()
	addr, users := os.Getenv(EnvAddr), os.Getenv(EnvUsers)
	if addr == "" || users == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s and %s are not set: CI must run the IMAP tests against Dovecot (make test starts one; see scripts/dovecot.sh)", EnvAddr, EnvUsers)
		}
		t.Skipf("no test IMAP server: %s and %s are not set (make test starts Dovecot; see scripts/dovecot.sh)", EnvAddr, EnvUsers)
	}
	return &Server{Addr: addr, users: users}
}

// User is a mailbox on the test server.
type User struct {
	Server   *Server
	Name     string
	Password string
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewUser creates a user with a random name and password, so an empty INBOX of its own.
func (s *Server) NewUser(t testing.TB) *User {
	t.Helper()
	u := &User{Server: s, Name: "t" + randomHex(8)}
	u.SetPassword(t, randomHex(8))
	t.Cleanup(func() { os.Remove(filepath.Join(s.users, u.Name)) })
	return u
}

// SetPassword changes the password the server expects from now on (a wrong password in a test
// is set this way, as is its repair).
func (u *User) SetPassword(t testing.TB, password string) {
	t.Helper()
	path := filepath.Join(u.Server.users, u.Name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(u.Name+":{PLAIN}"+password+"\n"), 0o644); err != nil {
		t.Fatalf("imaptest: write passwd-file: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatalf("imaptest: write passwd-file: %v", err)
	}
	u.Password = password
}

// Dial returns a client logged in as the user, closed when the test ends.
func (u *User) Dial(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(u.Server.Addr, nil)
	if err != nil {
		t.Fatalf("imaptest: dial %s: %v", u.Server.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatalf("imaptest: login %s: %v", u.Name, err)
	}
	return c
}

// Append adds raw to folder with the given flags and returns its UID.
func (u *User) Append(t testing.TB, folder string, raw []byte, flags ...imap.Flag) uint32 {
	t.Helper()
	return u.AppendWith(t, u.Dial(t), folder, raw, flags...)
}

// AppendWith is Append over an existing client (faster when appending many).
func (u *User) AppendWith(t testing.TB, c *imapclient.Client, folder string, raw []byte, flags ...imap.Flag) uint32 {
	t.Helper()
	cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("imaptest: append: %v", err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("imaptest: append: %v", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		t.Fatalf("imaptest: append to %s: %v", folder, err)
	}
	return uint32(data.UID)
}

// AppendMany adds the messages to folder over c, pipelined (much faster than one by one), and
// returns their UIDs in order.
func (u *User) AppendMany(t testing.TB, c *imapclient.Client, folder string, raws [][]byte) []uint32 {
	t.Helper()
	cmds := make([]*imapclient.AppendCommand, len(raws))
	for i, raw := range raws {
		cmds[i] = c.Append(folder, int64(len(raw)), nil)
		if _, err := cmds[i].Write(raw); err != nil {
			t.Fatalf("imaptest: append: %v", err)
		}
		if err := cmds[i].Close(); err != nil {
			t.Fatalf("imaptest: append: %v", err)
		}
	}
	uids := make([]uint32, len(raws))
	for i, cmd := range cmds {
		data, err := cmd.Wait()
		if err != nil {
			t.Fatalf("imaptest: append to %s: %v", folder, err)
		}
		uids[i] = uint32(data.UID)
	}
	return uids
}

// CreateFolder creates a folder.
func (u *User) CreateFolder(t testing.TB, name string) {
	t.Helper()
	if err := u.Dial(t).Create(name, nil).Wait(); err != nil {
		t.Fatalf("imaptest: create %s: %v", name, err)
	}
}

// Folders lists the user's folders, sorted.
func (u *User) Folders(t testing.TB) []string {
	t.Helper()
	list, err := u.Dial(t).List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("imaptest: list: %v", err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
	}
	slices.Sort(names)
	return names
}

// Message is one message of a folder as the server holds it.
type Message struct {
	UID   uint32
	Flags []imap.Flag
	Size  int64
}

// Has reports whether the message carries flag.
func (m Message) Has(flag imap.Flag) bool { return slices.Contains(m.Flags, flag) }

// Folder reads a folder: its UIDVALIDITY and its messages in UID order. EXAMINE, so reading
// changes nothing.
func (u *User) Folder(t testing.TB, folder string) (uidValidity uint32, msgs []Message) {
	t.Helper()
	c := u.Dial(t)
	defer c.Close()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("imaptest: examine %s: %v", folder, err)
	}
	if sel.NumMessages == 0 {
		return sel.UIDValidity, nil
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	bufs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true}).Collect()
	if err != nil {
		t.Fatalf("imaptest: fetch %s: %v", folder, err)
	}
	for _, b := range bufs {
		msgs = append(msgs, Message{UID: uint32(b.UID), Flags: b.Flags, Size: b.RFC822Size})
	}
	slices.SortFunc(msgs, func(a, b Message) int { return int(a.UID) - int(b.UID) })
	return sel.UIDValidity, msgs
}

// Raw builds a small, well-formed message (CRLF line ends, as IMAP stores them) whose subject
// and Message-ID carry n, padded with body text to at least size bytes.
func Raw(n int, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Student %d <student%d@uni.example>\r\n", n, n)
	b.WriteString("To: servicedesk@uni.example\r\n")
	fmt.Fprintf(&b, "Subject: Printer on floor %d is jammed\r\n", n)
	fmt.Fprintf(&b, "Message-ID: <%d.%s@uni.example>\r\n", n, randomHex(6))
	b.WriteString("Date: " + time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).Format(time.RFC1123Z) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "Hello, the printer on floor %d has been jammed since this morning.\r\n", n)
	for b.Len() < size {
		b.WriteString("It shows error E-203 and the paper tray will not open; could someone look at it?\r\n")
	}
	return []byte(b.String())
}
