package console_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web"
	"calldesk/internal/web/console"
)

// apiGet sends a GET to the API with a bearer token and returns the status and body.
func (e *env) apiGet(token, path string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// tokenOf gives p's account a new API token.
func (e *env) tokenOf(p desk.Person) string {
	e.t.Helper()
	acct, err := e.s.FindAccountByLogin(e.ctx, p.Username)
	if err != nil {
		e.t.Fatal(err)
	}
	token, hash, err := access.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.s.CreateToken(e.ctx, e.f.Admin, acct.ID, "test", hash, time.Time{}); err != nil {
		e.t.Fatal(err)
	}
	return token
}

// TestSpecialCategoryMatrix (issue 15 point 8; S8, P4): a call marked special category, role by
// surface. Its group's member (Bob), the analyst it is assigned to (Cat, no longer a member) and
// the DPO (Eve) read its description, diary and file on the call page, in the queue, in search
// results, and through the API (call, entries, list, search), and download its file; another
// analyst (Ann) sees the call and its state with the text masked, finds none of its words, is
// not shown its file and cannot download it (403, no bytes).
func TestSpecialCategoryMatrix(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		hash, err := access.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateAccount(e.ctx, f.Admin, desk.Account{PersonID: f.Eve.ID, Login: f.Eve.Username, PasswordHash: hash,
			Roles: []desk.Role{desk.RoleDPO}}); err != nil {
			t.Fatal(err)
		}
		c, err := e.s.CreateCall(e.ctx, storetest.Actor(f.Cat), desk.NewCall{Summary: "Okapi adjustments",
			Description: "My okapi condition needs an adapted keyboard.", CustomerID: f.Dan.ID, GroupID: f.Networks.ID,
			AnalystID: f.Cat.ID, SpecialCategory: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.AddEntryWithAttachments(e.ctx, storetest.Actor(f.Cat), c.Ref, desk.EntryNote, "Spoke about the okapi clinic.",
			[]desk.Upload{{Filename: "okapi-letter.txt", Data: []byte("okapi clinic letter")}}, desk.AttachmentRules{}); err != nil {
			t.Fatal(err)
		}
		atts, err := e.s.Attachments(e.ctx, c.ID, true)
		if err != nil || len(atts) != 1 {
			t.Fatalf("attachments: %v, %v", atts, err)
		}
		if err := e.s.AddMember(e.ctx, f.Admin, f.Networks.ID, f.Bob.ID); err != nil {
			t.Fatal(err)
		}
		// Cat stays the call's analyst but leaves its group: she reads it as its assignee.
		se.DB.MustExec(t, `DELETE FROM group_members WHERE person_id = ? AND group_id = ?`, f.Cat.ID, f.Networks.ID)

		file := "/calls/" + c.Ref + "/attachments/" + strconv.FormatInt(atts[0].ID, 10)
		for _, tc := range []struct {
			who   string
			p     desk.Person
			reads bool
		}{
			{"group member", f.Bob, true},
			{"assignee", f.Cat, true},
			{"DPO", f.Eve, true},
			{"another analyst", f.Ann, false},
		} {
			t.Run(tc.who, func(t *testing.T) {
				e.t = t
				b := e.signIn(tc.p)
				token := e.tokenOf(tc.p)
				secret := []string{"okapi condition", "okapi clinic", "okapi-letter.txt"}
				page := b.get("/calls/"+c.Ref).must(t, http.StatusOK)
				queue := b.get("/queues/open?group="+strconv.FormatInt(f.Networks.ID, 10)).must(t, http.StatusOK)
				search := b.get("/search?q=okapi").must(t, http.StatusOK)
				dl := b.get(file)
				_, apiCall := e.apiGet(token, "/api/v1/calls/"+c.Ref)
				_, apiEntries := e.apiGet(token, "/api/v1/calls/"+c.Ref+"/entries")
				_, apiSearch := e.apiGet(token, "/api/v1/calls?q=okapi")
				_, apiList := e.apiGet(token, "/api/v1/calls?group="+strconv.FormatInt(f.Networks.ID, 10))
				if tc.reads {
					page.has(t, secret...)
					queue.has(t, "Okapi adjustments")
					search.has(t, c.Ref)
					if dl.status != http.StatusOK || dl.body != "okapi clinic letter" {
						t.Errorf("download: %d %q", dl.status, dl.body)
					}
					for name, body := range map[string]string{"call": apiCall, "entries": apiEntries, "search": apiSearch, "list": apiList} {
						if !strings.Contains(body, "okapi") && !strings.Contains(body, "Okapi") {
							t.Errorf("API %s: %s", name, body)
						}
					}
					return
				}
				page.has(t, c.Ref, "Holds special-category data", desk.SpecialMasked).lacks(t, append(secret, "Okapi adjustments")...)
				queue.has(t, c.Ref, desk.SpecialMaskedSummary).lacks(t, "Okapi")
				search.lacks(t, c.Ref, "Okapi")
				if dl.status != http.StatusForbidden || strings.Contains(dl.body, "okapi clinic letter") {
					t.Errorf("download by another analyst: %d %q", dl.status, dl.body)
				}
				var detail struct {
					Summary, Description, State string
					Diary                       []struct{ Text string }
				}
				if err := json.Unmarshal([]byte(apiCall), &detail); err != nil {
					t.Fatal(err)
				}
				if detail.Description != desk.SpecialMasked || detail.Summary != desk.SpecialMaskedSummary || detail.State == "" || len(detail.Diary) == 0 {
					t.Errorf("API call as another analyst: %s", apiCall)
				}
				for name, body := range map[string]string{"call": apiCall, "entries": apiEntries, "search": apiSearch, "list": apiList} {
					if strings.Contains(strings.ToLower(body), "okapi") {
						t.Errorf("API %s shows another analyst the call's words: %s", name, body)
					}
				}
				if !strings.Contains(apiList, c.Ref) {
					t.Errorf("API list hides that the call exists: %s", apiList)
				}
			})
		}
	})
}

// TestEmailWordsSearch (issue 15 point 7; S13): a word found only in a follow-up email is found
// by a support analyst's search and not by another analyst's, in the console and the API.
func TestEmailWordsSearch(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		c := e.call("Printer jammed", f.ServiceDesk.ID)
		if d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: 1, MessageID: "f1@mail.example",
			From: f.Dan.Email, Subject: "Re: [" + c.Ref + "]", Ref: c.Ref, Text: "The zebrafish poster is stuck too.", Raw: []byte("x")},
			store.IngestRules{PerSenderHour: 100}); err != nil || d.CallRef != c.Ref {
			t.Fatalf("follow-up: %+v, %v", d, err)
		}
		e.grant(se, f.Bob, "support_analyst")
		for _, tc := range []struct {
			p     desk.Person
			finds bool
		}{{f.Bob, true}, {f.Ann, false}} {
			b := e.signIn(tc.p)
			page := b.get("/search?q=zebrafish").must(t, http.StatusOK)
			_, api := e.apiGet(e.tokenOf(tc.p), "/api/v1/calls?q=zebrafish")
			var list struct{ Total int }
			if err := json.Unmarshal([]byte(api), &list); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(page.body, c.Ref); got != tc.finds {
				t.Errorf("%s's console search finds the call: %v", tc.p.Username, got)
			}
			if got := strings.Contains(api, c.Ref) && list.Total == 1; got != tc.finds {
				t.Errorf("%s's API search finds the call: %v (%s)", tc.p.Username, got, api)
			}
			// Everybody finds the call information.
			b.get("/search?q="+url.QueryEscape("printer")).must(t, http.StatusOK).has(t, c.Ref)
		}
	})
}

// TestMailDescriptionTriage (issue 15 point 7): under --mail-description=triage a call opened by an
// email shows other analysts "Logged from an email, awaiting triage" in place of its summary and
// description, and their search does not find its words, until a support analyst confirms it on
// the call page; under "call" (the default) every analyst reads it at once. The administrators'
// email page says which setting is on.
func TestMailDescriptionTriage(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnvWith(t, se, func(c *console.Console) { c.MailDescription = "triage" })
		f := e.f
		e.grant(se, f.Bob, "support_analyst")
		e.grant(se, f.Cat, "analyst,admin")
		open := func(uid uint32, subject, text string, triage bool) string {
			d, err := e.s.IngestMail(e.ctx, store.InMail{Mailbox: "servicedesk", UIDValidity: 1, UID: uid, MessageID: "o" + strconv.Itoa(int(uid)) + "@mail.example",
				From: f.Dan.Email, Subject: subject, Text: text, Raw: []byte("x"), GroupID: f.ServiceDesk.ID},
				store.IngestRules{PerSenderHour: 100, Triage: triage})
			if err != nil || d.CallRef == "" {
				t.Fatalf("opening a call: %+v, %v", d, err)
			}
			return d.CallRef
		}
		plain := open(1, "Wombat scanner", "The flamingo scanner fails.", false)
		ref := open(2, "Narwhal login", "The axolotl portal refuses me.", true)
		ann, bob := e.signIn(f.Ann), e.signIn(f.Bob)

		ann.get("/calls/"+plain).must(t, http.StatusOK).has(t, "Wombat scanner", "flamingo")
		ann.get("/calls/"+ref).must(t, http.StatusOK).has(t, desk.AwaitingTriage).lacks(t, "Narwhal", "axolotl", `action="/calls/`+ref+`/triage"`)
		ann.get("/search?q=axolotl").must(t, http.StatusOK).lacks(t, ref)
		ann.get("/queues/open").must(t, http.StatusOK).has(t, desk.AwaitingTriage).lacks(t, "Narwhal")
		ann.post("/calls/"+ref+"/triage", url.Values{"version": {"1"}}).must(t, http.StatusForbidden)
		page := bob.get("/calls/"+ref).must(t, http.StatusOK).has(t, "Narwhal login", "axolotl", `action="/calls/`+ref+`/triage"`)
		bob.get("/search?q=axolotl").must(t, http.StatusOK).has(t, ref)
		version := regexp.MustCompile(`action="/calls/` + ref + `/triage" class="triage" id="triage-form"><input type="hidden" name="version" value="(\d+)">`).FindStringSubmatch(page.body)
		if version == nil {
			t.Fatalf("no triage form with the call's version:\n%s", page.body)
		}
		bob.post("/calls/"+ref+"/triage", url.Values{"version": {version[1]}, "summary": {"Narwhal login"},
			"description": {"The axolotl portal refuses Dan's password."}}).must(t, http.StatusSeeOther)
		ann.get("/calls/"+ref).must(t, http.StatusOK).has(t, "Narwhal login", "axolotl portal refuses Dan").lacks(t, desk.AwaitingTriage)
		ann.get("/search?q=axolotl").must(t, http.StatusOK).has(t, ref)

		e.signIn(f.Cat).get("/admin/mail").must(t, http.StatusOK).has(t, "Support triage", "--mail-description=triage")
		// The same desk served with the default setting.
		def := *e
		con := &console.Console{Store: e.s, Audit: e.buf, Sessions: &access.Sessions{Store: e.s, Now: e.clock.Now}, Log: slog.New(slog.NewTextHandler(e.logs, nil)), Now: e.clock.Now}
		hs := httptest.NewServer((&web.Server{Store: e.s, Audit: e.buf, Log: con.Log, Now: e.clock.Now, Console: con.Handler()}).Handler())
		t.Cleanup(hs.Close)
		def.url = hs.URL
		def.signIn(f.Cat).get("/admin/mail").must(t, http.StatusOK).has(t, "Call information", "--mail-description=call")
	})
}
