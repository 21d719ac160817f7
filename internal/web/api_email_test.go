package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// TestAPIEmailsOnlyForSupport (S13): an email on a call is read in full through the API only by
// analysts with the support role; other analysts see that it exists. (Customers do not use the
// API; the portal shows them their own emails.)
func TestAPIEmailsOnlyForSupport(t *testing.T) {
	apiTest(t, func(t *testing.T, e *env) {
		d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "m1@mail.example",
			From: e.f.Dan.Email, Subject: "VPN drops every ten minutes", Text: "My home router is a Netgear R7000",
			Raw: []byte("x"), GroupID: e.f.ServiceDesk.ID}, store.IngestRules{})
		if err != nil {
			t.Fatal(err)
		}
		// The reply is what lands as an email entry; the first message is the call's description.
		if _, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 2, MessageID: "m2@mail.example",
			From: e.f.Dan.Email, Subject: "Re: [" + d.CallRef + "]", Ref: d.CallRef, Text: "It also drops on campus Wi-Fi, room 2.14",
			Raw: []byte("y")}, store.IngestRules{}); err != nil {
			t.Fatal(err)
		}
		support := e.tokenFor(e.f.Bob, time.Time{}, desk.RoleAnalyst, desk.RoleSupportAnalyst)
		for _, tc := range []struct {
			who, token string
			reads      bool
		}{{"an analyst without the support role", e.token, false}, {"a support analyst", support, true}} {
			for _, path := range []string{"/api/v1/calls/" + d.CallRef, "/api/v1/calls/" + d.CallRef + "/entries"} {
				r := e.reqAs(tc.token, "GET", path, nil)
				if r.status != http.StatusOK {
					t.Fatalf("%s: GET %s: %d %s", tc.who, path, r.status, r.body)
				}
				body := string(r.body)
				if got := strings.Contains(body, "room 2.14"); got != tc.reads {
					t.Errorf("%s: GET %s shows the email's text: %v, want %v\n%s", tc.who, path, got, tc.reads, body)
				}
				if !tc.reads && !strings.Contains(body, "support role only") {
					t.Errorf("%s: GET %s does not say an email exists\n%s", tc.who, path, body)
				}
			}
		}
	})
}
