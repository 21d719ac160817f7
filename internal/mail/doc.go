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
// Messages larger than [Mailbox.MaxSize] are delivered without their body ([Delivery.Oversized]),
// with the size the server reports, so the caller can record the refusal without the fetcher ever
// downloading them.
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
// sender address. Every
// lesser defect (a missing closing boundary, bad base64, an unknown charset, a header line without
// a colon, NUL bytes, raw 8-bit headers) is repaired or skipped and noted in Message.Problems.
//
// MIME, transfer encodings, charsets (ISO-8859-*, Windows-125x, Shift_JIS, ...), RFC 2047 encoded
// words, RFC 2231 parameters and HTML-to-text are github.com/jhillyerd/enmime/v2's work. A
// declared charset is trusted; enmime's statistical charset guess is used only when a text part
// declares none, so that a guess never overrides what the sender said. Text declared ISO-8859-1
// but written in Windows-1252 (as Outlook does) keeps its € and smart quotes, and text that is
// not in its declared charset at all is read as Windows-1252.
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
// as no maintained Go TNEF library is available: it is kept as an attachment with TNEF set.
//
// # Threading and loops
//
// Message.MessageID, InReplyTo and References are normalised (no angle brackets, no comments).
// Message.Key is the Message-ID, or "sha256:" and the message's Digest for a message without
// one. Message.Digest (see Digest) covers what the sender wrote, not the trace headers relays
// add: the same Key and Digest is the same message delivered again; the same Key with another
// Digest is a different message reusing a Message-ID, and is taken in.
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
//     body; Parse refuses a larger one anyway.
//  2. Parse; on an error, log it, show it on the admin page and set the message aside: it must
//     not stop the mailbox.
//  3. Deduplicate by Key (and by mailbox UIDVALIDITY and UID).
//  4. IsOurs(m.MessageID, domain): our own mail come back; drop it.
//  5. Automatic: keep it if wanted, but open no call and send no notification.
//  6. Thread: a reply to one of OurIDs (checked against the ids calldesk sent) joins that call;
//     else Ref(Subject) names a call, which the message joins only if From is the call's
//     customer or an analyst; else it opens a call or goes to quarantine.
//  7. Keep Text for the diary, FullText for "show the whole message", Attachments with the
//     entry, and a note on the call for each of Oversized.
package mail
