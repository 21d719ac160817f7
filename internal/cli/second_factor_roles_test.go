package cli

import (
	"slices"
	"strings"
	"testing"

	"calldesk/internal/desk"
)

// TestSecondFactorRolesSetting: --second-factor-roles takes a list of roles or none, and names a
// role it does not know.
func TestSecondFactorRolesSetting(t *testing.T) {
	if err := checkRoles("admin,dpo,supplier"); err != nil {
		t.Fatal(err)
	}
	if got := parseRoles("admin, dpo,supplier"); !slices.Equal(got, []desk.Role{desk.RoleAdmin, desk.RoleDPO, desk.RoleSupplier}) {
		t.Fatalf("parsed %v", got)
	}
	if got := parseRoles("none"); got != nil {
		t.Fatalf("none parsed as %v", got)
	}
	if err := checkRoles("admin,admn"); err == nil || !strings.Contains(err.Error(), `"admn" is not a role`) {
		t.Fatalf("a misspelt role: %v", err)
	}
}
