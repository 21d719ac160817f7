package mail_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// authMessage is a message from from whose headers start with the given Authentication-Results
// (each "id; results", topmost first) and any other header lines.
func authMessage(from, subject string, headers ...string) []byte {
	var b strings.Builder
	for _, h := range headers {
		if strings.Contains(h, ":") && !strings.Contains(h, ";") {
			b.WriteString(h + "\r\n")
			continue
		}
		b.WriteString("Authentication-Results: " + h + "\r\n")
	}
	b.WriteString("Received: from mail.sender.example (mail.sender.example [192.0.2.7])\r\n\tby mx.uni.example with ESMTPS; Mon, 2 Mar 2026 09:00:00 +0000\r\n")
	fmt.Fprintf(&b, "From: %s\r\nTo: servicedesk@uni.example\r\nSubject: %s\r\nMessage-ID: <%x@sender.example>\r\n", from, subject, len(b.String())+len(subject))
	b.WriteString("Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy screen is broken.\r\n")
	return []byte(b.String())
}

// TestAuthVerdict reads the receiving server's verdicts from real messages: only a header whose
// authserv-id is the trusted one counts, and of those only the topmost (the last added); DMARC
// decides where it passed or failed for the From's domain, else SPF or DKIM passing for a domain
// aligned with the From's passes and neither passing aligned with one failing aligned fails
// (results for other domains count for nothing); comments (even with ";" inside) and folded
// lines are read; the From's domain, subdomains included, is the university's or not.
func TestAuthVerdict(t *testing.T) {
	check := mail.AuthCheck{ServID: "mx.uni.example", OwnDomains: []string{"uni.example", " Alumni.Example "}}
	const dan = "Dan Dawson <ddawson@uni.example>"
	cases := []struct {
		name    string
		from    string
		headers []string
		check   *mail.AuthCheck
		want    desk.MailAuth
	}{
		{"dmarc pass", dan, []string{"mx.uni.example; dmarc=pass header.from=uni.example; spf=pass smtp.mailfrom=uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dmarc", OwnDomain: true}},
		{"dmarc fail", dan, []string{"mx.uni.example; spf=pass smtp.mailfrom=evil.example; dkim=none; dmarc=fail (p=reject; dis=none) header.from=uni.example"},
			nil, desk.MailAuth{Result: "fail", Method: "dmarc", OwnDomain: true}},
		{"an untrusted id only", dan, []string{"evil.example; dmarc=pass header.from=uni.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"untrusted pass above trusted fail", dan, []string{"evil.example; dmarc=pass header.from=uni.example", "mx.uni.example; dmarc=fail header.from=uni.example"},
			nil, desk.MailAuth{Result: "fail", Method: "dmarc", OwnDomain: true}},
		{"a forged trusted pass below the real one", dan, []string{"mx.uni.example; dmarc=fail header.from=uni.example", "mx.uni.example; dmarc=pass header.from=uni.example"},
			nil, desk.MailAuth{Result: "fail", Method: "dmarc", OwnDomain: true}},
		{"no dmarc, spf and dkim fail", dan, []string{"mx.uni.example; spf=softfail smtp.mailfrom=uni.example; dkim=fail header.d=uni.example"},
			nil, desk.MailAuth{Result: "fail", Method: "spf+dkim", OwnDomain: true}},
		{"no dmarc, spf fails, unsigned", dan, []string{"mx.uni.example; spf=fail smtp.mailfrom=uni.example; dkim=none"},
			nil, desk.MailAuth{Result: "fail", Method: "spf+dkim", OwnDomain: true}},
		{"dmarc none, dkim passes", dan, []string{"mx.uni.example; dmarc=none header.from=uni.example; spf=softfail smtp.mailfrom=uni.example; dkim=pass header.d=uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dkim", OwnDomain: true}},
		{"no dmarc, spf passes", dan, []string{"mx.uni.example; spf=pass smtp.mailfrom=uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "spf", OwnDomain: true}},
		{"temporary errors decide nothing", dan, []string{"mx.uni.example; spf=temperror smtp.mailfrom=uni.example; dkim=temperror"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"no header", dan, nil, nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"the id in another case, version, folded, comments", dan, []string{"MX.Uni.Example 1;\r\n\tspf=pass (mx.uni.example: domain of ddawson@uni.example;\r\n designates 192.0.2.7 as permitted sender) smtp.mailfrom=ddawson@uni.example;\r\n\tdkim=pass (2048-bit key) header.d=uni.example header.i=@uni.example;\r\n\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dmarc", OwnDomain: true}},
		{"a subdomain is own", "Cat <ccarter@cs.uni.example>", []string{"mx.uni.example; dmarc=fail header.from=cs.uni.example"},
			nil, desk.MailAuth{Result: "fail", Method: "dmarc", OwnDomain: true}},
		{"another own domain", "Old <old@alumni.example>", []string{"mx.uni.example; dmarc=pass header.from=alumni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dmarc", OwnDomain: true}},
		{"outside the university", "Sam <sam@supplier.example>", []string{"mx.uni.example; dmarc=fail header.from=supplier.example"},
			nil, desk.MailAuth{Result: "fail", Method: "dmarc"}},
		{"a lookalike domain is not own", "Dan <ddawson@evil-uni.example>", []string{"mx.uni.example; dmarc=pass header.from=evil-uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dmarc"}},
		// Alignment (RFC 7489 3.1, relaxed): SPF and DKIM count only for the From's domain.
		{"dkim passes for another domain, dmarc none (reviewer)", dan, []string{"mx.uni.example; dkim=pass header.d=attacker.example; dmarc=none header.from=uni.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"spf passes for another domain (reviewer)", dan, []string{"mx.uni.example; spf=pass smtp.mailfrom=bounce@attacker.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"lookalikes of the From's domain are not aligned", dan, []string{"mx.uni.example; dkim=pass header.d=evil-uni.example; spf=pass smtp.mailfrom=bounce@uni.example.attacker.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"a top-level domain is aligned with nothing", dan, []string{"mx.uni.example; dkim=pass header.d=example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"a result naming no domain is not aligned", dan, []string{"mx.uni.example; dkim=pass; spf=fail"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"dkim aligned by a subdomain of the From's", dan, []string{"mx.uni.example; spf=pass smtp.mailfrom=bounce@attacker.example; dkim=pass header.d=mail.UNI.example."},
			nil, desk.MailAuth{Result: "pass", Method: "dkim", OwnDomain: true}},
		{"dkim aligned by header.i without header.d", dan, []string{"mx.uni.example; dkim=pass header.i=ddawson@uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dkim", OwnDomain: true}},
		{"dkim aligned by the parent of the From's", "Cat <ccarter@cs.uni.example>", []string{"mx.uni.example; dkim=pass header.d=uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dkim", OwnDomain: true}},
		{"spf aligned by a sibling under an own domain", "Cat <ccarter@cs.uni.example>", []string{"mx.uni.example; spf=pass smtp.mailfrom=bounce@lists.uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "spf", OwnDomain: true}},
		{"spf by helo when mail from is empty", dan, []string{"mx.uni.example; spf=pass smtp.helo=mx1.uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "spf", OwnDomain: true}},
		{"spf by helo when mail from is the null path", dan, []string{"mx.uni.example; spf=pass smtp.mailfrom=<> smtp.helo=mx1.uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "spf", OwnDomain: true}},
		{"quoted values", dan, []string{`mx.uni.example; dkim=pass header.d="uni.example"; dmarc=none header.from="uni.example"`},
			nil, desk.MailAuth{Result: "pass", Method: "dkim", OwnDomain: true}},
		{"spf mail from quoted, in angle brackets", dan, []string{`mx.uni.example; spf=fail smtp.mailfrom="<ddawson@uni.example>"`},
			nil, desk.MailAuth{Result: "fail", Method: "spf+dkim", OwnDomain: true}},
		{"spf mail from decides over helo", dan, []string{"mx.uni.example; spf=pass smtp.mailfrom=bounce@attacker.example smtp.helo=mx1.uni.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"siblings outside the own domains are not aligned", "Sam <sam@sales.supplier.example>", []string{"mx.uni.example; dkim=pass header.d=mail.supplier.example"},
			nil, desk.MailAuth{Result: "none"}},
		{"an aligned pass outside the own domains", "Sam <sam@supplier.example>", []string{"mx.uni.example; dkim=pass header.d=supplier.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dkim"}},
		{"unaligned passes and an aligned fail", dan, []string{"mx.uni.example; spf=fail smtp.mailfrom=ddawson@uni.example; dkim=pass header.d=attacker.example; spf=pass smtp.mailfrom=attacker.example"},
			nil, desk.MailAuth{Result: "fail", Method: "spf+dkim", OwnDomain: true}},
		{"an aligned pass beside an aligned fail", dan, []string{"mx.uni.example; spf=softfail smtp.mailfrom=uni.example; dkim=pass header.d=uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dkim", OwnDomain: true}},
		{"an unaligned fail says nothing of the From", dan, []string{"mx.uni.example; spf=fail smtp.mailfrom=bounce@attacker.example; dkim=fail header.d=attacker.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"dmarc pass for another header.from", dan, []string{"mx.uni.example; dkim=pass header.d=attacker.example; dmarc=pass header.from=attacker.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"dmarc fail for another header.from, aligned dkim passes", dan, []string{"mx.uni.example; dmarc=fail header.from=other.example; dkim=pass header.d=uni.example"},
			nil, desk.MailAuth{Result: "pass", Method: "dkim", OwnDomain: true}},
		{"dmarc pass for a subdomain's header.from is not the From's", dan, []string{"mx.uni.example; dmarc=pass header.from=cs.uni.example"},
			nil, desk.MailAuth{Result: "none", OwnDomain: true}},
		{"dmarc without header.from decides", dan, []string{"mx.uni.example; dmarc=fail; dkim=pass header.d=uni.example"},
			nil, desk.MailAuth{Result: "fail", Method: "dmarc", OwnDomain: true}},
		{"no trusted server configured", dan, []string{"mx.uni.example; dmarc=fail header.from=uni.example"},
			&mail.AuthCheck{OwnDomains: []string{"uni.example"}}, desk.MailAuth{Result: "none", OwnDomain: true}},
	}
	for _, tc := range cases {
		m, err := mail.Parse(authMessage(tc.from, tc.name, tc.headers...), mail.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c := check
		if tc.check != nil {
			c = *tc.check
		}
		if got := c.Verdict(m.AuthResults(), m.From.Addr); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if !(desk.MailAuth{Result: "fail", Method: "dmarc", OwnDomain: true}).Unverified() || (desk.MailAuth{Result: "fail", Method: "dmarc"}).Unverified() ||
		(desk.MailAuth{Result: "none", OwnDomain: true}).Unverified() {
		t.Errorf("only a failed own-domain sender is unverified")
	}
}

// TestIntakeQuarantinesUnverified: through the Intake and the store (both engines), mail that
// claims a known person's university address and fails DMARC at the trusted server opens no call
// and joins none, even when it answers one: it waits in quarantine, credited to nobody; a
// verified one opens a call that records its verdict, as does one without a verdict, or with
// passes only for other domains than the From's (not aligned); an aligned fail beside unaligned
// passes is quarantined.
func TestIntakeQuarantinesUnverified(t *testing.T) {
	storetest.EachEnv(t, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), func(t *testing.T, e *storetest.Env) {
		ctx := context.Background()
		in := &mail.Intake{Store: e.S, GroupID: e.F.ServiceDesk.ID, Domain: "desk.uni.example", Rules: store.IngestRules{PerSenderHour: 100},
			Log: slog.New(slog.DiscardHandler), Auth: mail.AuthCheck{ServID: "mx.uni.example", OwnDomains: []string{"uni.example"}}}
		uid := uint32(0)
		deliver := func(raw []byte) (disposition, reason string, call int64) {
			t.Helper()
			uid++
			if err := in.Deliver(ctx, mail.Delivery{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, Raw: raw, Size: int64(len(raw))}); err != nil {
				t.Fatal(err)
			}
			var c *int64
			if err := e.DB.QueryRow(e.DB.Rebind(`SELECT disposition, reason, call_id FROM mail_messages WHERE uid = ?`), uid).Scan(&disposition, &reason, &c); err != nil {
				t.Fatal(err)
			}
			if c != nil {
				call = *c
			}
			return disposition, reason, call
		}
		dan := "Dan Dawson <" + e.F.Dan.Email + ">"

		d, _, callID := deliver(authMessage(dan, "Screen broken", "mx.uni.example; dkim=pass header.d=uni.example; dmarc=pass header.from=uni.example"))
		if d != store.MailNewCall || callID == 0 {
			t.Fatalf("a verified message: %s, call %d", d, callID)
		}
		// With a file, its entry and the call (its description) both show the verdict.
		raw := strings.Replace(string(authMessage(dan, "Screen photo", "mx.uni.example; dmarc=pass header.from=uni.example")),
			"Content-Type: text/plain; charset=utf-8\r\n\r\nMy screen is broken.\r\n",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nphoto attached\r\n"+
				"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nnotes\r\n--b--\r\n", 1)
		if d, _, withFile := deliver([]byte(raw)); d != store.MailNewCall {
			t.Fatalf("a verified message with a file: %s", d)
		} else if auth, err := e.S.MailAuthOfCall(ctx, withFile); err != nil || len(auth) != 2 || auth[0].Result != "pass" {
			t.Fatalf("the verdicts of a call opened with a file: %+v %v", auth, err)
		}
		auth, err := e.S.MailAuthOfCall(ctx, callID)
		if err != nil || auth[0] != (desk.MailAuth{Result: "pass", Method: "dmarc", OwnDomain: true}) {
			t.Fatalf("the call's verdict: %+v %v", auth, err)
		}
		var kind string
		var number int64
		if err := e.DB.QueryRow(e.DB.Rebind(`SELECT kind, number FROM calls WHERE id = ?`), callID).Scan(&kind, &number); err != nil {
			t.Fatal(err)
		}
		ref := desk.Reference(desk.CallKind(kind), number)

		// Forged: a new call, and a reply naming Dan's call, both fail DMARC.
		for _, subject := range []string{"Please reset my password", "Re: [" + ref + "] Screen broken"} {
			d, reason, call := deliver(authMessage(dan, subject, "evil.example; dmarc=pass", "mx.uni.example; spf=pass smtp.mailfrom=evil.example; dmarc=fail header.from=uni.example"))
			if d != store.MailQuarantine || call != 0 || !strings.Contains(reason, "sender could not be verified") || !strings.Contains(reason, "DMARC failed") {
				t.Errorf("%s: %s (%s), call %d", subject, d, reason, call)
			}
		}
		diary, err := e.S.Diary(ctx, callID, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range diary {
			if en.Kind == desk.EntryEmail {
				t.Errorf("the forged reply reached the diary: %+v", en)
			}
		}
		if n := e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE customer_id = ?`, e.F.Dan.ID); n != 2 {
			t.Errorf("Dan has %d calls", n)
		}

		// No verdict (the header of another server only): taken in, the verdict recorded.
		d, _, callID = deliver(authMessage(dan, "Printer", "evil.example; dmarc=pass header.from=uni.example"))
		if d != store.MailNewCall {
			t.Fatalf("a message without a verdict: %s", d)
		}
		if auth, err := e.S.MailAuthOfCall(ctx, callID); err != nil || auth[0] != (desk.MailAuth{Result: "none", OwnDomain: true}) {
			t.Errorf("its verdict: %+v %v", auth, err)
		}

		// An attacker's own DKIM signature or SPF pass vouches for the attacker's domain, not the
		// From's: no verdict on the sender (taken in, and warned of), not a pass.
		for i, h := range []string{"mx.uni.example; dkim=pass header.d=attacker.example; dmarc=none header.from=uni.example",
			"mx.uni.example; spf=pass smtp.mailfrom=bounce@attacker.example"} {
			d, _, callID = deliver(authMessage(dan, fmt.Sprintf("Unaligned %d", i), h))
			if d != store.MailNewCall {
				t.Fatalf("%s: %s", h, d)
			}
			if auth, err := e.S.MailAuthOfCall(ctx, callID); err != nil || auth[0] != (desk.MailAuth{Result: "none", OwnDomain: true}) || !auth[0].Warn() {
				t.Errorf("%s: its verdict %+v %v", h, auth, err)
			}
		}
		// Unaligned passes beside a fail for the From's own domain: a fail, quarantined.
		d, reason, call := deliver(authMessage(dan, "Unaligned pass, aligned fail", "mx.uni.example; dkim=pass header.d=attacker.example; spf=fail smtp.mailfrom=ddawson@uni.example"))
		if d != store.MailQuarantine || call != 0 || !strings.Contains(reason, "SPF and DKIM failed") {
			t.Errorf("an aligned fail with only unaligned passes: %s (%s), call %d", d, reason, call)
		}
	})
}
