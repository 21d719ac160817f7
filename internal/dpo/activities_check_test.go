package dpo_test

import (
	"testing"

	"calldesk/internal/dpo"
)

// The standard activities are valid records: ten of them, each naming register tables.
func TestStandardActivitiesValid(t *testing.T) {
	acts := dpo.StandardActivities()
	if len(acts) != 10 {
		t.Fatalf("%d standard activities, want ten", len(acts))
	}
	for _, a := range acts {
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a.Code, err)
		}
	}
}
