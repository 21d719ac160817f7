package cli

import "calldesk/internal/web/portal"

// portalFlags are SupportMe's settings: the desk's contact block on every portal page and the
// sign-in page, and what the confirmation after logging a call says happens next.
type portalFlags struct {
	phone, email, counter, hours, nextSteps *string
}

func portalSettings(st *settings) portalFlags {
	return portalFlags{
		phone:   st.add("desk-phone", "", "SupportMe's contact block: the service desk's phone number, e.g. \"01234 567890\"; empty: not shown", false, nil),
		email:   st.add("desk-email", "", "SupportMe's contact block: the service desk's email address; empty: not shown", false, nil),
		counter: st.add("desk-counter", "", "SupportMe's contact block: where the service desk's counter is, e.g. \"Library, ground floor\"; empty: not shown", false, nil),
		hours:   st.add("desk-hours", "", "SupportMe's contact block: the service desk's opening hours, e.g. \"Monday to Friday, 8:30 to 17:00\"; empty: not shown", false, nil),
		nextSteps: st.add("portal-next-steps", "", "SupportMe: what the confirmation after logging a call says happens next and when, e.g. \"We reply within one working day.\"; empty: "+
			portal.DefaultNextSteps, false, nil),
	}
}

// apply sets the portal's contact block and next steps, and lets it email password reset links
// when calldesk sends email (--smtp-addr, with --public-url for the link).
func (f portalFlags) apply(pt *portal.Portal, outgoing mailFlags) {
	pt.Contact = portal.Contact{Phone: *f.phone, Email: *f.email, Counter: *f.counter, Hours: *f.hours}
	pt.NextSteps = *f.nextSteps
	if *outgoing.smtpAddr != "" {
		pt.PublicURL, pt.MailDomain = *outgoing.publicURL, outgoing.messageDomain()
	}
}
