package mail

import (
	"slices"
	"testing"

	"calldesk/internal/store"
)

// TestFillLeavesOwnAddressesOffTheCopyList: the desk's own addresses, in the To or Cc of nearly
// every message, are not recorded as the message's recipients, so they never join a call's copy
// list (where a forged From of the desk's address could add to the call); everyone else is.
func TestFillLeavesOwnAddressesOffTheCopyList(t *testing.T) {
	raw := []byte("From: Dan Dawson <ddawson@uni.example>\r\nTo: Service Desk <ServiceDesk@uni.example>, raj@partner.example\r\n" +
		"Cc: it-help@uni.example, \"Hannah Ng\" <hannah.ng@uni.example>\r\nSubject: Projector\r\nMessage-ID: <own-cc-1@uni.example>\r\n\r\nIt flickers.\r\n")
	msg, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	in := &Intake{Own: []string{"servicedesk@uni.example", " it-help@uni.example"}}
	var m store.InMail
	in.fill(&m, msg)
	if want := []string{"raj@partner.example", "hannah.ng@uni.example"}; !slices.Equal(m.Recipients, want) {
		t.Errorf("recipients %q, want %q (the desk's own addresses left out)", m.Recipients, want)
	}
	in.Own = nil
	m = store.InMail{}
	in.fill(&m, msg)
	if len(m.Recipients) != 4 {
		t.Errorf("with no own addresses configured, recipients %q, want all four", m.Recipients)
	}
}
