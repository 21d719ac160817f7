package mail

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Intake takes one mailbox's messages into calldesk: its Deliver is the mailbox's Fetcher's
// DeliverFunc. It parses each message and has the store decide and record what it becomes, in
// one transaction (store.IngestMail); only a failure to reach the database is returned, so that
// the fetcher offers the message again. A message that cannot be read, is too large, or is
// refused by the store's checks is recorded as such and never stops the mailbox.
type Intake struct {
	Store *store.Store
	// GroupID and ProfileID are the mailbox's defaults for a new call (0: none).
	GroupID, ProfileID int64
	// Domain is calldesk's Message-ID domain: a message whose own Message-ID is one of ours is
	// our own mail come back (a loop).
	Domain string
	Limits Limits
	// Rules are the store's rules for taking mail in; StaffRoles, when empty, are the roles
	// that work calls in the capability table (access.RolesWith(access.WorkCalls)).
	Rules store.IngestRules
	// Auth reads the university's mail server's verdict on each message's sender: mail from an
	// own domain that fails it is quarantined by the store (desk.MailAuth.Unverified).
	Auth AuthCheck
	// Notices, when set, are the templates of the polite notice that tells the sender of a
	// message refused as too large why, and what to do (nil: none is sent, as when calldesk sends
	// no email). No notice ever goes to Own, calldesk's own addresses (its sender's, its
	// mailboxes'), nor to an address of OwnDomain, a mail domain of calldesk's own ("" for none:
	// not the university's domain, or none of its people would be told).
	Notices   *Templates
	Own       []string
	OwnDomain string
	Log       *slog.Logger
}

// Deliver takes one message.
func (in *Intake) Deliver(ctx context.Context, d Delivery) error {
	m := store.InMail{Mailbox: d.Mailbox, UIDValidity: d.UIDValidity, UID: d.UID, Raw: d.Raw,
		GroupID: in.GroupID, ProfileID: in.ProfileID}
	switch max := in.limits().MessageMax; {
	case d.Oversized:
		// The fetcher brought only the header (BODY.PEEK[HEADER]).
		m.Digest = RawDigest(d.Raw)
		in.refuseLarge(&m, d.Raw, d.Size, "place:"+d.Key())
	case int64(len(d.Raw)) > max:
		// Over the limit Parse would refuse it by: the same refusal, with the same notice.
		m.Digest = RawDigest(d.Raw)
		in.refuseLarge(&m, headerOf(d.Raw), int64(len(d.Raw)), "sha256:"+m.Digest)
	default:
		if msg, err := Parse(d.Raw, in.Limits); err != nil {
			m.Digest = RawDigest(d.Raw)
			m.MessageID, m.Rejected = "sha256:"+m.Digest, desk.Message(err)
		} else {
			in.fill(&m, msg)
			return in.take(ctx, d, m, msg.Problems)
		}
	}
	return in.take(ctx, d, m, nil)
}

// take has the store take m in, recording it as refused when the store cannot take what it
// would make, and logs what it became with the problems the reader met in it (Message.Problems).
func (in *Intake) take(ctx context.Context, d Delivery, m store.InMail, problems []string) error {
	rules := in.Rules
	if len(rules.StaffRoles) == 0 {
		rules.StaffRoles = access.RolesWith(access.WorkCalls)
	}
	res, err := in.Store.IngestMail(ctx, m, rules)
	if code := desk.ErrorCode(err); code == desk.EINVALID || code == desk.ENOTFOUND {
		// The store refused what the message would have made (a field it cannot take): keep the
		// message, refused, rather than offer it again for ever.
		m.Rejected = "calldesk could not take it: " + desk.Message(err)
		res, err = in.Store.IngestMail(ctx, m, rules)
	}
	if err != nil {
		return fmt.Errorf("mailbox %s, message %s: %w", d.Mailbox, d.Key(), err)
	}
	lvl := slog.LevelInfo
	if res.Disposition == store.MailRejected || res.Disposition == store.MailQuarantine {
		lvl = slog.LevelWarn
	}
	attrs := []any{"mailbox", d.Mailbox, "key", d.Key(), "message_id", m.MessageID,
		"disposition", res.Disposition, "call", res.CallRef, "duplicate", res.Duplicate, "reason", res.Reason}
	if len(problems) > 0 {
		attrs = append(attrs, "problems", strings.Join(problems, " | "))
	}
	in.log().Log(ctx, lvl, "mail taken in", attrs...)
	return nil
}

// repairKinds sort the reader's problems (Message.Problems, loggable lines whose words parse.go
// chooses) into those that change what a support analyst reads, each with the few words the
// diary says of it. A problem matches a kind when its line holds all of the kind's words; those
// that match none (an unreadable Date, a part's decoding error enmime repaired, a From read from
// its Sender) are logged only.
var repairKinds = []struct {
	words []string
	note  string
}{
	{[]string{"before the headers skipped"}, "lines of junk before the headers skipped"},
	{[]string{"no blank line after the header"}, "the end of the header, which had no blank line after it, found"},
	{[]string{"before", "MIME boundary", "kept"}, "the text before the MIME parts kept"},
	{[]string{"0x80", "removed"}, "0x80 bytes, taken for NUL bytes, removed"},
	{[]string{"; read as "}, "a character set guessed"},
	{[]string{"To header:", "left out"}, "a member of To that is not an address left out"},
	{[]string{"Cc header:", "left out"}, "a member of Cc that is not an address left out"},
}

// repairs are the notes for the diary of those of problems that change what an analyst reads
// (repairKinds), each once, in the order of repairKinds.
func repairs(problems []string) []string {
	var notes []string
	for _, k := range repairKinds {
		var as []string // for a guessed charset: what the text was read as
		found := false
		for _, p := range problems {
			all := true
			for _, w := range k.words {
				all = all && strings.Contains(p, w)
			}
			if !all {
				continue
			}
			found = true
			if _, what, ok := strings.Cut(p, "; read as "); ok && !slices.Contains(as, what) {
				as = append(as, what)
			}
		}
		switch {
		case !found:
		case len(as) > 0:
			notes = append(notes, k.note+" (read as "+strings.Join(as, ", ")+")")
		default:
			notes = append(notes, k.note)
		}
	}
	return notes
}

// logoMax is the size below which an inline image that the message's HTML shows by a cid: link
// may be a logo or an icon of a signature, which comes again with every message of a thread (see
// signatureImages for where it must be to be left out). Any other part is kept whatever its size:
// a small PDF, a CSV or a screenshot are what the sender sent.
const logoMax = 8 << 10

// isLogo says whether a is small enough, and of the kind, to be a signature's logo: an inline
// image under logoMax with a Content-ID.
func isLogo(a Attachment) bool {
	return a.Inline && a.Size < logoMax && strings.HasPrefix(a.ContentType, "image/") && a.ContentID != ""
}

// signatureImages are the Content-IDs (lower case) of the small inline images of msg (isLogo)
// that are a signature's, and so left out. Outlook sends a pasted screenshot exactly as it sends
// a logo (image001.png, a Content-ID, a cid: link), so neither the name nor the size can tell them
// apart. One is a signature's when
//   - its bytes (SHA-256) are those of another small inline image of the message: a logo comes
//     again in the quoted history of every reply, a screenshot is pasted once;
//   - it stands inside a block the HTML marks as the signature (Gmail's gmail_signature,
//     Outlook's id="Signature", Thunderbird's moz-signature, Apple Mail's AppleMailSignature); or
//   - its cid: link comes after the end of the message's new text (Text's last words, found in the
//     HTML's text before the link), and either it is in the quoted history (the words FullText
//     has after Text come before it too), or another part of the message is kept, or the new text
//     ends with a sign-off ("Kind regards", a name, a phone number) below text of its own that
//     does not speak of a picture: an image right after such a signature is its logo.
//
// None is when the message has no text of its own: its images are its content. An image above or
// within the new text (a screenshot between two sentences) is kept unless it is marked or repeated,
// and so is one pasted below a bare name (a screenshot sent with nothing else to say).
//
// The work is linear in the size of the message: the HTML is converted to text once (convert is
// htmlToText; tests count its calls), with a marker before the link of each of the first
// positionsMax images, and the images after those are judged by the cheap signals only (bytes and
// marked blocks), so that a crafted message with thousands of images cannot hold up its mailbox.
func signatureImages(msg *Message, convert func(string) (string, error)) map[string]bool {
	var cands []string
	count := map[[sha256.Size]byte]int{}
	sum := map[string][sha256.Size]byte{}
	for _, a := range msg.Attachments {
		if !isLogo(a) {
			continue
		}
		id := strings.ToLower(a.ContentID)
		if _, dup := sum[id]; dup {
			continue
		}
		cands = append(cands, id)
		sum[id] = sha256.Sum256(a.Content)
		count[sum[id]]++
	}
	text := words(msg.Text)
	if len(cands) == 0 || text == "" {
		return nil
	}
	// The offsets below are the lower-case HTML's, which the converter reads too (words are
	// compared in lower case anyway).
	lower := strings.ToLower(msg.HTML)
	links := cidLinks(lower)
	blocks := signatureBlocks(lower)
	after, inHistory := positions(msg, lower, cands, links, text, convert)
	otherKept := false
	for _, a := range msg.Attachments {
		if !isLogo(a) {
			otherKept = true
		}
	}
	for i, id := range cands {
		if i < positionsMax && !after[id] {
			otherKept = true
		}
	}
	signed := signedOff(msg.Text)
	sig := map[string]bool{}
	for _, id := range cands {
		at, linked := links[id]
		inBlock := false
		for _, b := range blocks {
			inBlock = inBlock || linked && b[0] <= at && at < b[1]
		}
		if count[sum[id]] > 1 || inBlock || inHistory[id] || after[id] && (otherKept || signed) {
			sig[id] = true
		}
	}
	return sig
}

// positionsMax is how many of a message's small inline images are placed in its text (see
// signatureImages): more than any real signature and thread hold.
const positionsMax = 50

// positions says which of the first positionsMax candidates' cid: links come after the end of the
// new text (after), and which after the start of the quoted history too (inHistory), converting
// the HTML (lower, with links the offsets of its cid: links) to text once.
func positions(msg *Message, lower string, cands []string, links map[string]int, text string, convert func(string) (string, error)) (after, inHistory map[string]bool) {
	after, inHistory = map[string]bool{}, map[string]bool{}
	if strings.Contains(lower, markWord) {
		return after, inHistory // the message holds the marker itself: place nothing
	}
	// A marker (letters only, so that it passes through the converter as a word) before the tag
	// that holds each link.
	var at []int
	idx := map[int]string{}
	for _, id := range cands[:min(len(cands), positionsMax)] {
		o, ok := links[id]
		if !ok {
			continue
		}
		if lt := strings.LastIndexByte(lower[:o], '<'); lt >= 0 && !strings.Contains(lower[lt:o], ">") {
			o = lt
		}
		if _, taken := idx[o]; !taken {
			at = append(at, o)
		}
		idx[o] = idx[o] + " " + id
	}
	if len(at) == 0 {
		return after, inHistory
	}
	slices.Sort(at)
	var b strings.Builder
	prev := 0
	for n, o := range at {
		b.WriteString(lower[prev:o])
		b.WriteString(" " + markWord + letters(n) + "q ")
		prev = o
	}
	b.WriteString(lower[prev:])
	converted, err := convert(b.String())
	if err != nil {
		return after, inHistory
	}
	// The text's words, and where in them each marker stood.
	var all strings.Builder
	offset := map[int]int{}
	rest := converted
	for {
		m := markRE.FindStringSubmatchIndex(rest)
		if m == nil {
			all.WriteString(words(rest))
			break
		}
		all.WriteString(words(rest[:m[0]]))
		offset[unletters(rest[m[2]:m[3]])] = all.Len()
		rest = rest[m[1]:]
	}
	w := all.String()
	tail := lastRunes(text, wordsMatched)
	end := strings.Index(w, tail)
	if end < 0 {
		return after, inHistory
	}
	end += len(tail)
	// The history: what FullText has after the end of Text (its first occurrence: the history may
	// end as the new text does, "Thanks, Nadia").
	hist := -1
	if full := words(msg.FullText); strings.Contains(full, tail) {
		if h := firstRunes(full[strings.Index(full, tail)+len(tail):], wordsMatched); h != "" {
			if hist = strings.Index(w, h); hist >= 0 {
				hist += len(h)
			}
		}
	}
	for n, o := range at {
		off, ok := offset[n]
		if !ok {
			continue
		}
		for _, id := range strings.Fields(idx[o]) {
			after[id] = end <= off
			inHistory[id] = after[id] && hist >= 0 && hist <= off
		}
	}
	return after, inHistory
}

// markWord starts the markers positions puts in the HTML, which end in their number in letters
// and "q".
const markWord = "qqcalldeskimg"

var markRE = regexp.MustCompile(`(?i)` + markWord + `([a-p]+)q`)

// letters writes n in base 16 with the letters a to p, so that a marker is one word.
func letters(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%16)) + s
		if n /= 16; n == 0 {
			return s
		}
	}
}

func unletters(s string) int {
	n := 0
	for _, r := range strings.ToLower(s) {
		n = n*16 + int(r-'a')
	}
	return n
}

// signatureRE finds the start tag of a block that a mail client marks as the sender's signature.
var signatureRE = regexp.MustCompile(`<([a-z][a-z0-9]*)\b[^>]*\b(?:class|id)\s*=\s*["']?[^"'>]*\b(?:gmail_signature|signature|moz-signature|applemailsignature)\b[^>]*>`)

// signatureBlocks are the spans (start and end offsets) of the first few blocks of lower (an HTML
// body in lower case) marked as a signature, each up to the end tag that closes it (or the end of
// the HTML).
func signatureBlocks(lower string) [][2]int {
	var spans [][2]int
	for _, m := range signatureRE.FindAllStringSubmatchIndex(lower, 10) {
		name := lower[m[2]:m[3]]
		depth, at, end := 1, m[1], len(lower)
		for depth > 0 {
			i := strings.Index(lower[at:], name)
			if i < 0 {
				break
			}
			i += at
			at = i + len(name)
			switch {
			case i >= 2 && lower[i-2:i] == "</":
				if depth--; depth == 0 {
					end = i - 2
				}
			case i >= 1 && lower[i-1] == '<':
				depth++
			}
		}
		spans = append(spans, [2]int{m[0], end})
	}
	return spans
}

// signatureLines is how many lines a signature below a sign-off may have, the sign-off's included.
const signatureLines = 10

// signOffRE matches a line that closes a message above the sender's name.
var signOffRE = regexp.MustCompile(`(?i)^(?:(?:kind|best|warm|warmest|many)\s+(?:regards|wishes|thanks)|regards|thanks|thank you|cheers|best|sincerely|yours sincerely|yours faithfully|all the best)[,.!]?$`)

// pictureRE matches words with which a sender speaks of a picture they send.
var pictureRE = regexp.MustCompile(`(?i)screen\s?shot|screen\s?grab|picture|image|photo|below|attached|capture`)

// signedOff says whether text (a message's new text) ends with a signature under a sign-off
// ("Kind regards," then a few short lines) below words of its own that do not speak of a picture:
// an image after it is the signature's logo. A bare name, or text that points at a picture, is
// not: the image may be a screenshot pasted below.
func signedOff(text string) bool {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	// The last sign-off within the last lines: a "Thanks!" that opens the message is none.
	for i := len(lines) - 1; i >= max(0, len(lines)-signatureLines); i-- {
		if !signOffRE.MatchString(strings.TrimSpace(lines[i])) {
			continue
		}
		own := strings.Join(lines[:i], "\n")
		return words(own) != "" && !pictureRE.MatchString(own)
	}
	return false
}

// wordsMatched is how many letters and digits of the end of the new text (and of the start of
// the history) are looked for in the HTML before an image: enough not to be found by chance
// ("Ben" alone could be anywhere), few enough to be the same in the plain-text and HTML versions.
const wordsMatched = 40

// linkRE matches what the plain-text version of an HTML message writes for a link or an image
// and the HTML's text has not: Outlook's "<mailto:...>", "<https://...>" and "[cid:...]", and the
// converter's "( https://... )".
var linkRE = regexp.MustCompile(`(?i)<(?:https?|mailto|cid):[^>\s]*>|\[cid:[^\]]*\]|\( (?:https?|mailto):\S* \)`)

// words is s without links, as its letters and digits only, lower case: a form in which the
// plain-text version of a message and its HTML's text compare, whatever their layout.
func words(s string) string {
	s = linkRE.ReplaceAllString(s, "")
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func lastRunes(s string, n int) string {
	r := []rune(s)
	return string(r[max(0, len(r)-n):])
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

func (in *Intake) limits() Limits { return in.Limits.withDefaults() }

func (in *Intake) log() *slog.Logger {
	if in.Log == nil {
		return slog.Default()
	}
	return in.Log
}

// fill copies what the store needs from a parsed message.
func (in *Intake) fill(m *store.InMail, msg *Message) {
	m.MessageID, m.Digest, m.InReplyTo, m.References = msg.Key, msg.Digest, msg.InReplyTo, msg.References
	for _, a := range append(append([]Address(nil), msg.To...), msg.Cc...) {
		// calldesk's own addresses (the desk's mailbox is in the To of nearly every message) are
		// no one's copy: on the copy list they would let a forged From of the desk's own address
		// add to any call, and cost a row per message for nothing.
		if !in.isOwn(a.Addr) {
			m.Recipients = append(m.Recipients, a.Addr)
		}
	}
	m.From, m.FromName, m.Subject, m.Ref, m.Text = msg.From.Addr, msg.From.Name, msg.Subject, Ref(msg.Subject), msg.Text
	m.Quarantine = msg.FromProblem // a sender that cannot be read is never guessed: quarantine
	m.Repairs = repairs(msg.Problems)
	m.Auth = in.Auth.Verdict(msg.AuthResults(), msg.From.Addr)
	if auto, why := msg.Automatic(); auto {
		m.Automatic = why
	} else if IsOurs(msg.MessageID, in.Domain) {
		m.Automatic = "one of calldesk's own messages came back"
	}
	logos := 0
	sig := signatureImages(msg, htmlToText)
	for _, a := range msg.Attachments {
		if sig[strings.ToLower(a.ContentID)] && isLogo(a) {
			logos++
			continue
		}
		m.Files = append(m.Files, desk.Upload{Filename: a.Filename, Data: a.Content})
	}
	for _, a := range msg.Oversized {
		m.Dropped = append(m.Dropped, fmt.Sprintf("%s (%s, over the %s limit)", a.Filename, desk.SizeWords(a.Size), desk.SizeWords(in.limits().AttachmentMax)))
	}
	switch {
	case logos == 1:
		m.Dropped = append(m.Dropped, "1 small image of the signature")
	case logos > 1:
		m.Dropped = append(m.Dropped, fmt.Sprintf("%d small images of the signature", logos))
	}
}

// cidLinks are the Content-IDs an HTML body shows by cid: links (RFC 2392: URL-escaped, compared
// without regard to case), lower-cased, each with the offset in html of its first link.
func cidLinks(html string) map[string]int {
	links := map[string]int{}
	lower := strings.ToLower(html)
	for at := 0; ; {
		i := strings.Index(lower[at:], "cid:")
		if i < 0 {
			return links
		}
		start := at + i
		at = start + len("cid:")
		end := strings.IndexAny(lower[at:], "\"'()<> \t\r\n")
		if end < 0 {
			end = len(lower) - at
		}
		id := lower[at : at+end]
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
		if _, seen := links[id]; !seen {
			links[id] = start
		}
		at += end
	}
}

// Mailroom is what support analysts use to deal with the quarantine: every mailbox's Intake by
// mailbox name, so that each message is read again with the settings of the mailbox it came from.
type Mailroom struct {
	Store   *store.Store
	Intakes map[string]*Intake
}

func (r Mailroom) intake(name string) (*Intake, error) {
	if in, ok := r.Intakes[name]; ok {
		return in, nil
	}
	for _, in := range r.Intakes { // a mailbox since renamed: any will read the message
		return in, nil
	}
	return nil, desk.Errorf(desk.ENOTFOUND, "no mailbox is configured to read message from %q", name)
}

// Release makes a call for person personID of quarantined message id, as if that person had
// sent it (a support analyst's decision): the message is read again from its stored copy.
func (r Mailroom) Release(ctx context.Context, actor desk.Actor, id, personID int64) (string, error) {
	st := r.Store
	raw, mailbox, err := st.QuarantinedRaw(ctx, id)
	if err != nil {
		return "", err
	}
	in, err := r.intake(mailbox)
	if err != nil {
		return "", err
	}
	msg, err := Parse(raw, in.Limits)
	if err != nil {
		return "", desk.Errorf(desk.EINVALID, "the message cannot be read again: %s", desk.Message(err))
	}
	m := store.InMail{Mailbox: mailbox, GroupID: in.GroupID, ProfileID: in.ProfileID}
	in.fill(&m, msg)
	res, err := st.ReleaseMail(ctx, actor, id, personID, m, in.Rules)
	return res.CallRef, err
}

// Calls is the references of the calls quarantined message id names (its subject, or the
// messages it answers), as the intake would find them: the console shows a message about a call
// only as the reader may read that call.
func (r Mailroom) Calls(ctx context.Context, id int64) ([]string, error) {
	raw, mailbox, err := r.Store.QuarantinedRaw(ctx, id)
	if err != nil {
		return nil, err
	}
	in, err := r.intake(mailbox)
	if err != nil {
		return nil, err
	}
	msg, err := Parse(raw, in.Limits)
	if err != nil {
		return nil, nil // unreadable: it names no call, and its text is not shown either
	}
	m := store.InMail{Mailbox: mailbox}
	in.fill(&m, msg)
	return r.Store.CallsOfMail(ctx, m)
}

// Text is what a quarantined message says, for the support analyst deciding about it: its
// trimmed text, or why it cannot be read; and the addresses it was sent to (To and Cc), so the
// page showing it can be audited for the people they are.
func (r Mailroom) Text(ctx context.Context, id int64) (string, []string, error) {
	raw, mailbox, err := r.Store.QuarantinedRaw(ctx, id)
	if err != nil {
		return "", nil, err
	}
	var limits Limits
	if in, err := r.intake(mailbox); err == nil {
		limits = in.Limits
	}
	msg, err := Parse(raw, limits)
	if err != nil {
		return "(it cannot be read: " + desk.Message(err) + ")", nil, nil
	}
	var to []string
	for _, a := range append(append([]Address(nil), msg.To...), msg.Cc...) {
		to = append(to, a.Addr)
	}
	return msg.Text, to, nil
}
