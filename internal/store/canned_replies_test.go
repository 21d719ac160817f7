package store_test

import (
	"context"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// Canned replies: kept by administrators, audited, offered per group, filled in per call.
func TestCannedRepliesPerGroupAndFilled(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.F.Admin
		all, err := e.S.CreateCannedReply(ctx, admin, store.CannedReply{Name: "Password reset", Kind: store.ReplyResolution,
			Body: "Hello {{first_name}}, your password is reset ({{ ref }})."})
		if err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "reply.create" || !strings.Contains(a.Detail, "Password reset for every group") {
			t.Errorf("audit %+v", a)
		}
		net, err := e.S.CreateCannedReply(ctx, admin, store.CannedReply{GroupID: e.F.Networks.ID, Name: "Switch replaced", Kind: store.ReplyUpdate, Body: "We replaced the switch."})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct {
			r     store.CannedReply
			field string
		}{
			{store.CannedReply{Name: "password RESET", Kind: store.ReplyUpdate, Body: "x"}, "name"},
			{store.CannedReply{Name: "Odd", Kind: "email", Body: "x"}, "kind"},
			{store.CannedReply{Name: "Odd", Kind: store.ReplyUpdate, Body: "Dear {{last_name}}"}, "body"},
			{store.CannedReply{Name: "Odd", Kind: store.ReplyUpdate, Body: "Dear {{first_name"}, "body"},
			{store.CannedReply{Name: "Odd", Kind: store.ReplyUpdate, Body: " "}, "body"},
			{store.CannedReply{Name: "Odd", Kind: store.ReplyUpdate, Body: "x", GroupID: 99999}, "group_id"},
		} {
			_, err := e.S.CreateCannedReply(ctx, admin, bad.r)
			if codeOf(err) != desk.EINVALID || desk.AsError(err).Fields[bad.field] == "" {
				t.Errorf("%+v: %v, want EINVALID on %s", bad.r, err, bad.field)
			}
		}
		names := func(groups []int64) string {
			rs, err := e.S.CannedReplies(ctx, groups)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rs {
				out = append(out, r.Name)
			}
			return strings.Join(out, ", ")
		}
		if got := names(nil); got != "Password reset, Switch replaced" {
			t.Errorf("every reply: %q", got)
		}
		if got := names([]int64{e.F.ServiceDesk.ID}); got != "Password reset" {
			t.Errorf("Service Desk's: %q", got)
		}
		if got := names([]int64{}); got != "Password reset" {
			t.Errorf("in no group: %q", got)
		}
		if got := names([]int64{e.F.Networks.ID}); got != "Password reset, Switch replaced" {
			t.Errorf("Networks': %q", got)
		}
		if got := all.Fill("Dan", "F0000007"); got != "Hello Dan, your password is reset (F0000007)." {
			t.Errorf("filled: %q", got)
		}
		net.Body, net.GroupID = "We replaced the switch in {{ref}}.", 0
		if _, err := e.S.UpdateCannedReply(ctx, storetest.Actor(e.F.Ann), net); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "reply.update" || a.ActorID != e.F.Ann.ID {
			t.Errorf("audit %+v", a)
		}
		if got, _ := e.S.FindCannedReply(ctx, net.ID); got.Body != "We replaced the switch in {{ref}}." || got.GroupID != 0 {
			t.Errorf("after the update: %+v", got)
		}
		if err := e.S.DeleteCannedReply(ctx, admin, net.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.FindCannedReply(ctx, net.ID); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("after the delete: %v", err)
		}
		if err := e.S.DeleteCannedReply(ctx, admin, net.ID); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("deleting twice: %v", err)
		}
	})
}
