package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// loadDPORecords adds the Data Protection Officer's records of issue 19 items 5-7: the consent
// wordings (contact details in two versions), some people's consents (a few withdrawn), three
// processors with their transfers, a DPIA of the portal and a legitimate-interest assessment of
// satisfaction surveys, so that the console's consent, processor and assessment pages show a
// realistic workspace.
func loadConsentsProcessorsAssessments(ctx context.Context, s *store.Store, now time.Time) error {
	dpoActor := desk.Actor{Name: "Data Protection Officer (demo)"}
	if err := dpo.EnsureWordings(ctx, s); err != nil {
		return err
	}
	if _, err := s.AddConsentWording(ctx, dpoActor, store.PurposeContactDetails, "I agree that the IT service desk may keep the alternate email "+
		"address and phone number I give here, and use them only to contact me about my calls. I can withdraw this at any time on this page; "+
		"they are then deleted at once.", "plainer words after the 2025 review"); err != nil {
		return err
	}
	active := true
	people, _, err := s.FindPeople(ctx, store.PersonFilter{Kind: desk.Student, Active: &active, Limit: 12})
	if err != nil {
		return err
	}
	staff, _, err := s.FindPeople(ctx, store.PersonFilter{Kind: desk.Staff, Active: &active, Limit: 6, Offset: 40})
	if err != nil {
		return err
	}
	people = append(people, staff...)
	cw, err := s.CurrentWording(ctx, store.PurposeContactDetails)
	if err != nil {
		return err
	}
	sw, err := s.CurrentWording(ctx, store.PurposeSurveys)
	if err != nil {
		return err
	}
	for i, p := range people {
		me := desk.Actor{PersonID: p.ID, Name: p.Name(), Surface: desk.SurfacePortal}
		if i%2 == 0 {
			user := strings.ToLower(strings.ReplaceAll(p.FirstName+"."+p.LastName, " ", ""))
			if _, err := s.GiveConsent(ctx, me, p.ID, store.PurposeContactDetails, cw.ID, store.OptionalContacts{
				AltEmail: user + "@home.example", AltPhone: fmt.Sprintf("07700 900%03d", i)}); err != nil {
				return err
			}
		}
		if i%3 != 2 {
			if _, err := s.GiveConsent(ctx, me, p.ID, store.PurposeSurveys, sw.ID, store.OptionalContacts{}); err != nil {
				return err
			}
		}
		if i%5 == 4 {
			if err := s.WithdrawConsent(ctx, me, p.ID, store.PurposeSurveys); err != nil && desk.ErrorCode(err) != desk.ENOTFOUND {
				return err
			}
		}
	}
	day := func(months int) string { return now.AddDate(0, months, 0).Format(time.DateOnly) }
	for _, p := range []store.Processor{
		{Name: "Northgate Cloud Hosting Ltd", Service: "Hosting of calldesk's servers and database (UK data centres)", Contact: "dpo@northgate-hosting.example",
			ContractDate: day(-20), ContractMonths: 36, Clauses: "abcdefgh", SubProcessors: "None: own data centres in Manchester and London",
			Notes: "ISO 27001 certificate seen; backups encrypted, 35-day rotation.", ReviewDue: day(4)},
		{Name: "Mailwise Inc.", Service: "Outgoing email relay (notifications to customers)", Contact: "privacy@mailwise.example",
			ContractDate: day(-30), ContractMonths: 24, Clauses: "abcdefg", SubProcessors: "Amazon Web Services (EU-West, Ireland)",
			Notes: "Clause (h) audit right only by questionnaire: accepted, see the DPIA.", ReviewDue: day(-1),
			Transfers: []store.Transfer{{Country: "United States", Safeguard: "addendum"}, {Country: "Ireland", Safeguard: "adequacy"}}},
		{Name: "Hornbill Technologies Ltd", Service: "Supplier of the service desk software: fixes and upgrades, its people reaching the data only under supplier grants",
			Contact: "dataprotection@hornbill.example", ContractDate: day(-24), ContractMonths: 36, Clauses: "abcdefgh", SubProcessors: "None",
			Notes: "Remote access only through calldesk's supplier grants (time-boxed, approved by the DPO, audited).", ReviewDue: day(8)},
		{Name: "Microsoft Ireland Operations Ltd", Service: "Identity provider (Entra ID single sign-on)", Contact: "EU Data Protection Officer",
			ContractDate: day(-40), Clauses: "abcdefgh", SubProcessors: "As listed on the Microsoft sub-processor list, reviewed yearly",
			ReviewDue: day(2), Transfers: []store.Transfer{{Country: "Ireland", Safeguard: "adequacy"}, {Country: "United States", Safeguard: "adequacy"}}},
	} {
		if _, err := s.SaveProcessor(ctx, dpoActor, p, "recorded at go-live"); err != nil {
			return err
		}
	}
	d, err := s.SaveDPIA(ctx, dpoActor, store.DPIA{Kind: store.KindDPIA, Title: "SupportMe portal and call logging",
		Processing: "Staff, students and partners log and follow calls on the portal; analysts handle them; emails to and from the desk.",
		Assessment: "Necessary to deliver IT support (public task). Only the data needed is asked for; special-category text is warned about and masked; " +
			"retention follows the schedule.",
		Outcome:   "Go ahead with the mitigations listed; residual risk low.",
		ReviewDue: day(6),
		Risks: []store.Risk{
			{Risk: "Special-category data typed into a call is seen by analysts who do not need it", Likelihood: "possible", Severity: "significant",
				Mitigation: "Warning at submit; masking outside the call's group"},
			{Risk: "Personal data sent by email to the wrong person", Likelihood: "remote", Severity: "significant",
				Mitigation: "Notifications carry the reference and a link only"},
		}}, "first assessment before go-live")
	if err != nil {
		return err
	}
	if err := s.SignOffDPIA(ctx, dpoActor, d.ID, d.Version, "read and approved"); err != nil {
		return err
	}
	_, err = s.SaveDPIA(ctx, dpoActor, store.DPIA{Kind: store.KindLIA, Title: "Satisfaction surveys after resolution",
		Processing: "Asking customers whose call was resolved to answer a short survey.",
		Assessment: "Purpose: improve the service. Necessity: no less intrusive way to hear from customers. Balancing: people expect it little, so it " +
			"rests on consent (opt-in on My details) instead; this assessment records why legitimate interest was not chosen.",
		Outcome:   "Consent, not legitimate interest.",
		ReviewDue: day(11),
		Risks:     []store.Risk{{Risk: "People feel pestered by surveys", Likelihood: "possible", Severity: "minimal", Mitigation: "Opt-in only; withdraw at any time"}},
	}, "assessment of the survey opt-in")
	return err
}
