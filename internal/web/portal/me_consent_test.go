package portal_test

import (
	"net/http"
	"net/url"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// TestConsentOnMyDetails: the person adds optional contact details with their consent and opts in
// to surveys on My details; a bad address or an unticked box is refused with what was typed kept;
// withdrawing takes effect at once (the details are gone from the page and the database, the
// person is off the survey list); another person sees none of it.
func TestConsentOnMyDetails(t *testing.T) {
	portalTest(t, func(t *testing.T, e *env) {
		if err := dpo.EnsureWordings(e.ctx, e.s); err != nil {
			t.Fatal(err)
		}
		cw, err := e.s.CurrentWording(e.ctx, store.PurposeContactDetails)
		if err != nil {
			t.Fatal(err)
		}
		sw, err := e.s.CurrentWording(e.ctx, store.PurposeSurveys)
		if err != nil {
			t.Fatal(err)
		}
		dan := e.signIn(e.f.Dan)
		dan.get("/portal/me").must(t, http.StatusOK).has(t, "What you have agreed to", "Optional contact details", cw.Body, sw.Body, "Save these details")
		give := url.Values{"purpose": {"contact_details"}, "wording": {itoa(cw.ID)}, "alt_email": {"dan.home@example.com"}, "alt_phone": {"07700 900123"}}
		dan.post("/portal/me/consent", give).must(t, http.StatusUnprocessableEntity).has(t, "Tick the box to agree", `value="dan.home@example.com"`)
		bad := url.Values{"purpose": {"contact_details"}, "wording": {itoa(cw.ID)}, "alt_email": {"dan at home"}, "agree": {"1"}}
		dan.post("/portal/me/consent", bad).must(t, http.StatusUnprocessableEntity).has(t, "not a valid email address", `value="dan at home"`)
		give.Set("agree", "1")
		dan.post("/portal/me/consent", give).must(t, http.StatusSeeOther)
		dan.post("/portal/me/consent", url.Values{"purpose": {"surveys"}, "wording": {itoa(sw.ID)}, "agree": {"1"}}).must(t, http.StatusSeeOther)
		dan.get("/portal/me?done=consent-contact_details").must(t, http.StatusOK).
			has(t, "dan.home@example.com", "07700 900123", "version 1", "Withdraw my consent and delete these details", "Stop asking me for surveys")
		e.signIn(e.f.Eve).get("/portal/me").must(t, http.StatusOK).lacks(t, "dan.home@example.com")
		if ids, err := e.s.SurveyRecipients(e.ctx); err != nil || len(ids) != 1 || ids[0] != e.f.Dan.ID {
			t.Fatalf("survey recipients %v %v", ids, err)
		}

		dan.post("/portal/me/consent/withdraw", url.Values{"purpose": {"contact_details"}}).must(t, http.StatusSeeOther)
		dan.get("/portal/me?done=withdrawn-contact_details").must(t, http.StatusOK).
			has(t, "your optional contact details are deleted", "Save these details").lacks(t, "dan.home@example.com", "07700 900123")
		if _, err := e.s.FindOptionalContacts(e.ctx, e.f.Dan.ID); desk.ErrorCode(err) != desk.ENOTFOUND {
			t.Fatalf("details still stored: %v", err)
		}
		dan.post("/portal/me/consent/withdraw", url.Values{"purpose": {"surveys"}}).must(t, http.StatusSeeOther)
		if ids, err := e.s.SurveyRecipients(e.ctx); err != nil || len(ids) != 0 {
			t.Fatalf("survey recipients after withdrawal %v %v", ids, err)
		}
		cs, err := e.s.Consents(e.ctx, e.f.Dan.ID)
		if err != nil || len(cs) != 2 || cs[0].Live() || cs[1].Live() {
			t.Fatalf("consents %+v %v", cs, err)
		}
		// The words changed since the page was drawn: refused, nothing recorded.
		if _, err := e.s.AddConsentWording(e.ctx, e.f.Admin, store.PurposeSurveys, "Newer words.", "clearer"); err != nil {
			t.Fatal(err)
		}
		dan.post("/portal/me/consent", url.Values{"purpose": {"surveys"}, "wording": {itoa(sw.ID)}, "agree": {"1"}}).
			must(t, http.StatusUnprocessableEntity).has(t, "have just been changed", "Newer words.")
	})
}
