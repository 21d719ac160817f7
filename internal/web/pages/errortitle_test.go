package pages

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrorTitle: an error page is titled with what went wrong, from the error's message when
// its first clause is short, otherwise in words for its status; never a status's name, never an
// internal error's message (issue 16 defect 3).
func TestErrorTitle(t *testing.T) {
	for _, tc := range []struct {
		status  int
		message string
		want    string
	}{
		{http.StatusUnprocessableEntity, "this search is too long: a search may be at most 200 characters", "This search is too long"},
		{http.StatusNotFound, "there is no bundle 7", "There is no bundle 7"},
		{http.StatusUnprocessableEntity, "the form could not be read (invalid URL escape)", "The form could not be read"},
		{http.StatusNotFound, "", "Page not found"},
		{http.StatusForbidden, "only accounts with the Data Protection Officer role may keep the register of subject requests; yours holds analyst", "You are not allowed to do this"},
		{http.StatusUnprocessableEntity, "invalid", "Please check what you sent"},
		{http.StatusConflict, "", "Changed by someone else meanwhile"},
		{http.StatusInternalServerError, "pq: relation does not exist: select", "Something went wrong on our side"},
		{http.StatusTeapot, "", "This could not be done"},
	} {
		got := ErrorTitle(tc.status, tc.message)
		if got != tc.want {
			t.Errorf("ErrorTitle(%d, %q) = %q, want %q", tc.status, tc.message, got, tc.want)
		}
	}
	for status := 400; status < 600; status++ {
		if text := http.StatusText(status); text != "" && ErrorTitle(status, "") == text {
			t.Errorf("status %d is titled with its name %q", status, text)
		}
		if strings.TrimSpace(ErrorTitle(status, "")) == "" {
			t.Errorf("status %d has no title", status)
		}
	}
}
