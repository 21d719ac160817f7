package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"calldesk/internal/desk"
	"calldesk/internal/mail"
	"calldesk/internal/store/storetest"
	"calldesk/internal/web/console"
	"calldesk/internal/web/portal"
)

// TestOneClock (issue 16, defect 1): a call put on hold until 1 Jul 2027 10:00 UK time reads
// "Thu 1 Jul 2027 10:00 BST" everywhere a person reads it: the console's timeline and diary
// entry (under a heading that names no zone of its own), the conflict message another analyst
// gets, the customer's page on the portal and the email to the customer; and a diary entry
// written before (with "09:00 UTC" in its text) reads the same. A hold into the winter, put in
// summer time, reads GMT beside the summer times of the same page.
func TestOneClock(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		now            time.Time
		until, reads   string // typed in the console; as every page and email writes it
		changedAt      string // the time of the hold, in the conflict's list of changes
		legacy         string // a diary text as stored before the fix
		zonesNotOnPage []string
	}{
		{"summer", time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC), "2027-07-01T10:00", "Thu 1 Jul 2027 10:00 BST",
			"Tue 1 Jun 2027 13:00 BST", "on hold until 2027-07-01 09:00 UTC: waiting for a part", []string{"GMT", "UTC"}},
		{"into the winter", time.Date(2027, 10, 20, 12, 0, 0, 0, time.UTC), "2027-11-01T10:00", "Mon 1 Nov 2027 10:00 GMT",
			"Wed 20 Oct 2027 13:00 BST", "on hold until 2027-11-01 10:00 UTC: waiting for a part", []string{"UTC"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.EachEnv(t, tc.now, func(t *testing.T, se *storetest.Env) {
				e := newEnvWith(t, se, func(_ *env, c *console.Console, p *portal.Portal) { c.Zone, p.Zone = london, london })
				call := e.call(e.f.Dan, "Projector in G.12 flickers")
				ann := e.signInConsole(e.f.Ann)
				hold := func(version int64, until string) response {
					return ann.post("/calls/"+call.Ref+"/hold", url.Values{"version": {fmt.Sprint(version)}, "until": {until}, "reason": {"waiting for a part"}})
				}
				hold(call.Version, tc.until).must(t, http.StatusSeeOther)
				entry := "on hold until " + tc.reads + ": waiting for a part"

				// The console: the timeline, the diary's entry; the heading names no zone (each time does).
				page := ann.get("/calls/"+call.Ref).must(t, http.StatusOK).
					has(t, "until "+tc.reads+": waiting for a part</span>", `<div class="entry-text" dir="auto">`+entry+`</div>`,
						`Diary <span class="muted">(newest first)</span>`, `<h2 id="times-title">Timeline</h2>`)
				lacksText(t, page, tc.zonesNotOnPage...)

				// The console's search, its snippet as the diary shows it.
				ann.get("/search?q=waiting").must(t, http.StatusOK).
					has(t, "on hold until "+tc.reads+": <mark>waiting</mark> for a part")

				// The conflict: another analyst's form drawn before the hold.
				conflict := hold(call.Version, "2027-12-01T10:00").must(t, http.StatusConflict).
					has(t, "<li>"+entry+" by Ann Archer at "+tc.changedAt+"</li>")
				lacksText(t, conflict, tc.zonesNotOnPage...)

				// The portal: the customer's page of the call.
				dan := e.signIn(e.f.Dan)
				mine := dan.get("/portal/calls/"+call.Ref).must(t, http.StatusOK).has(t, `<p dir="auto">`+entry+"</p>")
				lacksText(t, mine, tc.zonesNotOnPage...)

				// The email to the customer.
				tpl, err := mail.LoadTemplates("")
				if err != nil {
					t.Fatal(err)
				}
				n := &mail.Notifier{Store: e.s, Templates: tpl, Domain: "desk.uni.example", PortalURL: "https://d", ConsoleURL: "https://d",
					Zone: london, Now: e.clock.Now}
				if _, err := n.Run(e.ctx); err != nil {
					t.Fatal(err)
				}
				out, err := e.s.OutMail(e.ctx, desk.MailPending, call.ID, 10)
				if err != nil {
					t.Fatal(err)
				}
				var told bool
				for _, m := range out {
					if m.To == e.f.Dan.Email && m.Kind == desk.MailOnHold {
						told = true
						if want := "is on hold until " + tc.reads + ";"; !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
							t.Errorf("the email to the customer does not say %q:\n%s\n%s", want, m.Text, m.HTML)
						}
					}
				}
				if !told {
					t.Errorf("no on-hold email to the customer among %d", len(out))
				}

				// A diary entry written before the fix reads the same on both.
				e.db.MustExec(t, `UPDATE diary_entries SET body = ? WHERE call_id = ? AND body LIKE 'on hold until %'`, tc.legacy, call.ID)
				ann.get("/calls/"+call.Ref).must(t, http.StatusOK).has(t, `<div class="entry-text" dir="auto">`+entry+`</div>`)
				dan.get("/portal/calls/"+call.Ref).must(t, http.StatusOK).has(t, `<p dir="auto">`+entry+"</p>")
			})
		})
	}
}

// lacksText fails when the page's text (outside its tags: a <time datetime> is for machines)
// has any of words.
func lacksText(t *testing.T, r response, words ...string) {
	t.Helper()
	var text strings.Builder
	in := false
	for _, c := range r.body {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			text.WriteRune(c)
		}
	}
	for _, w := range words {
		if i := strings.Index(text.String(), w); i >= 0 {
			s := text.String()
			t.Errorf("the page says %q: %q", w, s[max(0, i-80):min(len(s), i+80)])
		}
	}
}
