package cli

import (
	"errors"
	"time"

	"calldesk/internal/desk"
)

// zoneSetting is --timezone (CALLDESK_TIMEZONE), the desk's time zone: every time a person reads
// (pages, emails, diary texts, subject access reports) is written in it, with the abbreviation
// right for its date (desk.Zone), and hold times typed in the console are read in it.
func zoneSetting(st *settings) *string {
	return st.add("timezone", "Europe/London", "the desk's time zone: the console, the portal, emails and subject access reports show times in it, and the console reads hold times typed in it (an IANA name, e.g. Europe/London or UTC)", false, func(v string) error {
		if _, err := desk.LoadZone(v); err != nil {
			return errors.New("is not a time zone name like Europe/London")
		}
		return nil
	})
}

// location is the location of --timezone, checked by zoneSetting already (UTC if it were not).
func location(name string) *time.Location {
	z, _ := desk.LoadZone(name)
	return z.Location()
}
