package desk

import "testing"

func TestScrubber(t *testing.T) {
	sc := NewScrubber(Identifiers{FirstName: "Ann", LastName: "O'Brien", Username: "aobrien", Email: "ann.obrien@uni.example",
		StudentNumber: "S1234567", Phone: "01234 567890", Others: []string{"ann@home.example"}}, "[P]")
	cases := []struct{ in, scrub, all string }{
		{"Ann O'Brien rang", "[P] rang", "[P] rang"},
		{"O'Brien, Ann asked", "[P] asked", "[P] asked"},
		{"ANN O'BRIEN", "[P]", "[P]"},
		{"Ann O&#39;Brien (html)", "[P] (html)", "[P] (html)"},
		{"mail ann.obrien@uni.example or ann@home.example", "mail [P] or [P]", "mail [P] or [P]"},
		{"user aobrien, id S1234567", "user [P], id [P]", "user [P], id [P]"},
		{"call 01234567890 or 01234-567-890 or +44 1234 567890", "call [P] or [P] or [P]", "call [P] or [P] or [P]"},
		{"Dear Ann, the annual report", "Dear Ann, the annual report", "Dear [P], the annual report"},
		{"Mr O'Brien", "Mr O'Brien", "Mr [P]"},
		{"Annabel and 012345678901", "Annabel and 012345678901", "Annabel and 012345678901"},
		{"aobrien2 is someone else", "aobrien2 is someone else", "aobrien2 is someone else"},
	}
	for _, c := range cases {
		if got := sc.Scrub(c.in); got != c.scrub {
			t.Errorf("Scrub(%q) = %q, want %q", c.in, got, c.scrub)
		}
		if got := sc.ScrubAll(c.in); got != c.all {
			t.Errorf("ScrubAll(%q) = %q, want %q", c.in, got, c.all)
		}
	}
	if !sc.Finds("write to ANN.OBRIEN@uni.example") || sc.Finds("Ann alone") {
		t.Error("Finds")
	}
}

func TestErasureValidate(t *testing.T) {
	ok := Erasure{PersonID: 1, Basis: BasisPublicTask, Ground: GroundNotNeeded, Decision: " no longer needed ", Confirmed: true}
	if err := ok.Validate(); err != nil || ok.Decision != "no longer needed" {
		t.Fatalf("valid decision refused: %v", err)
	}
	bad := ok
	bad.Ground = GroundConsentWithdrawn
	if err := bad.Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("withdrawn consent on a public task accepted: %v", err)
	}
	bad.Basis = BasisConsent
	if err := bad.Validate(); err != nil {
		t.Errorf("withdrawn consent on consent refused: %v", err)
	}
}

// TestDataProtectionStepsInWords: "who has seen my data" names the data-protection steps in words,
// not by their action codes.
func TestDataProtectionStepsInWords(t *testing.T) {
	for _, action := range []string{"person.erase", "person.restrict", "person.unrestrict", "legal_hold.place", "legal_hold.lift",
		"sar.queue", "sar.download", "request.log"} {
		if w := (AuditRecord{Action: action}).What(); w == action || w == "" {
			t.Errorf("%s has no words: %q", action, w)
		}
	}
}
