package demo

import (
	"context"
	"fmt"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// loadBreachesDisclosures gives the demo's Data Protection Officer a breach register and a
// disclosure log to look at (issue 19 items 3 and 4): a breach reported nine days ago, assessed,
// notified to the ICO within 72 hours with its reference and closed; a suspected breach reported
// this morning, still open on its 72-hour clock; and a police request for a student's calls,
// approved by the University Secretary.
func loadBreachesDisclosures(ctx context.Context, s *store.Store, now time.Time) error {
	students, _, err := s.FindPeople(ctx, store.PersonFilter{Kind: desk.Student, Limit: 3})
	if err != nil {
		return err
	}
	staff, _, err := s.FindPeople(ctx, store.PersonFilter{Kind: desk.Staff, Limit: 2})
	if err != nil {
		return err
	}
	if len(students) < 3 || len(staff) < 2 {
		return nil // a demo too small for these records
	}
	reporter := desk.Actor{PersonID: staff[0].ID, Name: staff[0].Name(), Surface: desk.SurfaceConsole}
	dpoActor := desk.Actor{Name: "Data Protection Officer (demo)", Surface: desk.SurfaceConsole, Reason: "demo data"}

	sent, err := s.ReportBreach(ctx, reporter, store.Breach{AwareAt: now.Add(-9*24*time.Hour - 3*time.Hour),
		Report: fmt.Sprintf("I emailed the export of the Physics department's open calls to the wrong mailing list (about 60 people). "+
			"It included %s's and %s's call text.", students[0].Name(), students[1].Name())}, nil)
	if err != nil {
		return err
	}
	for _, p := range students[:2] {
		if err := s.LinkBreachPerson(ctx, dpoActor, sent.ID, p.ID, true); err != nil {
			return err
		}
	}
	if sent, err = s.FindBreach(ctx, sent.ID); err != nil {
		return err
	}
	a := dpo.Assessment{Assessment: "A spreadsheet of 41 open calls was sent to a student mailing list of 63 recipients; " +
		"two calls held health information.", PeopleCount: "41", DataCategories: "names, usernames, call text (two with health information)",
		Risk: "risk", Notify: "yes", Decision: "Health information reached people outside the desk: a risk to the two students' rights.",
		ApprovedBy: "University Secretary", NotifiedAt: sent.AwareAt.Add(30 * time.Hour), Reference: "IC-318842-D7K2", PeopleTold: "yes",
		Actions: "Recall requested and confirmed by 58 recipients; the list's moderation switched on; staff briefed on exports.",
		State:   "closed", Reason: "demo data"}
	closed, err := a.Apply(sent, now)
	if err != nil {
		return err
	}
	if _, err := s.AssessBreach(ctx, dpoActor, closed); err != nil {
		return err
	}
	if _, err := s.ReportBreach(ctx, desk.Actor{PersonID: staff[1].ID, Name: staff[1].Name(), Surface: desk.SurfaceConsole},
		store.Breach{AwareAt: now.Add(-5 * time.Hour), Report: "A laptop with the desk's call notes synced offline was left on a train; " +
			"it is encrypted, but I am not sure the screen was locked."}, nil); err != nil {
		return err
	}

	in, err := dpo.CheckRequest(dpo.DisclosureRequest{Kind: "police", Organisation: "Thames Valley Police", Requester: "DC Sam Holt",
		Reference: "43/81723/26", Form: "DP7 request for personal data, form 7781", Basis: "DPA 2018 Schedule 2 paragraph 2: " +
			"prevention or detection of crime (a stolen laptop reported through the service desk)",
		Requested: "The calls about the stolen laptop and the times the student reported them", ReceivedAt: now.Add(-4 * 24 * time.Hour),
		People: []int64{students[2].ID}}, now)
	if err != nil {
		return err
	}
	d, err := s.LogDisclosure(ctx, dpoActor, in, []int64{students[2].ID})
	if err != nil {
		return err
	}
	dec, err := dpo.Decision{State: "approved", Approver: "University Secretary (Jo Registrar)",
		Reasons: "The crime exemption applies; only the two calls about the laptop are disclosed."}.Apply(d)
	if err != nil {
		return err
	}
	_, err = s.DecideDisclosure(ctx, dpoActor, dec)
	return err
}
