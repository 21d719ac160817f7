package console_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestVendoredHTMXMatchesTheLockfile checks that the embedded htmx is the one package-lock.json
// pins (scripts/vendor.sh copies it), and that it is a 2.0.x release.
func TestVendoredHTMXMatchesTheLockfile(t *testing.T) {
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	b, err := os.ReadFile("../../../package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	v := lock.Packages["node_modules/htmx.org"].Version
	if !strings.HasPrefix(v, "2.0.") {
		t.Fatalf("package-lock.json pins htmx.org %q; the console is built for 2.0.x", v)
	}
	embedded, err := os.ReadFile("static/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	installed, err := os.ReadFile("../../../node_modules/htmx.org/dist/htmx.min.js")
	if os.IsNotExist(err) && os.Getenv("CI") != "true" {
		t.Skip("node_modules not installed (make test installs it: npm ci)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(embedded, installed) {
		t.Fatalf("internal/web/console/static/htmx.min.js is not htmx %s from package-lock.json: run scripts/vendor.sh", v)
	}
}
