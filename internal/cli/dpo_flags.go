package cli

import (
	"calldesk/internal/dpo"
	"calldesk/internal/web/console"
)

// dpoFlags are the contact details the privacy notice and the DPO's exports name (policy 14.3:
// the name and contact details of the University and of its Data Protection Officer).
type dpoFlags struct {
	name, contact, dpo *string
}

func dpoSettings(st *settings) dpoFlags {
	return dpoFlags{
		name:    st.add("controller-name", "", "the privacy notice: the university's name, the controller of the desk's personal data, e.g. \"University of Example\"", false, nil),
		contact: st.add("controller-contact", "", "the privacy notice: the university's contact details (address, email, phone)", false, nil),
		dpo:     st.add("dpo-contact", "", "the privacy notice: how to reach the university's Data Protection Officer (address, email, phone)", false, nil),
	}
}

// apply gives the console the contacts.
func (f dpoFlags) apply(c *console.Console) {
	c.Contacts = dpo.Contacts{University: *f.name, UniversityContact: *f.contact, DPO: *f.dpo}
}
