package dpo

import (
	"strings"
	"time"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// Clause is one of the terms article 28(3) UK GDPR requires a processor's contract to carry.
type Clause struct{ Letter, Words string }

// Clauses are article 28(3)'s clauses (a) to (h).
func Clauses() []Clause {
	return []Clause{
		{"a", "(a) processes the data only on the university's documented instructions, transfers included"},
		{"b", "(b) the people authorised to process the data are bound to confidentiality"},
		{"c", "(c) takes the security measures of article 32"},
		{"d", "(d) engages sub-processors only with prior written authorisation, on the same terms"},
		{"e", "(e) helps the university answer people's requests to exercise their rights"},
		{"f", "(f) helps the university with security, breach notification, DPIAs and consulting the ICO"},
		{"g", "(g) deletes or returns all the data at the end of the service"},
		{"h", "(h) makes available what shows compliance, and allows audits and inspections"},
	}
}

// Safeguard is what makes a transfer outside the UK lawful (UK GDPR chapter V).
type Safeguard struct{ Key, Words string }

// Safeguards lists the safeguards a transfer may rest on.
func Safeguards() []Safeguard {
	return []Safeguard{
		{"uk", "None needed: the data stays in the UK"},
		{"adequacy", "UK adequacy regulations (the country is adequate)"},
		{"idta", "International Data Transfer Agreement (IDTA)"},
		{"addendum", "The UK Addendum to the EU standard contractual clauses"},
		{"bcr", "Binding corporate rules"},
		{"derogation", "An article 49 derogation (occasional transfers only)"},
	}
}

// SafeguardWords says safeguard key in words.
func SafeguardWords(key string) string {
	for _, s := range Safeguards() {
		if s.Key == key {
			return s.Words
		}
	}
	return key
}

// ProcessorForm is the processor form as typed.
type ProcessorForm struct {
	Name, Service, Contact, ContractDate, ContractMonths string
	Clauses                                              []string
	SubProcessors, Notes, ReviewDue                      string
	Countries, Safeguards                                []string
	Ended                                                bool
	Reason                                               string
	Version                                              int
}

// day checks a YYYY-MM-DD date.
func day(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Processor checks f and returns the record it describes (its ID and EndedAt are the caller's).
func (f ProcessorForm) Processor() (store.Processor, error) {
	p := store.Processor{Name: strings.TrimSpace(f.Name), Service: strings.TrimSpace(f.Service), Contact: strings.TrimSpace(f.Contact),
		ContractDate: strings.TrimSpace(f.ContractDate), SubProcessors: strings.TrimSpace(f.SubProcessors), Notes: strings.TrimSpace(f.Notes),
		ReviewDue: strings.TrimSpace(f.ReviewDue), Version: f.Version}
	e := map[string]string{}
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 200 {
		e["name"] = "The name of the processor is required (at most 200 characters)."
	}
	if p.Service == "" || utf8.RuneCountInString(p.Service) > 200 {
		e["service"] = "Say what the processor does for calldesk, such as \"hosting\" (at most 200 characters)."
	}
	if !day(p.ContractDate) {
		e["contract_date"] = "The contract's date is required, as a date such as 2026-03-31."
	}
	if m := strings.TrimSpace(f.ContractMonths); m != "" {
		n := 0
		for _, r := range m {
			if r < '0' || r > '9' {
				n = -1
				break
			}
			n = n*10 + int(r-'0')
			if n > 1200 {
				break
			}
		}
		if n < 0 || n > 1200 {
			e["contract_months"] = "The term is a number of months from 0 (open-ended) to 1200."
		} else {
			p.ContractMonths = n
		}
	}
	for _, c := range Clauses() {
		for _, l := range f.Clauses {
			if l == c.Letter {
				p.Clauses += c.Letter
				break
			}
		}
	}
	if !day(p.ReviewDue) {
		e["review_due"] = "The next review's date is required, as a date such as 2027-03-31."
	}
	for i := range f.Countries {
		country := strings.TrimSpace(f.Countries[i])
		sg := ""
		if i < len(f.Safeguards) {
			sg = f.Safeguards[i]
		}
		if country == "" {
			continue
		}
		if SafeguardWords(sg) == sg {
			e["transfers"] = "Choose the safeguard of each country data goes to (" + country + " has none)."
			continue
		}
		p.Transfers = append(p.Transfers, store.Transfer{Country: country, Safeguard: sg})
	}
	if len(p.Contact) > 500 || len(p.SubProcessors) > 5000 || len(p.Notes) > 10000 {
		e["notes"] = "The contact, the sub-processors or the notes are too long: shorten them."
	}
	if strings.TrimSpace(f.Reason) == "" {
		e["reason"] = "Give the reason for the change: it goes into the audit trail."
	}
	return p, desk.Invalid("the processor was not saved", e)
}

// ContractEnds is the day processor p's contract ends ("" when open-ended or its date unknown).
func ContractEnds(p store.Processor) string {
	d, err := time.Parse(time.DateOnly, p.ContractDate)
	if err != nil || p.ContractMonths == 0 {
		return ""
	}
	return d.AddDate(0, p.ContractMonths, 0).Format(time.DateOnly)
}
