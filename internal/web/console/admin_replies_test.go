package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"calldesk/internal/store/storetest"
)

// TestCannedRepliesManagedAndPicked (issue 16): administrators list, create, change and delete
// canned replies under /admin/replies (audited; analysts may not); a refused one follows the
// error pattern. On a call, the update and resolve forms offer the replies of their kind for
// every group, the call's group and the analyst's, and picking one (a GET form: no JavaScript)
// fills the text with the customer's first name and the call's reference, to edit before sending.
func TestCannedRepliesManagedAndPicked(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		e.grant(se, f.Cat, "analyst,admin")
		admin, ann := e.signIn(f.Cat), e.signIn(f.Ann)
		ann.get("/admin/replies").must(t, http.StatusForbidden)
		ann.post("/admin/replies", url.Values{"name": {"x"}, "kind": {"update"}, "body": {"x"}}).must(t, http.StatusForbidden)
		admin.get("/admin/replies").must(t, http.StatusOK).has(t, "There are no canned replies yet", `href="/admin/replies" aria-current="page"`)
		admin.post("/admin/replies", url.Values{"name": {""}, "kind": {"update"}, "body": {"Dear {{surname}}"}}).must(t, http.StatusUnprocessableEntity).
			has(t, "error-summary", `href="#reply-name"`, `href="#reply-body"`, "Text: has {{surname}}", `aria-describedby="reply-body-hint reply-body-err" aria-invalid="true"`, "Dear {{surname}}")
		admin.post("/admin/replies", url.Values{"name": {"Password reset"}, "kind": {"resolution"},
			"body": {"Hello {{first_name}}, your password is reset. Quote {{ref}} if it happens again."}}).must(t, http.StatusSeeOther)
		admin.post("/admin/replies", url.Values{"name": {"Looking into it"}, "kind": {"update"}, "group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)},
			"body": {"Hi {{first_name}}, we are on it."}}).must(t, http.StatusSeeOther)
		admin.post("/admin/replies", url.Values{"name": {"Switch down"}, "kind": {"update"}, "group_id": {strconv.FormatInt(f.Networks.ID, 10)},
			"body": {"The switch is down."}}).must(t, http.StatusSeeOther)
		admin.get("/admin/replies").must(t, http.StatusOK).has(t, "Password reset", "Looking into it", "Every group", "Service Desk")
		admin.get("/admin/replies/2").must(t, http.StatusOK).has(t, `action="/admin/replies/2"`, "Hi {{first_name}}, we are on it.")
		admin.post("/admin/replies/2", url.Values{"name": {"Looking into it"}, "kind": {"update"}, "group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)},
			"body": {"Hi {{first_name}}, we are looking into {{ref}}."}}).must(t, http.StatusSeeOther)

		c := e.call("Printer jam", f.ServiceDesk.ID)
		page := ann.get("/calls/"+c.Ref).must(t, http.StatusOK)
		page.has(t, `id="update-reply"`, `id="resolve-reply"`, "Looking into it", "Password reset").lacks(t, "Switch down")
		picked := ann.get("/calls/"+c.Ref+"?for=update&reply=2").must(t, http.StatusOK)
		picked.has(t, ">Hi Dan, we are looking into "+c.Ref+".</textarea>", `<option value="2" selected>`)
		ann.get("/calls/"+c.Ref+"?for=resolve&reply=1").must(t, http.StatusOK).
			has(t, ">Hello Dan, your password is reset. Quote "+c.Ref+" if it happens again.</textarea>")
		// A reply of another group's, or of the other kind, fills nothing.
		ann.get("/calls/"+c.Ref+"?for=update&reply=3").must(t, http.StatusOK).lacks(t, "The switch is down")
		ann.get("/calls/"+c.Ref+"?for=update&reply=1").must(t, http.StatusOK).lacks(t, "your password is reset")
		// Edited and sent, it is an ordinary public update.
		ann.post("/calls/"+c.Ref+"/update", url.Values{"version": {strconv.FormatInt(c.Version, 10)}, "text": {"Hi Dan, we are looking into " + c.Ref + ". Back by noon."}}).
			must(t, http.StatusSeeOther)
		if d := e.diaryTexts(c); d[len(d)-1] != "update/true/Ann Archer: Hi Dan, we are looking into "+c.Ref+". Back by noon." {
			t.Errorf("last entry %q", d[len(d)-1])
		}
		admin.post("/admin/replies/3/delete", nil).must(t, http.StatusOK).has(t, "Delete the canned reply “Switch down”?", "Yes, delete it")
		admin.get("/admin/replies").has(t, "Switch down")
		admin.follow(admin.post("/admin/replies/3/delete", url.Values{"confirm": {"yes"}})).has(t, "The canned reply is deleted").lacks(t, "Switch down")
		if got := e.actions("canned_reply"); got != "reply.create reply.create reply.create reply.update reply.delete" {
			t.Errorf("audit of replies: %q", got)
		}
	})
}
