package store_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// desk6 is six calls in different groups, states, profiles, priorities and customers, one logged
// every hour from start, with diaries.
type desk6 struct {
	c [7]desk.Call // c[1]..c[6]
}

func seedCalls(t *testing.T, e *env) desk6 {
	t.Helper()
	ctx := context.Background()
	f := e.F
	var d desk6
	log := func(i int, n desk.NewCall) desk.Call {
		e.Clock.Set(start.Add(time.Duration(i-1) * time.Hour))
		return e.newCall(t, n)
	}
	d.c[1] = log(1, desk.NewCall{Summary: "Outlook keeps crashing", Description: "Since the update on Monday Outlook closes itself.",
		CustomerID: f.Dan.ID, ProfileID: f.Outlook.ID, GroupID: f.ServiceDesk.ID, AnalystID: f.Ann.ID})
	d.c[1] = e.update(t, f.Ann, d.c[1], desk.Transition{Action: desk.ActAccept})

	d.c[2] = log(2, desk.NewCall{Summary: "Printer jammed on floor 3", Description: "The HP printer in room 3.14 shows paper-jam error E-42.",
		CustomerID: f.Eve.ID, GroupID: f.ServiceDesk.ID})

	d.c[3] = log(3, desk.NewCall{Summary: "Cannot connect to eduroam", Description: "Wi-Fi drops every few minutes in the Library.",
		CustomerID: f.Dan.ID, ProfileID: f.Wifi.ID, GroupID: f.Networks.ID, AnalystID: f.Cat.ID})
	d.c[3] = e.update(t, f.Cat, d.c[3], desk.Transition{Action: desk.ActAccept})
	d.c[3] = e.update(t, f.Cat, d.c[3], desk.Transition{Action: desk.ActHold, Until: start.Add(30 * 24 * time.Hour), Reason: "engineer visit booked"})

	d.c[4] = log(4, desk.NewCall{Kind: desk.Request, Summary: "Password reset", Description: "Locked out after the holiday.",
		CustomerID: f.Eve.ID, ProfileID: f.Software.ID})
	if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Bob), d.c[4].Ref, desk.EntryNote, "Called the customer; verified identity via student card"); err != nil {
		t.Fatal(err)
	}

	d.c[5] = log(5, desk.NewCall{Kind: desk.Request, Summary: "VPN slow", Description: "Working from home, the VPN is very slow.",
		CustomerID: f.Dan.ID, GroupID: f.Networks.ID, AnalystID: f.Cat.ID, Impact: desk.Low, Urgency: desk.Low})
	d.c[5] = e.update(t, f.Cat, d.c[5], desk.Transition{Action: desk.ActResolve, Text: "Reset the VPN profile"})

	d.c[6] = log(6, desk.NewCall{Summary: "Café till offline", Description: "The CAFÉ card reader in the Ünion shows an error",
		CustomerID: f.Eve.ID, ProfileID: f.Email.ID, GroupID: f.ServiceDesk.ID, AnalystID: f.Bob.ID, Impact: desk.High, Urgency: desk.High})
	d.c[6] = e.update(t, f.Bob, d.c[6], desk.Transition{Action: desk.ActCancel, Reason: "logged twice"})
	return d
}

func refsOf(calls []desk.Call) []string {
	out := []string{}
	for _, c := range calls {
		out = append(out, c.Ref)
	}
	return out
}

func (d desk6) refs(is ...int) []string {
	out := []string{}
	for _, i := range is {
		out = append(out, d.c[i].Ref)
	}
	return out
}

// TestSearch (issue 2 item 8): the same calls and diaries give the same hits on both engines,
// newest first, for every kind of query.
func TestSearch(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		d := seedCalls(t, e)
		tests := []struct {
			name string
			q    string
			want []int
		}{
			{"one word", "outlook", []int{1}},
			{"upper case", "OUTLOOK", []int{1}},
			{"mixed case in the text", "eduroam", []int{3}},
			{"two words, both present", "outlook crashing", []int{1}},
			{"two words, in different calls", "outlook printer", nil},
			{"word only in the description", "monday", []int{1}},
			{"word only in an internal note", "identity", []int{4}},
			{"words of a note", "student card", []int{4}},
			{"word in a note and a description", "card", []int{6, 4}},
			{"word only in a hold reason", "engineer", []int{3}},
			{"word only in a resolution", "profile", []int{5}},
			{"hyphenated", "paper-jam", []int{2}},
			{"hyphen split", "paper jam", []int{2}},
			{"letters and digits", "E-42", []int{2}},
			{"number with a point", "3.14", []int{2}},
			{"punctuation in the text", "wi-fi", []int{3}},
			{"punctuation around", `"slow!"`, []int{5}},
			{"accented", "café", []int{6}},
			{"accented upper case", "CAFÉ ÜNION", []int{6}},
			{"accent not folded", "cafe", nil},
			{"whole words only", "outlo", nil},
			{"common word", "the", []int{6, 5, 4, 3, 2, 1}},
			{"no match", "zebra", nil},
			{"only punctuation", "!!! ...", nil},
			{"analyst's name from the diary", "archer", []int{1}},
			{"query syntax words are plain words", "NEAR OR NOT", nil},
			{"query syntax characters are separators", `outlook* "crashing" (-monday)`, []int{1}},
		}
		for _, tt := range tests {
			got, total, err := e.S.FindCalls(ctx, store.CallFilter{Text: tt.q})
			if err != nil {
				t.Errorf("%s %q: %v", tt.name, tt.q, err)
				continue
			}
			want := d.refs(tt.want...)
			if !reflect.DeepEqual(refsOf(got), want) || total != len(want) {
				t.Errorf("%s %q: got %v (total %d), want %v", tt.name, tt.q, refsOf(got), total, want)
			}
		}

		// A word added later is found, by a diary entry or a transition.
		if _, n, _ := e.S.FindCalls(ctx, store.CallFilter{Text: "toner"}); n != 0 {
			t.Fatalf("toner found before it was written")
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), d.c[2].Ref, desk.EntryUpdate, "Ordered a new toner cartridge"); err != nil {
			t.Fatal(err)
		}
		d.c[4] = e.update(t, e.F.Ann, d.c[4], desk.Transition{Action: desk.ActCancel, Reason: "duplicate of the toner call"})
		got, n, err := e.S.FindCalls(ctx, store.CallFilter{Text: "toner"})
		if err != nil || n != 2 || !reflect.DeepEqual(refsOf(got), d.refs(4, 2)) {
			t.Errorf("toner after the update: %v %d %v", refsOf(got), n, err)
		}

		// Text combined with the other filters.
		combined := []struct {
			name string
			f    store.CallFilter
			want []int
		}{
			{"text and group", store.CallFilter{Text: "card", GroupIDs: []int64{e.F.ServiceDesk.ID}}, []int{6}},
			{"text and another group", store.CallFilter{Text: "slow", GroupIDs: []int64{e.F.ServiceDesk.ID}}, nil},
			{"text and condition", store.CallFilter{Text: "the", Conditions: []desk.Condition{desk.CondOnHold}}, []int{3}},
			{"text and two conditions", store.CallFilter{Text: "the", Conditions: []desk.Condition{desk.CondResolved, desk.CondCancelled}}, []int{6, 5, 4}},
			{"text and customer", store.CallFilter{Text: "the", CustomerID: e.F.Dan.ID}, []int{5, 3, 1}},
			{"text and analyst", store.CallFilter{Text: "the", AnalystID: e.F.Cat.ID}, []int{5, 3}},
			{"text and open only", store.CallFilter{Text: "the", OpenOnly: true}, []int{3, 2, 1}},
			{"text, sorted oldest, paged", store.CallFilter{Text: "the", Sort: "oldest", Limit: 2, Offset: 1}, []int{2, 3}},
		}
		for _, tt := range combined {
			got, total, err := e.S.FindCalls(ctx, tt.f)
			want := d.refs(tt.want...)
			if err != nil || !reflect.DeepEqual(refsOf(got), want) {
				t.Errorf("%s: got %v, want %v (%v)", tt.name, refsOf(got), want, err)
			}
			if tt.f.Limit == 0 && total != len(want) {
				t.Errorf("%s: total %d, want %d", tt.name, total, len(want))
			}
			if tt.f.Limit != 0 && total != 6 {
				t.Errorf("%s: total %d, want 6", tt.name, total)
			}
		}
	})
}

// TestFindCalls checks every filter, sort order and paging, with the total.
func TestFindCalls(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		d := seedCalls(t, e)
		f := e.F
		// Touch call 2 last, so "updated" puts it first.
		e.Clock.Set(start.Add(10 * time.Hour))
		if _, err := e.S.AddEntry(ctx, storetest.Actor(f.Ann), d.c[2].Ref, desk.EntryNote, "chased the supplier"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			f     store.CallFilter
			want  []int
			total int // when paging; else len(want)
		}{
			{"everything, newest first", store.CallFilter{}, []int{6, 5, 4, 3, 2, 1}, 0},
			{"group", store.CallFilter{GroupIDs: []int64{f.ServiceDesk.ID}}, []int{6, 2, 1}, 0},
			{"two groups", store.CallFilter{GroupIDs: []int64{f.ServiceDesk.ID, f.Networks.ID}}, []int{6, 5, 3, 2, 1}, 0},
			{"group's open calls", store.CallFilter{GroupIDs: []int64{f.ServiceDesk.ID}, OpenOnly: true}, []int{2, 1}, 0},
			{"analyst", store.CallFilter{AnalystID: f.Cat.ID}, []int{5, 3}, 0},
			{"no analyst", store.CallFilter{Unassigned: true}, []int{4, 2}, 0},
			{"customer", store.CallFilter{CustomerID: f.Dan.ID}, []int{5, 3, 1}, 0},
			{"profile subtree from the root", store.CallFilter{ProfileID: f.Software.ID}, []int{6, 4, 1}, 0},
			{"profile subtree from the middle", store.CallFilter{ProfileID: f.Email.ID}, []int{6, 1}, 0},
			{"profile leaf", store.CallFilter{ProfileID: f.Outlook.ID}, []int{1}, 0},
			{"other profile tree", store.CallFilter{ProfileID: f.Wifi.ID}, []int{3}, 0},
			{"priority P2", store.CallFilter{Priority: 2}, []int{3, 1}, 0},
			{"priority P1", store.CallFilter{Priority: 1}, []int{6}, 0},
			{"condition unassigned", store.CallFilter{Conditions: []desk.Condition{desk.CondUnassigned}}, []int{4}, 0},
			{"condition pending (assigned and accepted)", store.CallFilter{Conditions: []desk.Condition{desk.CondPending}}, []int{2, 1}, 0},
			{"condition on hold", store.CallFilter{Conditions: []desk.Condition{desk.CondOnHold}}, []int{3}, 0},
			{"condition off hold", store.CallFilter{Conditions: []desk.Condition{desk.CondOffHold}}, nil, 0},
			{"conditions resolved or cancelled", store.CallFilter{Conditions: []desk.Condition{desk.CondResolved, desk.CondCancelled}}, []int{6, 5}, 0},
			{"open only", store.CallFilter{OpenOnly: true}, []int{4, 3, 2, 1}, 0},
			{"from (inclusive) and to (exclusive)", store.CallFilter{From: start.Add(time.Hour), To: start.Add(3 * time.Hour)}, []int{3, 2}, 0},
			{"from only", store.CallFilter{From: start.Add(4 * time.Hour)}, []int{6, 5}, 0},
			{"group and customer and open", store.CallFilter{GroupIDs: []int64{f.Networks.ID}, CustomerID: f.Dan.ID, OpenOnly: true}, []int{3}, 0},
			{"sort oldest", store.CallFilter{Sort: "oldest"}, []int{1, 2, 3, 4, 5, 6}, 0},
			{"sort priority, then oldest", store.CallFilter{Sort: "priority"}, []int{6, 1, 3, 2, 4, 5}, 0},
			{"sort updated", store.CallFilter{Sort: "updated"}, []int{2, 6, 5, 4, 3, 1}, 0},
			{"page 2 of 3", store.CallFilter{Sort: "oldest", Limit: 2, Offset: 2}, []int{3, 4}, 6},
			{"last page", store.CallFilter{Sort: "oldest", Limit: 4, Offset: 4}, []int{5, 6}, 6},
			{"past the end", store.CallFilter{Limit: 2, Offset: 6}, nil, 6},
			{"page of a filtered list", store.CallFilter{GroupIDs: []int64{f.ServiceDesk.ID}, Limit: 1, Offset: 1}, []int{2}, 3},
		}
		for _, tt := range tests {
			got, total, err := e.S.FindCalls(ctx, tt.f)
			want := d.refs(tt.want...)
			if tt.total == 0 {
				tt.total = len(want)
			}
			if err != nil || !reflect.DeepEqual(refsOf(got), want) || total != tt.total {
				t.Errorf("%s: got %v total %d, want %v total %d (%v)", tt.name, refsOf(got), total, want, tt.total, err)
			}
		}
		// Without the count.
		if got, total, err := e.S.FindCalls(ctx, store.CallFilter{NoTotal: true, Limit: 1}); err != nil || len(got) != 1 || total != -1 {
			t.Errorf("NoTotal: %d calls, total %d, %v", len(got), total, err)
		}
		// Bad filters are the caller's mistake, not ours.
		for name, bad := range map[string]store.CallFilter{
			"sort":      {Sort: "alphabetical"},
			"condition": {Conditions: []desk.Condition{"purple"}},
		} {
			if _, _, err := e.S.FindCalls(ctx, bad); codeOf(err) != desk.EINVALID || desk.AsError(err).Fields[name] == "" {
				t.Errorf("bad %s: %v", name, err)
			}
		}
	})
}

// TestFindCallsProfileNames: a profile name with LIKE's wildcard characters selects its own
// subtree only.
func TestFindCallsProfileNames(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		mk := func(name string, parent int64) desk.Profile {
			p, err := e.S.CreateProfile(ctx, e.F.Admin, desk.Profile{Name: name, ParentID: parent})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		under := mk("Print_Queue", 0)
		other := mk("PrintXQueue", 0)
		pct := mk("100%", 0)
		pctOther := mk("1000", 0)
		c1 := e.newCall(t, desk.NewCall{ProfileID: mk("Jams", under.ID).ID})
		c2 := e.newCall(t, desk.NewCall{ProfileID: mk("Jams", other.ID).ID})
		c3 := e.newCall(t, desk.NewCall{ProfileID: mk("Fans", pct.ID).ID})
		c4 := e.newCall(t, desk.NewCall{ProfileID: mk("Fans", pctOther.ID).ID})
		tests := []struct {
			profile desk.Profile
			want    []string
		}{
			{under, []string{c1.Ref}},
			{other, []string{c2.Ref}},
			{pct, []string{c3.Ref}},
			{pctOther, []string{c4.Ref}},
		}
		for _, tt := range tests {
			got, _, err := e.S.FindCalls(ctx, store.CallFilter{ProfileID: tt.profile.ID})
			if err != nil || !reflect.DeepEqual(refsOf(got), tt.want) {
				t.Errorf("subtree of %q: %v, want %v (%v)", tt.profile.Path, refsOf(got), tt.want, err)
			}
		}
	})
}

// TestSearchLongDiary: a call whose text runs to many hundred thousand characters (pasted logs,
// long email threads) still takes diary entries and stays searchable on both engines, which index
// the same leading part of its text. PostgreSQL cannot hold a tsvector over 1 MB.
func TestSearchLongDiary(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		next := 46656 // the first four-character base-36 number: unique short words, the worst case
		chunk := func(chars int) string {
			var b strings.Builder
			for b.Len()+5 <= chars {
				b.WriteString(strconv.FormatInt(int64(next), 36))
				b.WriteByte(' ')
				next++
			}
			return strings.TrimSpace(b.String())
		}
		c := e.newCall(t, desk.NewCall{Summary: "Server log attached", Description: "early " + chunk(99_000)})
		for i := range 6 {
			if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryNote, chunk(99_000)); err != nil {
				t.Fatalf("note %d (%d characters of text so far): %v", i+1, 99_000*(i+2), err)
			}
		}
		if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), c.Ref, desk.EntryUpdate, "late words"); err != nil {
			t.Fatal(err)
		}
		c = e.update(t, e.F.Ann, c, desk.Transition{Action: desk.ActAssign, GroupID: e.F.ServiceDesk.ID})
		// Both engines cut at the same character: a word across the cut is indexed as its start.
		desc := strings.TrimSpace(strings.Repeat("ab ", 33_000))
		note1 := strings.Repeat(".", 99_000)
		before := len([]rune("Cut " + desc + " " + note1 + " ")) // summary, description and diary, space-joined
		cut := e.newCall(t, desk.NewCall{Summary: "Cut", Description: desc})
		for _, note := range []string{note1, strings.Repeat(".", 200_000-4-1-before) + "zebracorn tail"} {
			if _, err := e.S.AddEntry(ctx, storetest.Actor(e.F.Ann), cut.Ref, desk.EntryNote, note); err != nil {
				t.Fatal(err)
			}
		}
		for q, want := range map[string]int{"server log": 1, "early": 1, "1000": 1, "late": 0, "zebra": 1, "zebracorn": 0, "tail": 0} {
			if _, n, err := e.S.FindCalls(ctx, store.CallFilter{Text: q}); err != nil || n != want {
				t.Errorf("search %q: %d hits, want %d (%v)", q, n, want, err)
			}
		}
	})
}
