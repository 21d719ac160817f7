package demo

import (
	"context"
	"fmt"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// demoContacts are the demo university's contact details, which its published privacy notice
// names (serve's --controller-name, --controller-contact and --dpo-contact set a real one's).
func demoContacts() dpo.Contacts {
	return dpo.Contacts{University: "University of Example",
		UniversityContact: "University House, Example Road, Exampleton EX1 2AB; enquiries@uni.example; 01234 560000",
		DPO:               "the Data Protection Officer, University House, Example Road, Exampleton EX1 2AB; dpo@uni.example; 01234 560123"}
}

// loadDPORecords records calldesk's ten processing activities (issue 19), reviews most of them
// and publishes the privacy notice made from them, so the Data protection area is not empty.
func loadDPORecords(ctx context.Context, s *store.Store) error {
	actor := desk.System("demo data")
	for i, a := range dpo.StandardActivities() {
		rec, err := s.CreateProcessingActivity(ctx, actor, a, "the desk's processing as it went live")
		if err != nil {
			return fmt.Errorf("demo record of processing %s: %w", a.Code, err)
		}
		if i < 8 { // two left unreviewed, which the compliance page points out
			if err := s.ReviewProcessingActivity(ctx, actor, rec.ID, "annual review with the service owner"); err != nil {
				return fmt.Errorf("demo review of %s: %w", a.Code, err)
			}
		}
	}
	recs, err := dpo.Records(ctx, s)
	if err != nil {
		return err
	}
	if _, err := s.PublishNotice(ctx, actor, dpo.BuildNotice(recs, demoContacts()).Marshal(), "the service desk's notice, made from its records of processing"); err != nil {
		return fmt.Errorf("demo privacy notice: %w", err)
	}
	return nil
}
