package console

import (
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/store"
	"calldesk/internal/web"
)

// Supplier grants (issue 20 item 1, S14): an administrator asks for a supplier person's access
// at /admin/grants; the DPO approves or refuses at /dpo/grants (two people: neither the one who
// asked nor the supplier can decide).

func (c *Console) grantRoutes() []route {
	return []route{
		{"GET", "/admin/grants", access.Administer, c.adminGrants},
		{"POST", "/admin/grants", access.Administer, c.requestGrant},
		{"GET", "/dpo/grants", access.KeepDPORecords, c.dpoGrants},
		{"POST", "/dpo/grants/{id}", access.KeepDPORecords, c.decideGrant},
	}
}

func (c *Console) grants() *access.Grants {
	if c.Grants != nil {
		return c.Grants
	}
	return &access.Grants{Store: c.Store, Now: c.now}
}

// grantsPage lists the grants; for an administrator with the request form (Form, Errors), for
// the DPO with a decision form on each one requested.
type grantsPage struct {
	page
	Grants   []store.Grant
	Decide   bool // the DPO's page
	Form     grantForm
	Errors   map[string]string
	Problem  string
	MaxHours int
	Done     string // what was just done, as the answer to the post
	// Processors are the supplier firms under contract in the DPO's register, for the request form.
	Processors []store.Processor
}

// grantForm is the request form as typed.
type grantForm struct {
	Login, Processor, Reason, Scope, Calls, Hours string
}

func (c *Console) grantsPageFor(r *http.Request, v *visit, decide bool) (grantsPage, error) {
	title := "Supplier access"
	p := grantsPage{page: c.page(v, title), Decide: decide, Errors: map[string]string{}, Form: grantForm{Scope: store.GrantNamed, Hours: "4"}}
	p.Section = "grants"
	if decide {
		p.Section = "dpogrants"
	}
	if !decide {
		all, err := c.Store.Processors(r.Context())
		if err != nil {
			return p, err
		}
		for _, pr := range all {
			if pr.EndedAt.IsZero() {
				p.Processors = append(p.Processors, pr)
			}
		}
	}
	g := c.grants()
	p.MaxHours = g.MaxHours
	if p.MaxHours <= 0 {
		p.MaxHours = 8
	}
	var err error
	p.Grants, err = c.Store.Grants(r.Context())
	return p, err
}

func (c *Console) adminGrants(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.grantsPageFor(r, v, false)
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "grants", p)
}

func (c *Console) dpoGrants(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := c.grantsPageFor(r, v, true)
	if err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "grants", p)
}

func (c *Console) requestGrant(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	f := r.PostForm
	form := grantForm{Login: strings.TrimSpace(f.Get("login")), Processor: f.Get("processor"), Reason: f.Get("reason"), Scope: f.Get("scope"),
		Calls: f.Get("calls"), Hours: strings.TrimSpace(f.Get("hours"))}
	hours, herr := strconv.Atoi(form.Hours)
	if herr != nil {
		hours = -1
	}
	processor, _ := strconv.ParseInt(form.Processor, 10, 64)
	g, err := c.grants().Request(r.Context(), v.Actor, access.GrantRequest{Login: form.Login, ProcessorID: processor, Reason: form.Reason,
		Scope: form.Scope, Calls: form.Calls, Hours: hours})
	p, perr := c.grantsPageFor(r, v, false)
	if perr != nil {
		return perr
	}
	if err != nil {
		if web.StatusOf(desk.ErrorCode(err)) == http.StatusInternalServerError {
			return err
		}
		p.Form = form
		mergeFields(p.Errors, err)
		if len(p.Errors) == 0 {
			p.Problem = sentenceCase(desk.Message(err))
		} else {
			p.Problem = "The request was not made: correct what is marked."
		}
		return c.render(w, r, web.StatusOf(desk.ErrorCode(err)), "grants", p)
	}
	p.Done = "Grant " + strconv.FormatInt(g.ID, 10) + " was requested for " + g.Login + ": the Data Protection Officer approves or refuses it at Supplier access."
	return c.render(w, r, http.StatusOK, "grants", p)
}

func (c *Console) decideGrant(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.Errorf(desk.ENOTFOUND, "no such supplier grant")
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	approve := r.PostForm.Get("decision") == "approve"
	g, err := c.grants().Decide(r.Context(), v.Actor, id, approve, r.PostForm.Get("refusal"))
	p, perr := c.grantsPageFor(r, v, true)
	if perr != nil {
		return perr
	}
	if err != nil {
		if web.StatusOf(desk.ErrorCode(err)) == http.StatusInternalServerError {
			return err
		}
		p.Problem = sentenceCase(desk.Message(err))
		return c.render(w, r, web.StatusOf(desk.ErrorCode(err)), "grants", p)
	}
	if approve {
		p.Done = "Grant " + strconv.FormatInt(g.ID, 10) + " was approved: " + g.Login + " may sign in until " + c.when(g.EndsAt) + "."
	} else {
		p.Done = "Grant " + strconv.FormatInt(g.ID, 10) + " was refused."
	}
	return c.render(w, r, http.StatusOK, "grants", p)
}
