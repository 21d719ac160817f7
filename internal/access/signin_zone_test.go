package access_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSignInThrottlingSaysWhenInTheDesksZone (issue 16, defect 1): the sign-in that waits says
// until when in the desk's zone, with its abbreviation: 10:15 BST in summer, not 09:15 UTC.
func TestSignInThrottlingSaysWhenInTheDesksZone(t *testing.T) {
	clock := storetest.NewClock(time.Date(2027, 7, 1, 9, 0, 0, 0, time.UTC))
	london, err := desk.LoadZone("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, _ := signinEnv(t, s, clock)
		m.Zone = london
		for i := 0; i < 5; i++ {
			if _, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: "guess", Addr: "10.0.0.1"}); code(err) != desk.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		_, err := m.SignIn(ctx, access.SignIn{Login: "aarcher", Password: goodPassword, Addr: "10.0.0.9"})
		if code(err) != desk.ETHROTTLED || !strings.Contains(err.Error(), "try again after 10:15 BST") {
			t.Fatalf("sixth attempt: %v, want to be told to try again after 10:15 BST", err)
		}
	})
}
