package mail

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestDigest (issue 14 point 1): the digest is what the sender wrote, as read. Two deliveries of one
// message (other trace headers, other line ends, refolded headers) have the same digest, and a
// message without a Message-ID the same stand-in key; a different message has another digest,
// whatever its Message-ID.
func TestDigest(t *testing.T) {
	read := func(name string) []byte {
		t.Helper()
		raw, err := os.ReadFile("testdata/inbound/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	parse := func(raw []byte) *Message { return mustParse(t, raw) }
	a, b := read("dedup-twice-servicedesk.eml"), read("dedup-twice-it-help.eml")
	if bytes.Equal(a, b) || !bytes.Contains(b, []byte("\r\n")) {
		t.Fatal("the two deliveries should differ in their bytes and line ends")
	}
	ma, mb := parse(a), parse(b)
	if ma.Digest == "" || ma.Digest != mb.Digest || ma.Key != mb.Key {
		t.Errorf("one message delivered twice: digests %q and %q, keys %q and %q", ma.Digest, mb.Digest, ma.Key, mb.Key)
	}
	r1, r2 := parse(read("dedup-reused-id-1.eml")), parse(read("dedup-reused-id-2.eml"))
	if r1.Key != r2.Key || r1.Digest == r2.Digest {
		t.Errorf("two messages with one Message-ID: keys %q and %q, digests %q and %q", r1.Key, r2.Key, r1.Digest, r2.Digest)
	}

	same := []struct{ what, raw string }{
		{"relay headers added on top", "ARC-Seal: i=1; a=rsa-sha256; cv=none\nDKIM-Signature: v=1; d=example.ac.uk; b=abc\n" +
			"Authentication-Results: mx.example.ac.uk; dmarc=pass\nX-MS-Exchange-Organization-SCL: 1\n" + string(a)},
		{"the subject folded by a relay", strings.Replace(string(a), "Subject: Wi-Fi keeps dropping in the Chemistry building",
			"Subject: Wi-Fi keeps dropping\n in the Chemistry building", 1)},
		{"blank lines added at the end", string(a) + "\n\n"},
		{"CRLF line ends", strings.ReplaceAll(string(a), "\n", "\r\n")},
		{"a line of junk before the headers", "---- Original email message ----\n" + string(a)},
		{"the date written in another zone", strings.Replace(string(a), "Wed, 09 Dec 2026 13:45:09 +0000", "Wed, 9 Dec 2026 14:45:09 +0100", 1)},
	}
	for _, c := range same {
		if d := parse([]byte(c.raw)).Digest; d != ma.Digest {
			t.Errorf("%s: another digest", c.what)
		}
	}
	other := []struct{ what, raw string }{
		{"a word of the body changed", strings.Replace(string(a), "every few minutes", "every few hours", 1)},
		{"another recipient", strings.Replace(string(a), "Cc: IT Help <it-help@example.ac.uk>", "Cc: Estates <estates@example.ac.uk>", 1)},
		{"another date", strings.Replace(string(a), "13:45:09", "14:45:09", 1)},
		{"another subject", strings.Replace(string(a), "Chemistry building\n", "Physics building\n", 1)},
	}
	for _, c := range other {
		if d := parse([]byte(c.raw)).Digest; d == ma.Digest {
			t.Errorf("%s: the same digest", c.what)
		}
	}

	// Without a Message-ID, two deliveries still share a stand-in key, and different messages do not.
	noID := func(s string) string {
		return strings.Replace(s, "Message-ID: <CAH7pShah+twice-Q9xv@mail.example.ac.uk>\n", "", 1)
	}
	na, nb := parse([]byte(noID(string(a)))), parse([]byte(strings.ReplaceAll(noID(strings.ReplaceAll(string(b), "\r\n", "\n")), "\n", "\r\n")))
	if na.MessageID != "" || !strings.HasPrefix(na.Key, "sha256:") || na.Key != nb.Key {
		t.Errorf("one message without a Message-ID delivered twice: keys %q and %q", na.Key, nb.Key)
	}
	if nc := parse([]byte(noID(other[0].raw))); nc.Key == na.Key {
		t.Error("two different messages without a Message-ID have one key")
	}

	// A message that cannot be read: its bytes, with line ends normalised.
	if RawDigest([]byte("junk\r\nmore junk\r\n")) != RawDigest([]byte("junk\nmore junk\n")) || RawDigest([]byte("junk")) == RawDigest([]byte("junk2")) {
		t.Error("RawDigest does not normalise line ends, or mixes two messages up")
	}
}

// TestDigestReencoded (issue 14 fix, defect 7): a relay that re-encodes a message (an 8bit body
// made quoted-printable for a server without 8BITMIME, base64 rewrapped, CRLF line ends, the
// Date rewritten in another zone, trace headers added) leaves what it says unchanged, and so its
// digest: the three dedup-reencoded files are one message. Before, the digest hashed the body's
// bytes and its Content-Transfer-Encoding, and the second delivery counted as a different
// message reusing the Message-ID. One word of the text, or one byte of the attachment, changed
// makes another message.
func TestDigestReencoded(t *testing.T) {
	parse := func(raw []byte) *Message { return mustParse(t, raw) }
	var digests []string
	var eight []byte
	for _, name := range []string{"dedup-reencoded-8bit.eml", "dedup-reencoded-qp.eml", "dedup-reencoded-base64.eml"} {
		raw, err := os.ReadFile("testdata/inbound/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if eight == nil {
			eight = raw
		}
		digests = append(digests, parse(raw).Digest)
	}
	if digests[0] == "" || digests[0] != digests[1] || digests[0] != digests[2] {
		t.Errorf("one message in 8bit, quoted-printable and base64: digests %q", digests)
	}
	base := parse(eight)
	if len(base.Attachments) != 1 || !strings.Contains(base.Text, "Hôtel de Ville") {
		t.Fatalf("the 8bit message reads as %q with %d attachments", base.Text, len(base.Attachments))
	}
	// The attachment's last line, "MDg6MDk7Q0FGRS0wMjsweDFGCg==", is "08:09;CAFE-02;0x1F\n": one
	// byte changed is "0x1E".
	for what, raw := range map[string]string{
		"a word of the text changed":       strings.Replace(string(eight), "refuses\nevery card", "refuses\nmost cards", 1),
		"a byte of the attachment changed": strings.Replace(string(eight), "MDg6MDk7Q0FGRS0wMjsweDFGCg==", "MDg6MDk7Q0FGRS0wMjsweDFFCg==", 1),
		"the attachment renamed":           strings.ReplaceAll(string(eight), "card-reader.csv", "card-reader-2.csv"),
	} {
		m := parse([]byte(raw))
		if raw == string(eight) {
			t.Fatalf("%s: the test changed nothing", what)
		}
		if m.Digest == base.Digest {
			t.Errorf("%s: the same digest", what)
		}
	}
}

// mustParse is Parse(raw) with the default limits, which must succeed.
func mustParse(t *testing.T, raw []byte) *Message {
	t.Helper()
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
