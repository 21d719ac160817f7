package console

import (
	"net/http"
	"net/url"
	"strconv"

	"calldesk/internal/desk"
	"calldesk/internal/store"
)

// erasePage is the Data Protection Officer's erasure of a person (article 17): what it will do,
// the lawful-basis check of policy clause 11.2, and the decision.
type erasePage struct {
	page
	Person  desk.Person
	Preview store.ErasurePreview
	Bases   []desk.LawfulBasis
	Grounds []desk.ErasureGround
	Form    url.Values
	Errors  map[string]string
	// ErrorList is Errors in the order of the form, for the error summary.
	ErrorList []fieldError
}

// eraseFields are the erasure form's fields, in its order.
func eraseFields() []fieldError {
	return []fieldError{{ID: "request"}, {ID: "basis"}, {ID: "ground"}, {ID: "decision"}, {ID: "confirmed"}}
}

func (c *Console) erasePerson(w http.ResponseWriter, r *http.Request, v *visit) error {
	return c.showErase(w, r, v, http.StatusOK, url.Values{"request": {r.URL.Query().Get("request")}}, nil)
}

func (c *Console) showErase(w http.ResponseWriter, r *http.Request, v *visit, status int, form url.Values, errs map[string]string) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person", r.PathValue("id"))
	}
	ctx := r.Context()
	person, err := c.Store.FindPerson(ctx, id)
	if err != nil {
		return err
	}
	if _, err := c.Store.Erasure(ctx, id); err == nil {
		http.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	prev, err := c.Store.PreviewErasure(ctx, id)
	if err != nil {
		return err
	}
	p := erasePage{page: c.page(v, "Erase "+person.Name()), Person: person, Preview: prev, Bases: desk.LawfulBases(),
		Grounds: desk.ErasureGrounds(), Form: form, Errors: errs, ErrorList: orderErrors(eraseFields(), errs)}
	p.Section = "dpo"
	if err := c.auditRead(v, "person.view", "person", strconv.FormatInt(id, 10), []int64{id}, "viewed what erasing the person would touch"); err != nil {
		return err
	}
	return c.render(w, r, status, "erase", p)
}

// doErase erases the person, or shows the form again with what is wrong.
func (c *Console) doErase(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Errorf(desk.ENOTFOUND, "%q is not a person", r.PathValue("id"))
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	reqID, _ := strconv.ParseInt(f.Get("request"), 10, 64)
	e := desk.Erasure{PersonID: id, RequestID: reqID, Basis: desk.LawfulBasis(f.Get("basis")), Ground: desk.ErasureGround(f.Get("ground")),
		Decision: f.Get("decision"), Confirmed: f.Get("confirmed") == "yes"}
	_, err = c.Store.ErasePerson(r.Context(), v.Actor, e)
	if de := desk.AsError(err); de != nil && de.Code == desk.EINVALID {
		errs := map[string]string{}
		for k, m := range de.Fields {
			errs[k] = sentenceCase(m)
		}
		if len(errs) == 0 {
			errs["decision"] = de.Message
		}
		return c.showErase(w, r, v, http.StatusUnprocessableEntity, f, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
