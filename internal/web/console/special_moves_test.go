package console_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/desk"
	"calldesk/internal/store/storetest"
)

// apiPost sends a POST with a JSON body to the API with a bearer token; it returns the status
// and body.
func (e *env) apiPost(token, path, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// specialCall logs a special-category call of Dan's in Networks, assigned to Cat (its only
// member); Ann and Bob (Service Desk) may not read it.
func (e *env) specialCall() desk.Call {
	e.t.Helper()
	c, err := e.s.CreateCall(e.ctx, storetest.Actor(e.f.Cat), desk.NewCall{Summary: "Okapi adjustments",
		Description: "My okapi condition needs an adapted keyboard.", CustomerID: e.f.Dan.ID, GroupID: e.f.Networks.ID,
		AnalystID: e.f.Cat.ID, SpecialCategory: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// TestSpecialCallMovedOnlyByItsReaders (issue 15 point 8): an analyst outside a special-category
// call's group can neither assign it (to herself or anyone), nor accept it, nor take it, through
// the API or the console: each is a 403 saying who can move it, with none of the call's words,
// and the call stays where it was, still masked to her. Its own analyst moves it.
func TestSpecialCallMovedOnlyByItsReaders(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		c := e.specialCall()
		version := strconv.FormatInt(c.Version, 10)
		const who = "only its group and the Data Protection Officer can move it"
		ann := e.tokenOf(f.Ann)
		for _, tc := range []struct{ path, body string }{
			{"/assign", `{"version": ` + version + `, "group_id": ` + strconv.FormatInt(f.ServiceDesk.ID, 10) + `, "analyst_id": ` + strconv.FormatInt(f.Ann.ID, 10) + `}`},
			{"/assign", `{"version": ` + version + `, "group_id": ` + strconv.FormatInt(f.Networks.ID, 10) + `}`},
			{"/accept", `{"version": ` + version + `, "analyst_id": ` + strconv.FormatInt(f.Ann.ID, 10) + `}`},
		} {
			status, body := e.apiPost(ann, "/api/v1/calls/"+c.Ref+tc.path, tc.body)
			if status != http.StatusForbidden || !strings.Contains(body, who) || strings.Contains(strings.ToLower(body), "okapi") {
				t.Errorf("Ann's %s %s: %d %s, want 403 saying %q without the call's words", tc.path, tc.body, status, body, who)
			}
		}
		a := e.signIn(f.Ann)
		a.get("/calls/"+c.Ref).must(t, http.StatusOK).lacks(t, "/calls/"+c.Ref+"/assign", "/calls/"+c.Ref+"/take", "/calls/"+c.Ref+"/accept")
		for _, tc := range []struct {
			action string
			form   url.Values
		}{
			{"assign", url.Values{"group_id": {strconv.FormatInt(f.ServiceDesk.ID, 10)}, "analyst_id": {strconv.FormatInt(f.Ann.ID, 10)}}},
			{"take", url.Values{}},
			{"accept", url.Values{}},
		} {
			tc.form.Set("version", version)
			a.post("/calls/"+c.Ref+"/"+tc.action, tc.form).must(t, http.StatusForbidden).has(t, who).lacks(t, "okapi", "Okapi")
		}
		now, err := e.s.FindCallByRef(e.ctx, c.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if now.Version != c.Version || now.GroupID != f.Networks.ID || now.AnalystID != f.Cat.ID {
			t.Fatalf("the call moved: version %d, group %d, analyst %d", now.Version, now.GroupID, now.AnalystID)
		}
		if _, detail := e.apiGet(ann, "/api/v1/calls/"+c.Ref); strings.Contains(strings.ToLower(detail), "okapi") {
			t.Errorf("Ann reads the call: %.300s", detail)
		}
		// Its own analyst accepts it, and the reply holds its text.
		status, body := e.apiPost(e.tokenOf(f.Cat), "/api/v1/calls/"+c.Ref+"/accept", `{"version": `+version+`}`)
		if status != http.StatusOK || !strings.Contains(body, "okapi condition") {
			t.Errorf("Cat's accept: %d %s", status, body)
		}
	})
}

// TestConflictMasksSpecialCallChanges (issue 15 point 8): a stale version sent by an analyst
// outside a special-category call's group gets the conflict (409) naming each change, who made it
// and when, but not its text (the resolution), through the API and the console; the call's own
// analyst gets the changes with their texts.
func TestConflictMasksSpecialCallChanges(t *testing.T) {
	t.Parallel()
	storetest.EachEnv(t, start, func(t *testing.T, se *storetest.Env) {
		e := newEnv(t, se)
		f := e.f
		c := e.specialCall()
		stale := strconv.FormatInt(c.Version, 10)
		c, err := e.s.UpdateCall(e.ctx, storetest.Actor(f.Cat), c.Ref, c.Version, desk.Transition{Action: desk.ActAccept})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = e.s.UpdateCall(e.ctx, storetest.Actor(f.Cat), c.Ref, c.Version, desk.Transition{Action: desk.ActResolve, Text: "Ordered the okapi-clinic keyboard"}); err != nil {
			t.Fatal(err)
		}
		status, body := e.apiPost(e.tokenOf(f.Ann), "/api/v1/calls/"+c.Ref+"/close", `{"version": `+stale+`}`)
		if status != http.StatusConflict || strings.Contains(strings.ToLower(body), "okapi") || !strings.Contains(body, "A change of status by") {
			t.Errorf("Ann's stale close: %d %s, want 409 listing the changes without their texts", status, body)
		}
		e.signIn(f.Ann).post("/calls/"+c.Ref+"/close", url.Values{"version": {stale}}).must(t, http.StatusConflict).
			has(t, "A change of status by").lacks(t, "okapi", "Okapi")
		status, body = e.apiPost(e.tokenOf(f.Cat), "/api/v1/calls/"+c.Ref+"/close", `{"version": `+stale+`}`)
		if status != http.StatusConflict || !strings.Contains(body, "okapi-clinic keyboard") {
			t.Errorf("Cat's stale close: %d %s, want 409 listing the resolution", status, body)
		}
	})
}
