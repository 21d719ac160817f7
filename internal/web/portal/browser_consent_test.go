package portal_test

import (
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"

	"github.com/chromedp/chromedp"
)

// TestBrowserMyDetailsConsent: on My details Dan adds an alternate address without ticking the
// consent box (refused, focused summary, what he typed kept), then with it; his details and the
// words he agreed to show with a withdraw button, which deletes them at once; he opts in to
// surveys and out again. Each state is checked with axe-core at 1280, 375 and 320 px, reflow and
// focus.
func TestBrowserMyDetailsConsent(t *testing.T) {
	e := browserEnv(t)
	if err := dpo.EnsureWordings(e.ctx, e.s); err != nil {
		t.Fatal(err)
	}
	b := e.tab(t)
	b.signIn(e.f.Dan.Username)
	b.Open("/portal/me")
	b.MustSee("What you have agreed to", "Optional contact details", "Satisfaction surveys")
	b.pageChecks("my details with consent choices", "me-consent")
	b.TypeInto("#alt_email", "dan.home@example.com")
	b.Click("form[action='/portal/me/consent'] input[value=contact_details] ~ button[type=submit]")
	b.Wait("#error-summary")
	b.mustFocus("error-summary")
	b.MustSee("Tick the box to agree")
	if got := eval[string](b, `document.querySelector('#alt_email').value`); got != "dan.home@example.com" {
		t.Fatalf("the address typed was lost: %q", got)
	}
	b.pageChecks("my details with a consent mistake", "me-consent-errors")
	b.Do("tick the consent box", chromedp.Click(chromedp.CSS("#agree")))
	b.Click("form[action='/portal/me/consent'] input[value=contact_details] ~ button[type=submit]")
	b.Wait("#my-contacts")
	b.MustSee("Your optional contact details are saved", "dan.home@example.com", "version 1")
	b.Do("tick the survey box", chromedp.Click(chromedp.CSS("#survey_agree")))
	b.Click("form[action='/portal/me/consent'] input[value=surveys] ~ button[type=submit]")
	b.Wait("#my-survey")
	b.pageChecks("my details with consents given", "me-consents")
	b.Click("#withdraw-contact_details")
	b.Wait("#consent-done")
	b.MustSee("your optional contact details are deleted")
	if _, err := e.s.FindOptionalContacts(e.ctx, e.f.Dan.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
		t.Fatalf("details kept after withdrawal: %v", err)
	}
	b.Click("#withdraw-surveys")
	b.Wait("#consent-done")
	b.MustSee("no survey will be sent to you")
	b.pageChecks("my details after withdrawals", "")
}
