package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

// TestSearchByReader (issue 15 points 7 and 8): a search matches only what its reader may read.
// A word found only in a follow-up email is found for the support role and nobody else; the
// words of a special-category call only for its group's members and the DPO, others matching
// none of them; every reader finds the call information of ordinary calls. Both ways the store
// answers a search are checked (the index alone, and with another filter), with their counts.
func TestSearchByReader(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := e.F
		plain := e.newCall(t, desk.NewCall{Summary: "Printer jammed", Description: "The printer in the quokka room is jammed.",
			GroupID: f.ServiceDesk.ID})
		if d, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "f1@mail.example",
			From: f.Dan.Email, Subject: "Re: [" + plain.Ref + "] Printer jammed", Ref: plain.Ref, Text: "The zebrafish poster is stuck in it too.",
			Raw: []byte("x")}, store.IngestRules{PerSenderHour: 100}); err != nil || d.CallRef != plain.Ref {
			t.Fatalf("follow-up email: %+v, %v", d, err)
		}
		special := e.newCall(t, desk.NewCall{Summary: "Okapi adjustments", Description: "My okapi condition needs a quokka keyboard.",
			GroupID: f.Networks.ID, SpecialCategory: true})

		analyst := func(p desk.Person, roles ...desk.Role) desk.Reader {
			groups, err := e.S.GroupsOf(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			return access.ReaderOf(desk.Account{PersonID: p.ID, Roles: roles, Active: true}, groups)
		}
		ann := analyst(f.Ann, desk.RoleAnalyst)               // Service Desk
		annSupport := analyst(f.Ann, desk.RoleSupportAnalyst) // Service Desk, support role
		cat := analyst(f.Cat, desk.RoleAnalyst)               // Networks: the special call's group
		dpo := analyst(f.Eve, desk.RoleDPO)                   // in no group
		for _, tc := range []struct {
			name   string
			reader *desk.Reader
			word   string
			want   []string
		}{
			{"no reader, email word", nil, "zebrafish", []string{plain.Ref}},
			{"no reader, special word", nil, "okapi", []string{special.Ref}},
			{"analyst, call information", &ann, "jammed", []string{plain.Ref}},
			{"analyst, email-only word", &ann, "zebrafish", nil},
			{"support analyst, email-only word", &annSupport, "zebrafish", []string{plain.Ref}},
			{"analyst, special call's word", &ann, "okapi", nil},
			{"analyst, word in both", &ann, "quokka", []string{plain.Ref}},
			{"support analyst, special call's word", &annSupport, "okapi", nil},
			{"the special call's group", &cat, "okapi", []string{special.Ref}},
			{"the special call's group, word in both", &cat, "quokka", []string{special.Ref, plain.Ref}},
			{"the DPO", &dpo, "okapi", []string{special.Ref}},
			{"the DPO, word in both", &dpo, "quokka", []string{special.Ref, plain.Ref}},
		} {
			for _, filtered := range []bool{false, true} {
				fl := store.CallFilter{Text: tc.word, Reader: tc.reader, Unfinished: filtered}
				calls, total, err := e.S.FindCalls(ctx, fl)
				if err != nil {
					t.Fatalf("%s (filtered %v): %v", tc.name, filtered, err)
				}
				got := refsOf(calls)
				if !slices.Equal(got, append([]string{}, tc.want...)) || total != len(tc.want) {
					t.Errorf("%s (filtered %v): found %v (total %d), want %v", tc.name, filtered, got, total, tc.want)
				}
			}
		}

		// Assigned to Cat, the call is hers; Bob, of another group, still finds none of its words.
		special = e.update(t, f.Cat, special, desk.Transition{Action: desk.ActAccept})
		bob := analyst(f.Bob, desk.RoleSupportAnalyst)
		if calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Text: "okapi", Reader: &bob}); err != nil || len(calls) != 0 {
			t.Fatalf("Bob's search for the special call's word: %v, %v", refsOf(calls), err)
		}
		if calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Text: "okapi", Reader: &cat}); err != nil || fmt.Sprint(refsOf(calls)) != fmt.Sprint([]string{special.Ref}) {
			t.Fatalf("Cat's search for her call's word: %v, %v", refsOf(calls), err)
		}
	})
}

// TestMailDescriptionSetting (issue 15 point 7): under "call" (the default) a call opened by an
// email has its subject and description as call information, every analyst finding its words;
// under "triage" they are the support role's until a support analyst confirms them.
func TestMailDescriptionSetting(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := e.F
		groups, err := e.S.GroupsOf(ctx, f.Ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		ann := access.ReaderOf(desk.Account{PersonID: f.Ann.ID, Roles: []desk.Role{desk.RoleAnalyst}, Active: true}, groups)
		support := access.ReaderOf(desk.Account{PersonID: f.Bob.ID, Roles: []desk.Role{desk.RoleSupportAnalyst}, Active: true}, groups)
		found := func(r desk.Reader, word string) []string {
			t.Helper()
			calls, _, err := e.S.FindCalls(ctx, store.CallFilter{Text: word, Reader: &r})
			if err != nil {
				t.Fatal(err)
			}
			return refsOf(calls)
		}
		open := func(uid uint32, subject, text string, triage bool) desk.Call {
			t.Helper()
			d, err := e.S.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, MessageID: fmt.Sprintf("o%d@mail.example", uid),
				From: f.Dan.Email, Subject: subject, Text: text, Raw: []byte("x"), GroupID: f.ServiceDesk.ID},
				store.IngestRules{PerSenderHour: 100, Triage: triage})
			if err != nil || d.Disposition != store.MailNewCall {
				t.Fatalf("opening a call: %+v, %v", d, err)
			}
			c, err := e.S.FindCallByRef(ctx, d.CallRef)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		asCall := open(1, "Wombat scanner", "The flamingo scanner fails.", false)
		if asCall.TriagePending || access.CallFor(ann, asCall).Description != asCall.Description {
			t.Fatalf("under \"call\" the description is call information: %+v", asCall)
		}
		if got := found(ann, "wombat"); !slices.Equal(got, []string{asCall.Ref}) {
			t.Fatalf("under \"call\" an analyst's search for the subject's word: %v", got)
		}
		if got := found(ann, "flamingo"); !slices.Equal(got, []string{asCall.Ref}) {
			t.Fatalf("under \"call\" an analyst's search for the description's word: %v", got)
		}

		pending := open(2, "Narwhal login", "The axolotl portal refuses me.", true)
		if !pending.TriagePending {
			t.Fatal("under \"triage\" the new call does not await triage")
		}
		if seen := access.CallFor(ann, pending); seen.Summary != desk.AwaitingTriage || seen.Description == pending.Description {
			t.Fatalf("an analyst sees a call awaiting triage as %q / %q", seen.Summary, seen.Description)
		}
		if seen := access.CallFor(support, pending); seen.Description != pending.Description {
			t.Fatalf("a support analyst sees %q", seen.Description)
		}
		for _, w := range []string{"narwhal", "axolotl"} {
			if got := found(ann, w); len(got) != 0 {
				t.Fatalf("an analyst's search finds the unconfirmed %q: %v", w, got)
			}
			if got := found(support, w); !slices.Equal(got, []string{pending.Ref}) {
				t.Fatalf("a support analyst's search for %q: %v", w, got)
			}
		}

		confirmed, err := e.S.ConfirmTriage(ctx, desk.Actor{PersonID: f.Bob.ID, Name: "Bob"}, pending.Ref, pending.Version, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if confirmed.TriagePending || access.CallFor(ann, confirmed).Description != pending.Description {
			t.Fatalf("confirmed: %+v", confirmed)
		}
		for _, w := range []string{"narwhal", "axolotl"} {
			if got := found(ann, w); !slices.Equal(got, []string{pending.Ref}) {
				t.Fatalf("after triage an analyst's search for %q: %v", w, got)
			}
		}
		if _, err := e.S.ConfirmTriage(ctx, desk.Actor{PersonID: f.Bob.ID, Name: "Bob"}, pending.Ref, 0, "", ""); desk.ErrorCode(err) != desk.EINVALID {
			t.Fatalf("confirming twice: %v", err)
		}
	})
}

// TestMigrateSearchParts: migration 0033 rebuilds the search documents of the calls a database
// already holds in parts, so that after an upgrade an analyst's search no longer matches the
// words of emails, while a support analyst's does, nor those of a special-category call, which
// the DPO's does; a call with neither keeps its words for everyone (on PostgreSQL its vector is
// kept and reweighted); an anonymised call stays out of the index.
func TestMigrateSearchParts(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, raw := migrated(t, engine)
			f := storetest.Seed(t, s)
			c, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Printer jammed", Description: "Paper stuck.",
				CustomerID: f.Dan.ID, GroupID: f.ServiceDesk.ID})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.IngestMail(ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "f1@mail.example",
				From: f.Dan.Email, Subject: "Re: [" + c.Ref + "]", Ref: c.Ref, Text: "A zebrafish poster too.", Raw: []byte("x")},
				store.IngestRules{PerSenderHour: 100}); err != nil {
				t.Fatal(err)
			}
			gone, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Zebrafish tank", CustomerID: f.Dan.ID})
			if err != nil {
				t.Fatal(err)
			}
			scanner, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Scanner broken", CustomerID: f.Dan.ID})
			if err != nil {
				t.Fatal(err)
			}
			special, err := s.CreateCall(ctx, storetest.Actor(f.Ann), desk.NewCall{Summary: "Okapi adjustments", CustomerID: f.Dan.ID,
				GroupID: f.Networks.ID, SpecialCategory: true})
			if err != nil {
				t.Fatal(err)
			}
			// The database as it was before 0033: one document per call, the anonymised call out.
			undoMigrationsFrom(t, raw, 33)
			if engine == "sqlite" {
				raw.MustExec(t, `DROP TABLE call_fts`)
				raw.MustExec(t, `CREATE VIRTUAL TABLE call_fts USING fts5(doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`)
				raw.MustExec(t, `INSERT INTO call_fts(rowid, doc) SELECT c.id, c.summary || ' ' || c.description || ' ' ||
					COALESCE((SELECT group_concat(d.body, ' ') FROM diary_entries d WHERE d.call_id = c.id), '') FROM calls c WHERE c.id <> ?`, gone.ID)
			} else {
				raw.MustExec(t, `UPDATE calls SET search = CASE WHEN id = ? THEN NULL ELSE to_tsvector('simple', regexp_replace(summary || ' ' || description || ' ' ||
					COALESCE((SELECT string_agg(d.body, ' ') FROM diary_entries d WHERE d.call_id = calls.id), ''), '[^[:alnum:]]+', ' ', 'g')) END`, gone.ID)
			}
			raw.MustExec(t, `UPDATE calls SET anonymised_at = 1 WHERE id = ?`, gone.ID)
			// 33 to 36 run again; the later ones (each new) after them.
			if applied, err := s.Migrate(ctx); err != nil || len(applied) < 4 || !slices.Equal(applied[:4], []int{33, 34, 35, 36}) {
				t.Fatalf("Migrate: applied %v, err %v", applied, err)
			}
			for _, tc := range []struct {
				roles []desk.Role
				word  string
				want  []string
			}{
				{[]desk.Role{desk.RoleAnalyst}, "printer", []string{c.Ref}},
				{[]desk.Role{desk.RoleAnalyst}, "zebrafish", nil},
				{[]desk.Role{desk.RoleSupportAnalyst}, "zebrafish", []string{c.Ref}},
				{[]desk.Role{desk.RoleSupportAnalyst}, "okapi", nil},
				{[]desk.Role{desk.RoleDPO}, "okapi", []string{special.Ref}},
				{[]desk.Role{desk.RoleAnalyst}, "jammed", []string{c.Ref}},
				{[]desk.Role{desk.RoleAnalyst}, "scanner", []string{scanner.Ref}},
			} {
				r := access.ReaderOf(desk.Account{PersonID: f.Bob.ID, Roles: tc.roles, Active: true}, nil)
				calls, _, err := s.FindCalls(ctx, store.CallFilter{Text: tc.word, Reader: &r})
				if err != nil || !slices.Equal(refsOf(calls), append([]string{}, tc.want...)) {
					t.Errorf("%v searching %q after the migration: %v, %v; want %v", tc.roles, tc.word, refsOf(calls), err, tc.want)
				}
			}
		})
	}
}

// TestSearchSpecialWordsPlainThenSealed (issue 22 point 3): a special-category call marked while
// calldesk ran without a master key keeps plain words in its search document, and its group
// still finds it by them once the key is back, beside a sealed one found by its words' blind
// forms; once calldesk keys seal has sealed it, a search looks for blind forms only in the
// special parts (TestSearchArgBlindOnly), and both are still found, by their group only, through
// the index alone and with another filter.
func TestSearchSpecialWordsPlainThenSealed(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f := e.F
		reader := func(p desk.Person) desk.Reader {
			groups, err := e.S.GroupsOf(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			return access.ReaderOf(desk.Account{PersonID: p.ID, Roles: []desk.Role{desk.RoleSupportAnalyst}, Active: true}, groups)
		}
		cat, ann := reader(f.Cat), reader(f.Ann) // Networks (the calls' group); Service Desk
		plainCount := func() int {
			return e.DB.Count(t, `SELECT COUNT(*) FROM calls WHERE special_category AND key_id IS NULL AND anonymised_at IS NULL`)
		}
		check := func(when string, want []string) {
			t.Helper()
			for _, filtered := range []bool{false, true} {
				for _, r := range []struct {
					name string
					r    desk.Reader
					want []string
				}{{"Cat", cat, want}, {"Ann", ann, nil}} {
					calls, total, err := e.S.FindCalls(ctx, store.CallFilter{Text: "okapi adjustments", Reader: &r.r, Unfinished: filtered})
					if err != nil {
						t.Fatalf("%s, %s (filtered %v): %v", when, r.name, filtered, err)
					}
					if got := refsOf(calls); !slices.Equal(got, r.want) || total != len(r.want) {
						t.Errorf("%s, %s (filtered %v): found %v (total %d), want %v", when, r.name, filtered, got, total, r.want)
					}
				}
			}
		}

		e.S.SetKeys(nil)
		plain := e.newCall(t, desk.NewCall{Summary: "Okapi adjustments", Description: "Okapi keyboard for my condition.",
			GroupID: f.Networks.ID, SpecialCategory: true})
		e.S.SetKeys(storetest.Keys(t))
		sealed := e.newCall(t, desk.NewCall{Summary: "Okapi adjustments too", Description: "Okapi chair for my condition.",
			GroupID: f.Networks.ID, SpecialCategory: true})
		if n := plainCount(); n != 1 {
			t.Fatalf("%d plain special-category calls, want 1", n)
		}
		// A search asks first whether any is plain: one probe of the partial index that holds them.
		if plan := queryPlan(t, e.Env, store.SpecialPlainSQL); !strings.Contains(plan, "calls_special_plain") {
			t.Errorf("the question whether any special-category call is plain does not use calls_special_plain:\n%s", plan)
		}
		check("one plain, one sealed", []string{sealed.Ref, plain.Ref})

		for _, table := range []string{"calls", "diary_entries"} {
			for after := int64(0); ; {
				_, last, err := e.S.SealExisting(ctx, f.Admin, table, after, 10)
				if err != nil {
					t.Fatalf("seal %s: %v", table, err)
				}
				if last == 0 {
					break
				}
				after = last
			}
		}
		if n := plainCount(); n != 0 {
			t.Fatalf("%d plain special-category calls after sealing", n)
		}
		check("both sealed", []string{sealed.Ref, plain.Ref})
	})
}
