package privacy

import (
	"context"
	"fmt"
	"sort"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// This file adds to a bundle the mentions of the person on other people's records (issue 15
// point 4): every place the shared mention finder (store.FindMentions, the matcher erasure uses)
// finds one of their identifiers in a column the register says may name anyone, outside their own
// calls and records. The bundle holds the sentence that names them, not the other person's whole
// record, with the other people's identifiers in it redaction candidates as everywhere else.

// MentionNote marks a mention in the bundle.
const MentionNote = "mentioned on another person's record"

// BundleMention is one sentence of another person's record that names the person.
type BundleMention struct {
	// Section is the bundle's section the register names for the column (calls.json,
	// entries.csv...).
	Section string `json:"section"`
	Note    string `json:"note"`
	// Record says what the record is, in words: "a diary entry (96333)", "the description".
	Record  string `json:"record"`
	CallRef string `json:"call,omitempty"`
	Text    string `json:"text"`
}

// mentionRecords says, in words, what a column of the register is, for the person reading their
// bundle.
var mentionRecords = map[string]string{
	"calls.summary": "the summary of a call", "calls.description": "the description of a call",
	"calls.resolution": "the resolution of a call", "calls.hold_reason": "why a call was put on hold",
	"calls.cancel_note": "why a call was cancelled", "calls.alt_email": "a call's alternative contact address",
	"calls.alt_phone": "a call's alternative contact number", "diary_entries.body": "a diary entry",
	"attachments.filename": "the name of a file", "attachments.data": "the content of a file",
	"mail_messages.raw": "an email taken in", "mail_messages.subject": "the subject of an email taken in",
	"mail_messages.reason": "why an email was held", "subject_requests.details": "another person's subject request",
	"subject_requests.third_party": "another person's subject request (who acts for them)",
	"subject_requests.outcome":     "the outcome of another person's subject request", "legal_holds.reason": "the reason for a legal hold",
	"legal_holds.lift_reason": "why a legal hold was lifted", "audit_log.detail": "an audit record",
	"audit_log.reason": "the reason given in an audit record", "people.job_title": "another person's job title",
	"import_runs.problems": "a problem a directory import reported", "mail_outbox.text_body": "an email calldesk sent",
	"mail_outbox.html_body": "an email calldesk sent (its HTML)", "mail_outbox.subject": "the subject of an email calldesk sent",
	"breaches.report": "a report of a personal data breach", "breaches.assessment": "the assessment of a personal data breach",
	"breaches.data_categories": "the data a personal data breach concerned", "breaches.decision": "the decision on a personal data breach",
	"breaches.actions": "the actions taken after a personal data breach",
}

// contactOnCall are the columns that hold a contact given on a call: another customer's call
// giving the person's address or number is a mention, though the column holds identifiers only.
var contactOnCall = map[string]bool{"calls.alt_email": true, "calls.alt_phone": true}

// shown says whether the register has the bundle show column c (not SectionNone alone: the
// subject access machinery's own copies, erasure decisions, technical identifiers...).
func shown(c store.PersonalColumn) bool {
	return len(c.SAR) > 0 && !(len(c.SAR) == 1 && c.SAR[0] == store.SectionNone)
}

// gatherMentions finds the person's identifiers on other people's records and adds each place's
// sentence, redacted, to the bundle. own are the person's calls, audited the audit records the
// bundle already lists: neither is another's record.
func (b *Builder) gatherMentions(ctx context.Context, bu *Bundle, r *Redactor, p desk.Person, own, audited map[int64]bool) error {
	sc := desk.NewScrubber(desk.IdentifiersOf(p), "")
	ms, err := b.Store.FindMentions(ctx, sc, store.MentionOptions{})
	if err != nil {
		return fmt.Errorf("mentions on other people's records: %w", err)
	}
	cols := map[string]store.PersonalColumn{}
	for _, c := range store.Register() {
		cols[c.Name()] = c
	}
	// Records the bundle holds already, whole: an email from the person on another's call, a
	// file they uploaded, a hold on them...
	held := map[string]map[int64]bool{"mail_messages": {}, "mail_outbox": {}, "attachments": {}, "subject_requests": {},
		"legal_holds": {}, "diary_entries": {}}
	for _, e := range bu.Emails {
		held["mail_messages"][e.ID] = true
	}
	for _, e := range bu.SentEmails {
		held["mail_outbox"][e.ID] = true
	}
	for _, f := range bu.Files {
		held["attachments"][f.ID] = true
	}
	for _, q := range bu.Requests {
		held["subject_requests"][q.ID] = true
	}
	for _, h := range bu.LegalHolds {
		held["legal_holds"][h.ID] = true
	}
	for _, e := range bu.Authored {
		held["diary_entries"][e.ID] = true
	}
	var keep []store.Mention
	var callIDs []int64
	for _, m := range ms {
		c, ok := cols[m.Table+"."+m.Column]
		switch {
		case !ok || !(c.Whose.Anyone || contactOnCall[c.Name()]) || !shown(c):
			continue // a column that records who acted, or one the register keeps out of the bundle
		case m.PersonID == p.ID || own[m.CallID]:
			continue // their own record: in the bundle already
		case m.Table == "audit_log" && audited[m.ID], held[m.Table][m.ID]:
			continue
		case m.Table == "people" && m.ID == p.ID:
			continue
		case m.Table == "disclosures":
			// A disclosure reaches a person's bundle only as one linked to them and not withheld
			// under an exemption (disclosures.json): its text naming them must not bypass that.
			continue
		case m.Table == "breaches" && bu.hasBreach(m.ID):
			continue
		}
		keep = append(keep, m)
		if m.CallID != 0 {
			callIDs = append(callIDs, m.CallID)
		}
	}
	refs, err := b.Store.SARCallRefs(ctx, callIDs)
	if err != nil {
		return fmt.Errorf("mentions: calls: %w", err)
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].CallID < keep[j].CallID })
	for _, m := range keep {
		c := cols[m.Table+"."+m.Column]
		section := string(c.SAR[len(c.SAR)-1]) // the most particular: a diary entry's is entries.csv, not calls.json
		what := mentionRecords[c.Name()]
		if what == "" {
			what = c.Name()
		}
		ref := refs[m.CallID]
		where := fmt.Sprintf("%s %s (%s)", c.Name(), m.Key, MentionNote)
		if ref != "" {
			where = ref + " " + where
		}
		bu.Mentions = append(bu.Mentions, BundleMention{Section: section, Note: MentionNote, Record: fmt.Sprintf("%s (%s)", what, m.Key),
			CallRef: ref, Text: r.Redact(m.Excerpt, where, mentionLink(m, ref))})
	}
	return nil
}

// hasBreach says whether the bundle lists breach id (one the person is linked to).
func (b *Bundle) hasBreach(id int64) bool {
	for _, x := range b.Breaches {
		if x.ID == id {
			return true
		}
	}
	return false
}

// mentionLink is the console page that shows a mention's record.
func mentionLink(m store.Mention, ref string) string {
	switch m.Table {
	case "diary_entries":
		if ref != "" {
			return entryLink(ref, m.ID)
		}
	case "attachments":
		if ref != "" {
			return fileLink(ref, m.ID)
		}
	case "subject_requests":
		return requestLink(m.ID)
	case "legal_holds":
		return holdLink
	case "people":
		return fmt.Sprintf("/people/%d", m.ID)
	case "import_runs":
		return "/admin/imports"
	case "mail_messages":
		return mailLink(ref, 0)
	case "mail_outbox":
		return sentLink(ref)
	case "audit_log":
		if m.PersonID != 0 {
			return seenLink(m.PersonID)
		}
	}
	if ref != "" {
		return callLink(ref)
	}
	return ""
}
