// Package mail is calldesk's email (issue 5): notifications sent through SMTP, messages taken in
// from IMAP mailboxes, MIME parsing, threading and loop protection.
//
// # Sending
//
// Every change of a call is recorded as a call event in the change's own transaction. The
// [Notifier] turns pending events into messages (minimal content for customers, P18), threaded by
// calldesk's own Message-IDs ([NewMessageID]), and queues them in the outbox while marking the
// events done, in one transaction. The [Sender] claims due messages and delivers them through
// SMTP ([SMTP]) outside every web request, with retries and backoff; [Templates] are the texts.
//
// # Taking mail in
//
// A [Fetcher] hands each message of a mailbox to [Intake.Deliver], which parses it ([Parse]) and
// has the store decide and record, in one transaction, what it becomes (store.IngestMail): a
// call, a diary entry, quarantine, or a record of an automatic or unreadable message.
//
// Every part of a message is kept with its diary entry but a signature's logos, which come again
// with every message of a thread: small images (under 8 KiB) that its HTML shows by cid: links,
// whose bytes come twice in the message (the new signature's logo and the history's copy), or
// that stand in a block the HTML marks as the signature (Gmail's gmail_signature, Outlook's
// id="Signature"), or after the end of the message's new text: in the quoted history, below a
// sign-off ("Kind regards," a name, a phone number) under text of the sender's own, or when the
// message keeps another part too (see signatureImages: Outlook sends a pasted screenshot exactly
// as it sends a logo, so only these signs tell them apart, and a message's only image, one pasted
// below a bare name, or one among its text, is kept). The entry says in a few words that they
// were left out ("2 small images of the signature"). A part the file rules refuse (a program, a type calldesk does not know, one whose
// content is not what its name says), one over the attachment limit and those past the tenth
// are noted on the entry too, each with why: nothing is dropped silently.
//
// # One size limit
//
// A message may be at most Limits.MessageMax (DefaultMessageMax, 35 MiB: a 25 MiB file, the
// attachment limit, is about 34 MiB once base64-encoded, and Exchange Online's default limit on a
// received message is 35 MB). The fetcher uses the same limit (Mailbox.MaxSize; serve's
// --mail-max-message sets both). A larger message is refused with the real figures ([TooLarge]:
// "the message is 41.3 MiB; the desk takes messages up to 35 MiB") and recorded as rejected with
// its sender, subject and size and its header alone. Its sender is told once, politely, what to
// do (a desk.MailTooLarge notice in the outbox, queued in the record's transaction, answering
// their message, Auto-Submitted: auto-replied), unless that could start a loop, be noise or be
// backscatter: never to automatic mail (Automatic, which includes an empty Return-Path), to mail
// through a mailing list (any List-Id, List-Post, List-Unsubscribe or List-Help header, RFC 3834
// section 2), to calldesk's own Message-IDs, addresses ([Intake.Own]) or domain
// ([Intake.OwnDomain]), to a sender the university's mail server found forged ([Intake.Auth]'s
// verdict a fail), nor to an outside sender without a verdict whose Return-Path is of another
// domain than the From; and at most one a day to one address. The notice repeats the message's
// subject and the sender's name only when the verdict is a pass: a forger chooses both.
//
// # Fetching from IMAP
//
// A [Fetcher] watches one folder of one IMAP mailbox and hands every message it has not yet
// processed to a [DeliverFunc], in UID order. It owns no storage: what the message becomes (a call,
// a diary entry, a quarantined mail) is the caller's business, decided and committed inside the
// callback.
//
// The contract that makes "exactly once" possible is the order of three steps:
//
//  1. the fetcher reads the message (BODY.PEEK[], so reading alone never sets \Seen);
//  2. it calls Deliver; the caller commits what the message became and returns nil;
//  3. only then does the fetcher mark the message \Seen, or MOVE it to another folder.
//
// So a message is never marked or moved before the caller has it. The converse cannot be
// guaranteed by IMAP: a crash, a dropped connection or a second calldesk instance watching the same
// mailbox between steps 2 and 3 means the same message is delivered again later. The caller must
// therefore deduplicate inside its own transaction. [Delivery.Key] (mailbox name, UIDVALIDITY, UID)
// names one message for good: IMAP never reuses a UID within a UIDVALIDITY of a folder, and when the
// server renumbers a folder it changes UIDVALIDITY, so an unchanged key is the same message and a
// changed one is a renumbering (the Message-ID, when there is one, catches that rarer case).
//
// When Deliver returns an error the message is left as it was (unseen, in its folder) and retried
// after a backoff, while the fetcher goes on with the next message: one message that cannot be
// taken never stops a mailbox. A caller that decides a message can never be taken (unparseable,
// refused) should record that and return nil, so it is marked or moved like any other.
//
// Messages larger than [Mailbox.MaxSize] are delivered with their header only (BODY.PEEK[HEADER];
// [Delivery.Oversized]), with the size the server reports, so the caller can record the refusal,
// naming the sender and the subject, without the fetcher ever downloading the body.
//
// In [MarkSeen] mode the fetcher takes the folder's unseen messages, so the folder must be the
// service desk's own: a person reading it with a mail client (and so marking messages seen) would
// hide them from calldesk. [MoveTo] mode takes every message in the folder and is immune to that.
//
// # Parsing
//
// Parse(raw, limits) never panics. It returns an error (coded desk.EINVALID, with a message safe
// to log and to show on the admin page) only when the message cannot be used at all: it is empty,
// larger than Limits.MessageMax, has no readable MIME structure, has a MIME structure that would
// take too long to read (parts nested more than 12 levels deep, more than 5000 parts), or has no
// From and no Sender header at all (nothing in it says who wrote it; it is recorded as refused,
// whole). Every lesser defect (a missing closing boundary, bad base64, an unknown charset, a
// header line without a colon, NUL bytes, raw 8-bit headers, junk lines before the headers) is
// repaired or skipped and noted in Message.Problems. The Intake logs them on the message's line,
// and says on its diary entry (or its call's description) those that change what an analyst
// reads: "Read with repairs: lines of junk before the headers skipped; a character set guessed
// (read as Windows-1252)" (see repairKinds: junk skipped, the end of a header found, the text
// before the MIME parts kept, 0x80 bytes removed, a charset guessed, a To or Cc member left out).
//
// # Addresses
//
// An address is read cleanly or not at all; calldesk never picks address-like text out of a
// header that does not parse (that made "<power quadrant system@example.com>" the sender
// system@example.com, and "<mallory imran.gill@uni.example>" an analyst). Address headers are
// read as RFC 5322 with the leniency that is unambiguous: unquoted dots in a display name, a
// quoted display name holding commas, encoded-word names, "Name <addr>", a bare addr, a trailing
// comma, and a display name that is itself an address written unquoted before the angle
// address. A From value holding exactly one angle address and, before it, a display name with
// no @, < or > is read as that one mailbox even when the name has an unquoted comma ("Gill,
// Imran <imran.gill@uni.example>", as Notes and Exchange write it): nothing else can be meant.
//
// The message must name one author. When the From header (the Sender header when there is no
// From) does not parse so, Message.From is empty and Message.FromProblem says why: the message
// is still read, and the store quarantines it with that reason, credited to nobody, before any
// threading or person lookup; a support analyst can make a call of it for a person. Not one
// author is also: the From field more than once (a known way round DMARC: the receiving server
// may have judged the other one), a group ("Team: a@x, b@y;"), and several mailboxes, unless a
// single clean Sender header names one of them (RFC 5322 asks for a Sender then), who is the
// author, with a line in Problems. Of To, Cc and Reply-To, each
// member that parses is kept and each that does not is left out, with a line in Problems; but
// members with no @, < or > right before a single angle address are its display name, as Notes
// and Exchange write it (Cc: Gill, Imran <i.gill@...>), and a list that reads only when its
// semicolons separate (To: a@x; b@y, as Outlook users type it) is read so, with a line. A
// quoted local part is valid and kept with its quotes ("john smith"@example.org, as
// desk.CanonicalEmail writes it); the domain is lower-cased.
//
// # Text
//
// MIME, transfer encodings, RFC 2047 encoded words, RFC 2231 parameters and HTML-to-text are
// github.com/jhillyerd/enmime/v2's work; charsets are calldesk's (golang.org/x/text), because
// enmime reads a part labelled us-ascii as Windows-1252, which makes "PrÃ©nom" of UTF-8. A text
// part is read:
//   - labelled us-ascii or utf-8, or not labelled at all: as UTF-8, what today's clients send;
//   - labelled with another charset (ISO-8859-*, Windows-125x, Shift_JIS, ISO-2022-JP, GB2312,
//     Big5, EUC-KR, KOI8-R, ...): as declared, by its WHATWG name (so ISO-8859-1 is read as its
//     superset Windows-1252, and text declared ISO-8859-1 but written in Windows-1252, as
//     Outlook does, keeps its € and smart quotes), else its IANA name;
//   - labelled with a single-byte charset (ISO-8859-*, Windows-125x, KOI8-R, ...) but valid
//     UTF-8 holding multibyte sequences, none a C1 control: as UTF-8, the commonest mislabel,
//     noted in Problems (single-byte text is almost never valid UTF-8 by chance: each accented
//     letter would have to be followed by just the right symbols, as in "Ã©");
//   - labelled UTF-7 (RFC 2152) or ISO-2022-KR (RFC 1557), which golang.org/x/text does not
//     decode: by calldesk's own decoders. WHATWG's "replacement" encoding, which turns a whole
//     text into U+FFFD, is never used: a charset it stands for is unknown to calldesk;
//   - when the declared charset is unknown, or its bytes are not valid in it (or, labelled
//     us-ascii/utf-8/none, not valid UTF-8): detected, and noted in Problems: UTF-8 if valid,
//     else the charset enmime's detector finds with confidence in text of 100 bytes or more,
//     else Windows-1252, which maps every byte.
//
// Encoded words of headers and display names are decoded by the same charset names (and
// Microsoft's cp932, cp936, cp949 and cp950, UTF-7 and ISO-2022-KR); raw 8-bit headers are read
// as UTF-8 when they are, else as Windows-1252. Text/* attachments are kept as the bytes the
// sender sent.
//
// NUL bytes are dropped. Dovecot serves a NUL byte of a stored message as 0x80, which as
// Windows-1252 would be €; so in a header, or a part labelled us-ascii or utf-8 or not labelled,
// a 0x80 byte that is not part of a UTF-8 sequence, in text that is otherwise valid UTF-8 (or
// ASCII), is taken for a NUL and dropped, and Problems says how many went from which header or
// part. That is ambiguous where the only 8-bit bytes are 0x80: a sender who wrote a € in
// Windows-1252 without a charset label loses it. calldesk drops it all the same, because the
// label says the text is not Windows-1252 and the rule is that a NUL never becomes a €;
// the Problem line lets an analyst look at the original. Where other bytes are not UTF-8
// either, the text is 8-bit text in some other charset and a 0x80 is its €; in a part labelled
// with a charset where 0x80 is a character (Windows-1252, ISO-8859-1) it is that character.
//
// Text is never lost. The text before a multipart message's first boundary (the whole body,
// when it has a boundary but no parts) is the sender's, unless it is only MIME's notice for old
// readers ("This is a multi-part message in MIME format"): it is kept at the head of the body,
// with a line in Problems, whether or not a text part follows (some clients put the message
// there and only a signature in the text part); a multipart sent base64- or quoted-printable-
// encoded has it decoded. A header block that ends in lines that are not header fields (no
// colon, a space before the colon, a name with characters a field name cannot have), with no
// blank line before the body and no field after them, ends where its fields do, as Postfix's
// cleanup reads it: those lines begin the body, with a line in Problems. (A line without a colon
// between fields is a broken field, repaired by enmime.) Up to five lines before the headers
// that cannot start a message (blank lines, an mbox "From " line, "---- Original email message
// ----") are skipped, when a header block follows. A part header line that should have been a
// continuation, joined to a quoted file name, leaves the quoted name.
//
// Message.FullText is the whole plain-text body (the text/plain alternative, or the HTML
// converted to text when there is none), as UTF-8 with "\n" line ends. Message.Text is the new
// part of it: quoted history (Outlook's "From: … Sent: …" block, "-----Original Message-----",
// "On … wrote:" of Gmail, Apple Mail and Thunderbird, "> " quoting) and signatures ("-- ",
// "Sent from my iPhone" and other mobile footers) are trimmed; see Trim. Every line of Text is a
// line of FullText, so the trim only ever hides text, and analysts can expand FullText to see it.
//
// Attachments holds every part that is not the body: files, inline images of multipart/related
// (Inline set, ContentID for cid: links), forwarded messages (message/rfc822, kept whole as .eml),
// calendar invitations (text/calendar) and delivery reports. A part larger than
// Limits.AttachmentMax goes to Oversized instead, with its name and size but not its bytes, so the
// caller can note on the call that it was dropped. winmail.dat (Outlook's TNEF) is not decoded,
// as no maintained Go TNEF library is available: it is kept as an attachment with TNEF set. The
// file rules of package desk know both by their content (an .ics starts BEGIN:VCALENDAR, a .dat
// with TNEF's signature), so they are stored with the entry, and, like every file, only ever
// served as downloads, never shown in the browser.
//
// # Threading and loops
//
// Message.MessageID, InReplyTo and References are normalised (no angle brackets, no comments).
// Message.Key is the Message-ID, or "sha256:" and the message's Digest for a message without
// one. Message.Digest (see Digest) covers what the sender wrote as read (the decoded fields,
// text and attachments), not the bytes: trace headers, refolding and a relay's re-encoding
// (8bit to quoted-printable, base64 rewrapped) leave it as it was. The same Key and Digest is the
// same message delivered again; the same Key with another Digest is a different message reusing
// a Message-ID, and is taken in. A message Parse refuses has RawDigest, of its bytes.
//
// calldesk's own outgoing Message-IDs are made by NewMessageID(domain) as
// <calldesk.{random}@{domain}>, and IsOurs(id, domain) recognises them: a message whose own
// Message-ID is ours is our mail come back (a loop); OurIDs lists the ids of ours a reply answers,
// newest first. Ref(subject) finds a call reference such as [F0012345] in a subject.
// Automatic reports auto-replies, bounces and other machine-sent mail, with the reason, from
// headers only, never from subject words.
//
// # How the fetcher is meant to use it
//
//  1. Compare the message's size (IMAP RFC822.SIZE) with Limits.MessageMax before fetching its
//     body, and fetch only the header of a larger one, to refuse it (see One size limit); Parse
//     refuses a larger one anyway.
//  2. Parse; on an error, log it, show it on the admin page and set the message aside: it must
//     not stop the mailbox. A message with FromProblem goes to quarantine with that reason.
//  3. Deduplicate, as store.IngestMail does in its transaction: a message at a place (mailbox,
//     UIDVALIDITY, UID) taken before changes nothing; the same Key and Digest at another place is
//     the same message delivered again, recorded as a duplicate; the same Key with another
//     Digest is a different message reusing a Message-ID, taken in with a note saying so.
//  4. IsOurs(m.MessageID, domain): our own mail come back; drop it.
//  5. Automatic: keep it if wanted, but open no call and send no notification.
//  6. Thread: the calls the reply names (by In-Reply-To and References, calldesk's ids and the
//     ids of the messages each call holds, and by Ref(Subject)) are candidates; the message joins
//     the one whose customer sent it, else the first it may write to: the sender is its customer,
//     an analyst, or on its copy list (the To and Cc of the messages its customer and analysts
//     sent, calldesk's own addresses left out). Anyone else gets a call of their own (a known
//     person) or waits in quarantine (an unknown address), with the reason.
//  7. Keep Text for the diary, FullText for "show the whole message", Attachments with the
//     entry, and a note on the call for each of Oversized.
package mail
