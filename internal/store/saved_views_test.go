package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// Saved views: an analyst's own, shared with a group's members, renamed and deleted only by
// their owner, each change audited in its transaction.
func TestSavedViewsOwnSharedRenameDelete(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann, bob, cat := e.F.Ann, e.F.Bob, e.F.Cat
		mine, err := e.S.CreateSavedView(ctx, storetest.Actor(ann), store.SavedView{OwnerID: ann.ID, Name: " Oldest P1s ", Queue: "groups", Query: "priority=1&sort=oldest"})
		if err != nil {
			t.Fatal(err)
		}
		if mine.Name != "Oldest P1s" || mine.ID == 0 {
			t.Fatalf("created %+v", mine)
		}
		if a := e.lastAudit(t); a.Action != "view.create" || a.ObjectID != idText(mine.ID) {
			t.Errorf("audit %+v", a)
		}
		shared, err := e.S.CreateSavedView(ctx, storetest.Actor(ann), store.SavedView{OwnerID: ann.ID, GroupID: e.F.ServiceDesk.ID, Name: "Desk backlog", Queue: "unassigned"})
		if err != nil {
			t.Fatal(err)
		}
		// The same name twice is refused, whatever its case; sharing with a group one is not in too.
		if _, err := e.S.CreateSavedView(ctx, storetest.Actor(ann), store.SavedView{OwnerID: ann.ID, Name: "oldest p1s", Queue: "mine"}); codeOf(err) != desk.EINVALID || desk.AsError(err).Fields["name"] == "" {
			t.Errorf("a second view of the same name: %v", err)
		}
		if _, err := e.S.CreateSavedView(ctx, storetest.Actor(ann), store.SavedView{OwnerID: ann.ID, GroupID: e.F.Networks.ID, Name: "Theirs", Queue: "mine"}); codeOf(err) != desk.EINVALID || desk.AsError(err).Fields["group_id"] == "" {
			t.Errorf("sharing with a group Ann is not in: %v", err)
		}
		if _, err := e.S.CreateSavedView(ctx, storetest.Actor(ann), store.SavedView{OwnerID: ann.ID, Name: "  ", Queue: "mine"}); codeOf(err) != desk.EINVALID {
			t.Errorf("an empty name: %v", err)
		}
		names := func(p desk.Person) []string {
			groups, err := e.S.GroupsOf(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			vs, err := e.S.SavedViewsFor(ctx, p.ID, groups)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, v := range vs {
				out = append(out, v.Name)
			}
			return out
		}
		if got := names(ann); len(got) != 2 || got[0] != "Desk backlog" || got[1] != "Oldest P1s" {
			t.Errorf("Ann sees %q", got)
		}
		if got := names(bob); len(got) != 1 || got[0] != "Desk backlog" {
			t.Errorf("Bob (Service Desk) sees %q, want the shared view only", got)
		}
		if got := names(cat); len(got) != 0 {
			t.Errorf("Cat (Networks) sees %q, want none", got)
		}
		// Bob cannot rename or delete Ann's shared view.
		if _, err := e.S.RenameSavedView(ctx, storetest.Actor(bob), bob.ID, shared.ID, "Mine now"); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("Bob renames Ann's view: %v", err)
		}
		if err := e.S.DeleteSavedView(ctx, storetest.Actor(bob), bob.ID, shared.ID); codeOf(err) != desk.ENOTFOUND {
			t.Errorf("Bob deletes Ann's view: %v", err)
		}
		if _, err := e.S.RenameSavedView(ctx, storetest.Actor(ann), ann.ID, shared.ID, "Oldest P1s"); codeOf(err) != desk.EINVALID {
			t.Errorf("renaming onto another view's name: %v", err)
		}
		if _, err := e.S.RenameSavedView(ctx, storetest.Actor(ann), ann.ID, shared.ID, "Desk queue"); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "view.rename" || a.Detail != "renamed the view Desk backlog to Desk queue" {
			t.Errorf("audit %+v", a)
		}
		if got := names(bob); len(got) != 1 || got[0] != "Desk queue" {
			t.Errorf("after the rename Bob sees %q", got)
		}
		if err := e.S.DeleteSavedView(ctx, storetest.Actor(ann), ann.ID, shared.ID); err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(t); a.Action != "view.delete" {
			t.Errorf("audit %+v", a)
		}
		if got := names(bob); len(got) != 0 {
			t.Errorf("after the delete Bob sees %q", got)
		}
	})
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

// A saved view's name and a canned reply that name someone are scrubbed when that person is
// erased: the register declares them (Scrub), and erasure follows the register.
func TestErasureScrubsViewsAndReplies(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		dan := e.F.Dan
		v, err := e.S.CreateSavedView(ctx, storetest.Actor(e.F.Ann), store.SavedView{OwnerID: e.F.Ann.ID, Name: "Calls of " + dan.FirstName + " " + dan.LastName, Queue: "open"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.S.CreateCannedReply(ctx, e.F.Admin, store.CannedReply{Name: "For " + dan.Email, Kind: store.ReplyUpdate,
			Body: "Ask " + dan.FirstName + " " + dan.LastName + " first, {{first_name}}."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S.ErasePerson(ctx, storetest.Actor(e.F.Ann), desk.Erasure{PersonID: dan.ID, Basis: desk.BasisConsent,
			Ground: desk.GroundConsentWithdrawn, Decision: "asked in writing", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		vs, err := e.S.SavedViewsFor(ctx, e.F.Ann.ID, nil)
		if err != nil || len(vs) != 1 || vs[0].ID != v.ID {
			t.Fatalf("views after the erasure: %+v %v", vs, err)
		}
		got, err := e.S.FindCannedReply(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{vs[0].Name, got.Name, got.Body} {
			if strings.Contains(s, dan.LastName) || strings.Contains(s, dan.Email) {
				t.Errorf("after Dan's erasure %q still names him", s)
			}
		}
		if !strings.Contains(got.Body, "{{first_name}}") {
			t.Errorf("the placeholder went with the scrub: %q", got.Body)
		}
	})
}
