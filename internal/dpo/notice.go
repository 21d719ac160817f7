package dpo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"calldesk/internal/store"
)

// The fourteen items the policy's 14.3 says a privacy notice must include, in its order.
const (
	ItemController = "controller" // the name and contact details of the University
	ItemDPO        = "dpo"        // the contact details of the data protection officer
	ItemPurposes   = "purposes"   // the purposes of the processing
	ItemBasis      = "basis"      // the lawful basis for the processing
	ItemCategories = "categories" // the categories of personal data obtained
	ItemRecipients = "recipients" // the recipients or categories of recipients
	ItemTransfers  = "transfers"  // transfers to third countries or international organisations
	ItemRetention  = "retention"  // the retention periods
	ItemRights     = "rights"     // the rights available to individuals
	ItemWithdraw   = "withdraw"   // the right to withdraw consent
	ItemComplaint  = "complaint"  // the right to lodge a complaint with a supervisory authority
	ItemSource     = "source"     // the source of the personal data
	ItemObligation = "obligation" // whether there is a statutory or contractual obligation to provide it
	ItemAutomated  = "automated"  // automated decision-making, including profiling
)

// NoticeItemKeys lists the fourteen items of 14.3 in the notice's order.
func NoticeItemKeys() []string {
	return []string{ItemController, ItemDPO, ItemPurposes, ItemBasis, ItemCategories, ItemRecipients, ItemTransfers,
		ItemRetention, ItemRights, ItemWithdraw, ItemComplaint, ItemSource, ItemObligation, ItemAutomated}
}

// ICOComplaint is the complaint route to the supervisory authority (the Supportworks notice's S19).
const ICOComplaint = "If you are unhappy with how your personal data has been handled, please contact the Data Protection Officer first. " +
	"You also have the right to complain to the Information Commissioner's Office (ICO), the UK's supervisory authority: " +
	"online at ico.org.uk/make-a-complaint, by phone on 0303 123 1113, or by post to the Information Commissioner's Office, " +
	"Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF."

// Notice is a privacy notice: the fourteen items of 14.3, and the summary shown where data is
// collected (14.5). Published versions are kept as this structure's JSON.
type Notice struct {
	Version     int       `json:"-"`
	PublishedAt time.Time `json:"-"`
	Title       string
	Intro       string
	Items       []NoticeItem
	Summary     Summary
}

// NoticeItem is one of the fourteen items: its key (NoticeItemKeys), heading and paragraphs.
type NoticeItem struct {
	Key, Heading string
	Paragraphs   []string
}

// Summary is the notice in brief at the point of collection (14.5): why the data is gathered
// and how it is used, to whom it may be disclosed, and consent where that is the basis.
type Summary struct {
	Why, Recipients, Consent string
}

// Item returns the item key ("" heading when the notice lacks it).
func (n Notice) Item(key string) NoticeItem {
	for _, it := range n.Items {
		if it.Key == key {
			return it
		}
	}
	return NoticeItem{Key: key}
}

// BuildNotice generates the notice from the records of processing and the contacts.
func BuildNotice(recs []Record, c Contacts) Notice {
	c = c.WithDefaults()
	n := Notice{Title: "How the IT service desk uses your personal data",
		Intro: fmt.Sprintf("This notice explains what %s's IT service desk (calldesk and SupportMe) does with personal data: "+
			"why, on what basis, who sees it, how long it is kept and what your rights are. It is generated from the desk's records of processing.", c.University)}
	each := func(f func(Record) string) []string {
		var out []string
		for _, r := range recs {
			if v := strings.TrimSpace(f(r)); v != "" {
				out = append(out, r.Name+": "+v)
			}
		}
		return out
	}
	union := func(f func(Record) []string) string {
		var all []string
		for _, r := range recs {
			for _, v := range f(r) {
				if !slices.Contains(all, v) {
					all = append(all, v)
				}
			}
		}
		return strings.Join(all, ", ")
	}
	var consent []string
	for _, r := range recs {
		if r.LawfulBasis == "consent" {
			consent = append(consent, r.Name)
		}
	}
	withdraw := "Where we rely on your consent, you may withdraw it at any time, and withdrawal takes effect at once; it does not make what we did before unlawful. "
	if len(consent) == 0 {
		withdraw += "None of the desk's processing relies on consent at present."
	} else {
		withdraw += "The desk relies on consent for: " + strings.Join(consent, "; ") + ". To withdraw it, contact the Data Protection Officer or the service desk."
	}
	special := each(func(r Record) string { return r.SpecialCondition })
	basis := each(func(r Record) string { return r.LawfulBasis })
	if len(special) > 0 {
		basis = append(basis, "Where special-category data (such as health) is processed, the condition of article 9 is:")
		basis = append(basis, special...)
	}
	transfers := each(func(r Record) string {
		if strings.EqualFold(strings.TrimSpace(r.Transfers), "none") {
			return ""
		}
		return r.Transfers
	})
	if len(transfers) == 0 {
		transfers = []string{"Your personal data is not transferred outside the United Kingdom."}
	}
	automated := each(func(r Record) string {
		if strings.EqualFold(strings.TrimSpace(r.Automated), "none") {
			return ""
		}
		return r.Automated
	})
	if len(automated) == 0 {
		automated = []string{"The desk makes no decisions about you by automated means alone, and does no profiling."}
	}
	obligation := each(func(r Record) string { return r.Obligation })
	if len(obligation) == 0 {
		obligation = []string{"You are under no statutory or contractual obligation to give us personal data, but we cannot help you without enough details to reach you."}
	}
	cats := union(func(r Record) []string { return r.Categories })
	var retention []string
	for _, r := range recs {
		for _, line := range r.Retention {
			if !slices.Contains(retention, line) {
				retention = append(retention, line)
			}
		}
	}
	n.Items = []NoticeItem{
		{ItemController, "Who we are", []string{fmt.Sprintf("The controller of your personal data is %s. Contact: %s.", c.University, c.UniversityContact)}},
		{ItemDPO, "Our Data Protection Officer", []string{"You can contact the Data Protection Officer about anything in this notice: " + c.DPO + "."}},
		{ItemPurposes, "Why we use your data", each(func(r Record) string { return r.Purpose })},
		{ItemBasis, "Our lawful basis", basis},
		{ItemCategories, "What data we hold", []string{"The kinds of personal data the desk holds: " + cats + "."}},
		{ItemRecipients, "Who receives it", each(func(r Record) string { return r.Recipients })},
		{ItemTransfers, "Transfers abroad", transfers},
		{ItemRetention, "How long we keep it", retention},
		{ItemRights, "Your rights", []string{"You have the right to be informed; to see the data we hold about you (subject access), and who has seen it; " +
			"to have it corrected; to have it erased; to restrict its processing; to data portability; and to object to its processing. " +
			"You can ask through SupportMe (My details) or by contacting the Data Protection Officer. We answer within one month."}},
		{ItemWithdraw, "Withdrawing consent", []string{withdraw}},
		{ItemComplaint, "Complaints", []string{ICOComplaint}},
		{ItemSource, "Where your data comes from", []string{"From you, and from: " + union(func(r Record) []string { return r.Sources }) + "."}},
		{ItemObligation, "Whether you must give us data", obligation},
		{ItemAutomated, "Automated decisions and profiling", automated},
	}
	// The summary at the point of collection: the activities that hold calls.
	var why, who []string
	consentHere := false
	for _, r := range recs {
		if !slices.Contains(r.Tables, "calls") {
			continue
		}
		why = append(why, r.Purpose)
		if r.Recipients != "" {
			who = append(who, r.Recipients)
		}
		consentHere = consentHere || r.LawfulBasis == "consent"
	}
	n.Summary = Summary{Why: strings.Join(why, " "), Recipients: strings.Join(who, " ")}
	if consentHere {
		n.Summary.Consent = "Where we rely on your consent you may withdraw it at any time."
	}
	return n
}

// Marshal is the notice's JSON, as published.
func (n Notice) Marshal() string {
	b, _ := json.Marshal(n)
	return string(b)
}

// ReadNotice reads a published version.
func ReadNotice(p store.PrivacyNotice) (Notice, error) {
	var n Notice
	if err := json.Unmarshal([]byte(p.Body), &n); err != nil {
		return n, fmt.Errorf("privacy notice version %d: %w", p.Version, err)
	}
	n.Version, n.PublishedAt = p.Version, p.PublishedAt
	return n, nil
}

// Missing lists the keys of the fourteen items the notice lacks or leaves empty.
func (n Notice) Missing() []string {
	var out []string
	for _, k := range NoticeItemKeys() {
		it := n.Item(k)
		empty := it.Heading == ""
		for _, p := range it.Paragraphs {
			empty = empty || strings.TrimSpace(p) == ""
		}
		if len(it.Paragraphs) == 0 || empty {
			out = append(out, k)
		}
	}
	return out
}

// Told is who must be told of a change of an activity's purpose before processing for it
// (14.6): the categories of people the record names, the groups the register links to its
// tables, and how many people there are.
type Told struct {
	Activity string
	People   string
	Count    int
	Groups   []string
}

// WhoMustBeTold works out Told for rec: count is store.PeopleUnder of its tables.
func WhoMustBeTold(rec store.ProcessingActivity, count int) Told {
	t := Told{Activity: rec.Name, People: rec.People, Count: count}
	for _, g := range strings.FieldsFunc(rec.People, func(r rune) bool { return r == ',' || r == ';' }) {
		if g = strings.TrimSpace(g); g != "" {
			t.Groups = append(t.Groups, g)
		}
	}
	return t
}
