package privacy_test

import (
	"context"
	"testing"
	"time"

	"calldesk/internal/privacy"
	"calldesk/internal/store"
)

// TestRegisterSectionsAreBundleFiles: every SAR section the register of personal data names is a
// file of the bundle's zip, so the register cannot point at a part of the bundle that is not there
// (or stops being there).
func TestRegisterSectionsAreBundleFiles(t *testing.T) {
	bu := &privacy.Bundle{PersonID: 1, Name: "Dan Dawson", GeneratedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	data, err := bu.RenderBytes(context.Background(), nil, func(context.Context, int64) ([]byte, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	files := unzip(t, data)
	for _, s := range store.SARSections() {
		if _, ok := files[string(s)]; !ok {
			t.Errorf("the register's SAR section %q is no file of the bundle", s)
		}
	}
	for _, c := range store.Register() {
		for _, s := range c.SAR {
			if _, ok := files[string(s)]; !ok && s != store.SectionNone {
				t.Errorf("%s: SAR section %q is no file of the bundle", c.Name(), s)
			}
		}
	}
}
