package desk

import "sort"

// PeopleOnCall returns the people whose records a call's page shows, so that its reading is
// audited for each of them (P2): the customer, the analyst it is assigned to, whoever logged it
// and the author of each diary entry shown. Each id once, ascending; the system (0) is none.
// The alternative contact is an address, not a person: the caller looks it up.
func PeopleOnCall(c Call, diary []Entry) []int64 {
	seen := map[int64]bool{}
	var out []int64
	add := func(id int64) {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	add(c.CustomerID)
	add(c.AnalystID)
	add(c.LoggedBy)
	for _, e := range diary {
		add(e.AuthorID)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// CallTexts are the words of a call page that may name people besides its links: the summary,
// description, resolution, hold reason and cancel note, the alternative contact's address and
// phone, and the text of each diary entry shown. The caller looks up whom they name
// (store.PeopleNamedIn), so that an entry naming another person audits the page for them too.
func CallTexts(c Call, diary []Entry) []string {
	out := []string{c.Summary, c.Description, c.Resolution, c.HoldReason, c.CancelNote, c.AltEmail, c.AltPhone}
	for _, e := range diary {
		out = append(out, e.Text)
	}
	return out
}
