package privacy_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/privacy"
)

// TestPDFCarriesTheDPOSections: report.pdf lists the breaches, disclosures and consents the
// bundle's JSON files hold (issue 19), each with its count, as report.html does.
func TestPDFCarriesTheDPOSections(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b := &privacy.Bundle{Name: "Dan Customer", GeneratedAt: at, Zone: desk.ZoneOf(time.UTC),
		Breaches:    []privacy.BundleBreach{{ID: 4, AwareAt: at, State: "closed", WhatHappened: "A list emailed to the wrong group"}},
		Disclosures: []privacy.BundleDisclosure{{ID: 2, ReceivedAt: at, Kind: "police", Organisation: "Example Police", Basis: "Schedule 2", Requested: "contact details", State: "approved"}},
		Consents:    []privacy.BundleConsent{{Purpose: "optional contact details", Version: 2, Wording: "You may contact me at these details", GivenAt: at, AltEmail: "dan@home.example"}},
	}
	var buf bytes.Buffer
	if err := b.Render(context.Background(), &buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	text := pdfStrings(t, unzip(t, buf.Bytes())["report.pdf"])
	for _, want := range []string{"Personal data breaches that affected you (1)", "A list emailed to the wrong group",
		"Disclosures of your data to third parties (1)", "Example Police", "Your consents (1)", "You may contact me at these details", "dan@home.example"} {
		if !strings.Contains(text, want) {
			t.Errorf("report.pdf lacks %q", want)
		}
	}
}
