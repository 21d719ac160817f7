package console

import (
	"net/http"
	"strconv"

	"calldesk/internal/desk"
)

// leavePerson marks a person as left, for administrators, with a reason: for when the directory
// has not caught up (a contract ended early, a dismissal). Like a leaver the directory reports,
// they lose access to calldesk at once (access.Sessions, the API's token lookup).
func (c *Console) leavePerson(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if _, err := c.Store.MarkLeft(r.Context(), v.Actor, id, r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// returnPerson brings a leaver back, for administrators, with a reason: the only way back for a
// person an administrator marked as left (the directory does not undo that decision), and a way
// back for a directory's leaver before the directory catches up.
func (c *Console) returnPerson(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	if _, err := c.Store.BringBack(r.Context(), v.Actor, id, r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
