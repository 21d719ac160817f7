package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"calldesk/internal/desk"
)

// assignCall assigns the call to a group and, optionally, one of its analysts.
func (c *Console) assignCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err == nil && r.PostForm.Get("step") == "group" {
		// "Show this group's analysts", pressed without JavaScript: the call page again, its
		// assign form open on the group with the analyst list narrowed to its members.
		ref := strings.ToUpper(strings.TrimSpace(r.PathValue("ref")))
		return seeOther(w, r, "/calls/"+url.PathEscape(ref)+"?assign_group="+url.QueryEscape(r.PostForm.Get("group_id"))+"#assign")
	}
	return c.act(w, r, v, "assign", func(ctx context.Context, in actionInput) error {
		tr := desk.Transition{Action: desk.ActAssign}
		f := map[string]string{}
		in.id("group_id", &tr.GroupID, f)
		in.id("analyst_id", &tr.AnalystID, f)
		if tr.GroupID == 0 && f["group_id"] == "" {
			f["group_id"] = "is required"
		}
		if err := desk.Invalid("cannot assign the call", f); err != nil {
			return err
		}
		call, err := c.Store.FindCallByRef(ctx, in.Ref)
		if err != nil {
			return err
		}
		if err := c.mayMove(ctx, v, call, tr); err != nil {
			return err
		}
		_, err = c.Store.UpdateCall(ctx, v.Actor, in.Ref, in.Version, tr)
		return err
	})
}
