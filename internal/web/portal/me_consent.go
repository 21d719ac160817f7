package portal

import (
	"context"
	"net/http"
	"strconv"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// Consent on "My details" (issue 19 item 5): the person adds optional contact details (S9) with
// their consent, and opts in to satisfaction surveys; each shows the words agreed to and a
// withdraw button. Withdrawal takes effect at once: the details are deleted, no survey is sent.

// consentPart is the consent section of My details.
type consentPart struct {
	// ContactWording and SurveyWording are the current words asked with (nil: none written yet).
	ContactWording, SurveyWording *store.ConsentWording
	// Contact and Survey are the consents in force (nil: none).
	Contact, Survey *store.Consent
	Contacts        *store.OptionalContacts
	// AltEmail and AltPhone are the contact form as typed.
	AltEmail, AltPhone string
	Done               string
}

func (p *Portal) consentPart(ctx context.Context, person int64) (consentPart, error) {
	var c consentPart
	for purpose, dst := range map[string]**store.ConsentWording{store.PurposeContactDetails: &c.ContactWording, store.PurposeSurveys: &c.SurveyWording} {
		w, err := p.Store.CurrentWording(ctx, purpose)
		switch {
		case err == nil:
			*dst = &w
		case desk.ErrorCode(err) != desk.ENOTFOUND:
			return c, err
		}
	}
	cs, err := p.Store.Consents(ctx, person)
	if err != nil {
		return c, err
	}
	for _, x := range cs {
		if !x.Live() {
			continue
		}
		x := x
		if x.Purpose == store.PurposeContactDetails {
			c.Contact = &x
		} else if x.Purpose == store.PurposeSurveys {
			c.Survey = &x
		}
	}
	switch o, err := p.Store.FindOptionalContacts(ctx, person); {
	case err == nil:
		c.Contacts = &o
	case desk.ErrorCode(err) != desk.ENOTFOUND:
		return c, err
	}
	return c, nil
}

// giveConsent records the person's consent to the purpose posted, with the optional contact
// details for that purpose.
func (p *Portal) giveConsent(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	purpose := f.Get("purpose")
	wording, _ := strconv.ParseInt(f.Get("wording"), 10, 64)
	var details store.OptionalContacts
	var err error
	switch purpose {
	case store.PurposeContactDetails:
		details, err = dpo.OptionalContacts(f.Get("alt_email"), f.Get("alt_phone"), f.Get("agree") == "1")
	case store.PurposeSurveys:
		if f.Get("agree") != "1" {
			err = desk.Invalid("not saved", map[string]string{"survey_agree": "Tick the box to agree to be asked for surveys."})
		}
	default:
		return desk.Errorf(desk.EINVALID, "there is no such consent to give")
	}
	if err == nil {
		_, err = p.Store.GiveConsent(r.Context(), v.Actor, v.Person.ID, purpose, wording, details)
	}
	if err == nil {
		return seeOther(w, r, prefix+"me?done=consent-"+purpose+"#consent-title")
	}
	de := desk.AsError(err)
	if de == nil || (de.Code != desk.EINVALID && de.Code != desk.ECONFLICT) {
		return err
	}
	pg, persons, perr := p.mePage(r.Context(), v)
	if perr != nil {
		return perr
	}
	pg.Consent.AltEmail, pg.Consent.AltPhone = f.Get("alt_email"), f.Get("alt_phone")
	if de.Code == desk.ECONFLICT {
		key := "agree"
		if purpose == store.PurposeSurveys {
			key = "survey_agree"
		}
		pg.Errors[key] = sentence(de.Message)
	} else {
		for k, m := range de.Fields {
			pg.Errors[k] = m
		}
	}
	if err := p.auditRead(v, "person.view", "person", strconv.FormatInt(pg.Person.ID, 10), persons,
		"portal: viewed own details (consent form refused)"); err != nil {
		return err
	}
	pg.Failed = true
	return p.render(w, r, http.StatusUnprocessableEntity, "me", pg)
}

// withdrawConsent withdraws the person's consent to the purpose posted, at once.
func (p *Portal) withdrawConsent(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	purpose := r.PostForm.Get("purpose")
	if purpose != store.PurposeContactDetails && purpose != store.PurposeSurveys {
		return desk.Errorf(desk.EINVALID, "there is no such consent to withdraw")
	}
	err := p.Store.WithdrawConsent(r.Context(), v.Actor, v.Person.ID, purpose)
	if err != nil && desk.ErrorCode(err) != desk.ENOTFOUND { // already withdrawn: the page says so anyway
		return err
	}
	return seeOther(w, r, prefix+"me?done=withdrawn-"+purpose+"#consent-title")
}

// PurposeWords names a purpose.
func (consentPart) PurposeWords(purpose string) string { return dpo.PurposeWords(purpose) }
