package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/desk"
)

// restrictPerson restricts a person's processing, or lifts the restriction, for the Data
// Protection Officer, with a reason.
func (c *Console) restrictPerson(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if err := c.Store.Restrict(r.Context(), v.Actor, id, r.PostForm.Get("restrict") == "true", r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
