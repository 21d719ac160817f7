package desk

// Reader is what one analyst may read of calls' text, as access.ReaderOf decides it from their
// account and groups: emails (S13), special-category calls (S8). The store's search takes it
// to match only what the reader may read; the console and the API mask the rest.
type Reader struct {
	// PersonID is the reader's person: a special-category call assigned to them is theirs.
	PersonID int64
	// Groups are the support groups the reader is a member of: a special-category call
	// assigned to one of them is theirs to read.
	Groups []int64
	// Emails is the support role's reading of emails (access.ReadEmails).
	Emails bool
	// AllSpecial is reading every special-category call (access.ReadSpecialCategory: the DPO).
	AllSpecial bool
	// NoSpecial masks every special-category call, whoever it is assigned to (a supplier under
	// a grant: S14).
	NoSpecial bool
}

// SpecialMasked is what a reader who may not read a special-category call sees instead of its
// summary, description, diary text and files (S8, P4).
const SpecialMasked = "This call holds special-category information: only its group and the Data Protection Officer can read it."

// SpecialMaskedSummary stands for the summary of such a call in lists and search results.
const SpecialMaskedSummary = "Special-category call"

// MaskSpecial returns c as a reader who may not read its text sees it: its state, dates,
// customer, group and analyst stay (that the call exists, and where it stands); its summary and
// description are replaced by the mask, and the texts that may hold special-category data (hold
// reason, resolution, cancellation note) are emptied.
func MaskSpecial(c Call) Call {
	c.Summary, c.Description = SpecialMaskedSummary, SpecialMasked
	c.HoldReason, c.Resolution, c.CancelNote = "", "", ""
	return c
}

// MaskSpecialEntries returns a special-category call's diary as a reader who may not read it sees
// it: each entry keeps its kind, author and time, its text is the mask and it has no files.
func MaskSpecialEntries(entries []Entry) []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		e.Text, e.Attachments = SpecialMasked, nil
		out[i] = e
	}
	return out
}

// AwaitingTriage is what a call opened by an email shows, under the "triage" setting, to
// analysts without the support role until a support analyst confirms or edits its description.
const AwaitingTriage = "Logged from an email, awaiting triage"

// MaskTriage returns c with its summary and description (the email's subject and text) withheld.
func MaskTriage(c Call) Call {
	c.Summary = AwaitingTriage
	c.Description = AwaitingTriage + ": an analyst with the support role reads the email and confirms or edits this description."
	return c
}
