package access_test

import (
	"strings"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/desk"
)

// TestReadsCall is the special-category rule (S8, P4) as a matrix of reader x call: its group's
// members, its analyst and the DPO read it; anyone else sees it masked, with no files; every
// reader reads a call not so marked. A call awaiting triage is the support role's (S13).
func TestReadsCall(t *testing.T) {
	const me, group, other = 7, 3, 4
	calls := map[string]desk.Call{
		"plain":                {Summary: "s", Description: "d", GroupID: other},
		"special, my group":    {Summary: "s", Description: "d", GroupID: group, SpecialCategory: true},
		"special, assigned me": {Summary: "s", Description: "d", GroupID: other, AnalystID: me, SpecialCategory: true},
		"special, other group": {Summary: "s", Description: "d", GroupID: other, AnalystID: 9, SpecialCategory: true},
		"special, unassigned":  {Summary: "s", Description: "d", SpecialCategory: true},
	}
	for _, tc := range []struct {
		role  desk.Role
		reads map[string]bool
	}{
		{desk.RoleAnalyst, map[string]bool{"plain": true, "special, my group": true, "special, assigned me": true, "special, unassigned": true}},
		{desk.RoleSupportAnalyst, map[string]bool{"plain": true, "special, my group": true, "special, assigned me": true, "special, unassigned": true}},
		{desk.RoleServiceManager, map[string]bool{"plain": true, "special, my group": true, "special, assigned me": true, "special, unassigned": true}},
		{desk.RoleAdmin, map[string]bool{"plain": true, "special, my group": true, "special, assigned me": true, "special, unassigned": true}},
		{desk.RoleDPO, map[string]bool{"plain": true, "special, my group": true, "special, assigned me": true,
			"special, other group": true, "special, unassigned": true}},
	} {
		r := access.ReaderOf(desk.Account{PersonID: me, Roles: []desk.Role{tc.role}, Active: true}, []int64{group})
		for name, c := range calls {
			want := tc.reads[name]
			if got := access.ReadsCall(r, c); got != want {
				t.Errorf("%s reads %s: %v, want %v", tc.role, name, got, want)
			}
			seen := access.CallFor(r, c)
			atts := access.AttachmentsFor(r, c, []desk.Attachment{{ID: 1}})
			diary := access.DiaryFor(r, c, []desk.Entry{{Kind: desk.EntryNote, Text: "note"}})
			if want && (seen.Description != "d" || len(atts) != 1 || diary[0].Text != "note") {
				t.Errorf("%s, %s: %+v, files %v, diary %v", tc.role, name, seen, atts, diary)
			}
			if !want && (seen.Description != desk.SpecialMasked || seen.Summary != desk.SpecialMaskedSummary || len(atts) != 0 || diary[0].Text != desk.SpecialMasked) {
				t.Errorf("%s, %s not masked: %+v, files %v, diary %v", tc.role, name, seen, atts, diary)
			}
		}
	}
	pending := desk.Call{Summary: "s", Description: "d", TriagePending: true}
	for role, reads := range map[desk.Role]bool{desk.RoleAnalyst: false, desk.RoleSupportAnalyst: true, desk.RoleDPO: false} {
		r := access.ReaderOf(desk.Account{PersonID: me, Roles: []desk.Role{role}, Active: true}, nil)
		if got := access.CallFor(r, pending).Description == "d"; got != reads {
			t.Errorf("%s reads a call awaiting triage: %v, want %v", role, got, reads)
		}
	}
}

// TestMayMove: moving a special-category call (assign, accept) is for its readers only
// (ReadsCall), refused with EFORBIDDEN and who may; other transitions, and moves of other
// calls, are not this rule's. ConflictFor gives the conflict's texts to readers only.
func TestMayMove(t *testing.T) {
	const me, group, other = 7, 3, 4
	outsider := access.ReaderOf(desk.Account{PersonID: me, Roles: []desk.Role{desk.RoleSupportAnalyst}, Active: true}, []int64{group})
	member := access.ReaderOf(desk.Account{PersonID: me, Roles: []desk.Role{desk.RoleAnalyst}, Active: true}, []int64{other})
	dpo := access.ReaderOf(desk.Account{PersonID: me, Roles: []desk.Role{desk.RoleDPO}, Active: true}, nil)
	special := desk.Call{Ref: "F0000001", GroupID: other, AnalystID: 9, SpecialCategory: true}
	plain := desk.Call{Ref: "F0000002", GroupID: other, AnalystID: 9}
	for _, a := range []desk.Action{desk.ActAssign, desk.ActAccept} {
		tr := desk.Transition{Action: a, GroupID: group, AnalystID: me}
		err := access.MayMove(outsider, special, tr)
		if desk.ErrorCode(err) != desk.EFORBIDDEN || !strings.Contains(desk.Message(err), "only its group and the Data Protection Officer can move it") {
			t.Errorf("an outsider's %s: %v", a, err)
		}
		for name, r := range map[string]desk.Reader{"member": member, "dpo": dpo} {
			if err := access.MayMove(r, special, tr); err != nil {
				t.Errorf("the %s's %s: %v", name, a, err)
			}
		}
		if err := access.MayMove(outsider, plain, tr); err != nil {
			t.Errorf("an outsider's %s of a plain call: %v", a, err)
		}
	}
	if err := access.MayMove(outsider, special, desk.Transition{Action: desk.ActClose}); err != nil {
		t.Errorf("close is no move: %v", err)
	}
	full := &desk.Error{Code: desk.ECONFLICT, Message: "full", Changes: []string{"resolved: the text"}}
	masked := &desk.Error{Code: desk.ECONFLICT, Message: "masked", Changes: []string{"A change of status"}, Unmasked: full}
	if got := access.ConflictFor(outsider, special, masked); got != error(masked) {
		t.Errorf("the outsider's conflict: %v", got)
	}
	if got := access.ConflictFor(member, special, masked); got != error(full) {
		t.Errorf("the member's conflict: %v", got)
	}
}

// TestMayMarkSpecial: marking a call special category is for any reader of it; taking the mark
// off is for a reader of it who is the DPO or a support analyst of its group. A reader who sees
// the call masked can do neither (unmarking would unmask it).
func TestMayMarkSpecial(t *testing.T) {
	const me, group, other = 7, 3, 4
	reader := func(role desk.Role, groups ...int64) desk.Reader {
		return access.ReaderOf(desk.Account{PersonID: me, Roles: []desk.Role{role}, Active: true}, groups)
	}
	plain := desk.Call{Ref: "F0000001", GroupID: group}
	mine := desk.Call{Ref: "F0000002", GroupID: group, SpecialCategory: true}
	theirs := desk.Call{Ref: "F0000003", GroupID: other, AnalystID: 9, SpecialCategory: true}
	assignedMe := desk.Call{Ref: "F0000004", GroupID: other, AnalystID: me, SpecialCategory: true}
	unrouted := desk.Call{Ref: "F0000005", SpecialCategory: true}
	supplier := reader(desk.RoleSupportAnalyst, group)
	supplier.NoSpecial = true
	for _, tc := range []struct {
		name    string
		r       desk.Reader
		c       desk.Call
		special bool
		ok      bool
		says    string
	}{
		{"an analyst marks a plain call", reader(desk.RoleAnalyst, other), plain, true, true, ""},
		{"an analyst of its group marks it again", reader(desk.RoleAnalyst, group), mine, true, true, ""},
		{"an outsider cannot mark a masked call", reader(desk.RoleSupportAnalyst, group), theirs, true, false, "you may not read"},
		{"an outsider cannot unmark a masked call", reader(desk.RoleSupportAnalyst, group), theirs, false, false, "you may not read"},
		{"an analyst of its group cannot unmark", reader(desk.RoleAnalyst, group), mine, false, false, "support analyst of the call's group"},
		{"a support analyst of its group unmarks", reader(desk.RoleSupportAnalyst, group), mine, false, true, ""},
		{"its support analyst outside its group cannot unmark", reader(desk.RoleSupportAnalyst, group), assignedMe, false, false, "support analyst of the call's group"},
		{"the DPO unmarks any", reader(desk.RoleDPO), theirs, false, true, ""},
		{"an unrouted call is unmarked by the DPO only", reader(desk.RoleSupportAnalyst, group), unrouted, false, false, "support analyst"},
		{"a supplier under a grant cannot unmark", supplier, mine, false, false, "you may not read"},
	} {
		err := access.MayMarkSpecial(tc.r, tc.c, tc.special)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && (desk.ErrorCode(err) != desk.EFORBIDDEN || !strings.Contains(desk.Message(err), tc.says)) {
			t.Errorf("%s: %v, want EFORBIDDEN saying %q", tc.name, err, tc.says)
		}
	}
}
