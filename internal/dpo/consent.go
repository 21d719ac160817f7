// Package dpo holds the Data Protection Officer's accountability records (issue 19): what may be
// recorded in them and how a form is checked, and the jobs that remind the DPO. The records are
// stored through package store; the pages are the console's and the portal's.
package dpo

import (
	"context"
	"strings"
	"unicode/utf8"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// PurposeWords says, for the person, what each purpose that rests on consent is.
func PurposeWords(purpose string) string {
	switch purpose {
	case store.PurposeContactDetails:
		return "Optional contact details"
	case store.PurposeSurveys:
		return "Satisfaction surveys"
	}
	return purpose
}

// DefaultWordings are the first wordings of each purpose, which the demo and a fresh install
// start from; the DPO changes them in the console.
var defaultWordings = map[string]string{
	store.PurposeContactDetails: "I agree that the IT service desk may keep the alternate email address and phone number I give here, " +
		"and use them only to reach me about my calls. I can withdraw this at any time on this page, and they are then deleted at once.",
	store.PurposeSurveys: "I agree to be asked, by email, to answer a short satisfaction survey after a call of mine is resolved. " +
		"I can withdraw this at any time on this page, and no survey is sent to me after that.",
}

// DefaultWording is purpose's first wording.
func DefaultWording(purpose string) string { return defaultWordings[purpose] }

// MaxWording bounds a wording.
const MaxWording = 2000

// CheckWording checks a new wording of purpose and the reason for it.
func CheckWording(purpose, body, reason string) error {
	f := map[string]string{}
	if purpose != store.PurposeContactDetails && purpose != store.PurposeSurveys {
		f["purpose"] = "Choose one of the purposes that rest on consent."
	}
	switch body = strings.TrimSpace(body); {
	case body == "":
		f["body"] = "Write the words the person agrees to."
	case utf8.RuneCountInString(body) > MaxWording:
		f["body"] = "The words must be at most 2000 characters."
	}
	if strings.TrimSpace(reason) == "" {
		f["reason"] = "Give the reason the words change: it goes into the audit trail."
	}
	return desk.Invalid("the wording was not saved", f)
}

// OptionalContacts checks the optional contact details a person gives with their consent: at least one,
// each well formed, and the box ticked.
func OptionalContacts(altEmail, altPhone string, agreed bool) (store.OptionalContacts, error) {
	o := store.OptionalContacts{AltEmail: strings.TrimSpace(altEmail), AltPhone: strings.TrimSpace(altPhone)}
	f := map[string]string{}
	if o.AltEmail == "" && o.AltPhone == "" {
		f["alt_email"] = "Give an alternate email address, a phone number, or both."
	}
	if o.AltEmail != "" && (!desk.ValidEmail(o.AltEmail) || len(o.AltEmail) > 254) {
		f["alt_email"] = "The alternate email address is not a valid email address: it should look like name@example.com."
	}
	if o.AltPhone != "" && !desk.ValidPhone(o.AltPhone) {
		f["alt_phone"] = "The phone number should have at least five digits, and only digits, spaces, +, - and brackets."
	}
	if !agreed {
		f["agree"] = "Tick the box to agree: we keep these details only with your consent."
	}
	return o, desk.Invalid("your details were not saved", f)
}

// EnsureWordings gives each purpose its default wording if it has none yet, so that the portal
// can always ask for consent. Audited as calldesk's.
func EnsureWordings(ctx context.Context, s *store.Store) error {
	for _, p := range store.ConsentPurposes() {
		_, err := s.CurrentWording(ctx, p)
		if desk.ErrorCode(err) != desk.ENOTFOUND {
			if err != nil {
				return err
			}
			continue
		}
		if _, err := s.AddConsentWording(ctx, desk.System("consent wordings"), p, DefaultWording(p), "the first wording, shipped with calldesk"); err != nil {
			return err
		}
	}
	return nil
}
