package console

import (
	"net/http"
	"strconv"
	"time"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/dpo"
	"calldesk/internal/store"
)

// The register of processors and transfers (issue 19 item 6; policy 18, 21): the DPO keeps it;
// administrators read it (it is not about a person).

func (c *Console) dpoProcessorRoutes() []route {
	return []route{
		{"GET", "/dpo/processors", access.SeeDPORecords, c.dpoProcessors},
		{"POST", "/dpo/processors", access.KeepDPORecords, c.dpoSaveProcessor},
		{"GET", "/dpo/processors/new", access.KeepDPORecords, c.dpoProcessor},
		{"GET", "/dpo/processors/{id}", access.SeeDPORecords, c.dpoProcessor},
		{"POST", "/dpo/processors/{id}", access.KeepDPORecords, c.dpoSaveProcessor},
	}
}

// processorsPage is the register.
type processorsPage struct {
	page
	Processors []store.Processor
	Today      string
}

// Ends is the day p's contract ends, or "".
func (processorsPage) Ends(p store.Processor) string { return dpo.ContractEnds(p) }

// Safeguard names a safeguard.
func (processorsPage) Safeguard(k string) string { return dpo.SafeguardWords(k) }

func (c *Console) today() string { return c.now().In(c.zone().Location()).Format(time.DateOnly) }

func (c *Console) dpoProcessors(w http.ResponseWriter, r *http.Request, v *visit) error {
	ps, err := c.Store.Processors(r.Context())
	if err != nil {
		return err
	}
	p := processorsPage{page: c.page(v, "Processors and transfers"), Processors: ps, Today: c.today()}
	p.Section = "processors"
	return c.render(w, r, http.StatusOK, "dpoprocessors", p)
}

// processorPage is one processor's record, and the DPO's form for it (ID 0: a new one).
type processorPage struct {
	page
	ID        int64
	Processor store.Processor
	Form      dpo.ProcessorForm
	// Rows are the transfer rows of the form: the record's, and two empty ones.
	Rows       []store.Transfer
	Clauses    []dpo.Clause
	Safeguards []dpo.Safeguard
	Errors     map[string]string
	ErrorList  []fieldError
	Done       bool
	Today      string
	// Grants are the supplier grants given to the firm's people (issue 20 point 1).
	Grants []store.Grant
}

// Chosen says whether clause letter l is ticked on the form.
func (p processorPage) Chosen(l string) bool {
	for _, x := range p.Form.Clauses {
		if x == l {
			return true
		}
	}
	return false
}

// SafeguardWords names a safeguard.
func (processorPage) SafeguardWords(k string) string { return dpo.SafeguardWords(k) }

// Ends is the day the contract ends, or "".
func (p processorPage) Ends() string { return dpo.ContractEnds(p.Processor) }

func formOf(p store.Processor) dpo.ProcessorForm {
	f := dpo.ProcessorForm{Name: p.Name, Service: p.Service, Contact: p.Contact, ContractDate: p.ContractDate, ContractMonths: strconv.Itoa(p.ContractMonths),
		SubProcessors: p.SubProcessors, Notes: p.Notes, ReviewDue: p.ReviewDue, Ended: !p.EndedAt.IsZero(), Version: p.Version}
	for _, r := range p.Clauses {
		f.Clauses = append(f.Clauses, string(r))
	}
	for _, t := range p.Transfers {
		f.Countries, f.Safeguards = append(f.Countries, t.Country), append(f.Safeguards, t.Safeguard)
	}
	return f
}

func (c *Console) processorPage(v *visit, id int64, pr store.Processor, f dpo.ProcessorForm) processorPage {
	title := "Add a processor"
	if id != 0 {
		title = "Processor: " + pr.Name
	}
	p := processorPage{page: c.page(v, title), ID: id, Processor: pr, Form: f, Clauses: dpo.Clauses(), Safeguards: dpo.Safeguards(),
		Errors: map[string]string{}, Today: c.today()}
	p.Section = "processors"
	for i := range f.Countries {
		sg := ""
		if i < len(f.Safeguards) {
			sg = f.Safeguards[i]
		}
		if f.Countries[i] != "" {
			p.Rows = append(p.Rows, store.Transfer{Country: f.Countries[i], Safeguard: sg})
		}
	}
	p.Rows = append(p.Rows, store.Transfer{}, store.Transfer{})
	return p
}

func (c *Console) dpoProcessor(w http.ResponseWriter, r *http.Request, v *visit) error {
	if r.PathValue("id") == "" {
		return c.render(w, r, http.StatusOK, "dpoprocessor", c.processorPage(v, 0, store.Processor{}, dpo.ProcessorForm{}))
	}
	id, err := pathID(r, "processor")
	if err != nil {
		return err
	}
	pr, err := c.Store.FindProcessor(r.Context(), id)
	if err != nil {
		return err
	}
	p := c.processorPage(v, id, pr, formOf(pr))
	p.Done = r.URL.Query().Get("done") == "saved"
	if p.Grants, err = c.Store.ProcessorGrants(r.Context(), id); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "dpoprocessor", p)
}

func (c *Console) dpoSaveProcessor(w http.ResponseWriter, r *http.Request, v *visit) error {
	var id int64
	var old store.Processor
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "processor"); err != nil {
			return err
		}
		if old, err = c.Store.FindProcessor(r.Context(), id); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return desk.Errorf(desk.EINVALID, "the form could not be read")
	}
	pf := r.PostForm
	version, _ := strconv.Atoi(pf.Get("version"))
	f := dpo.ProcessorForm{Name: pf.Get("name"), Service: pf.Get("service"), Contact: pf.Get("contact"), ContractDate: pf.Get("contract_date"),
		ContractMonths: pf.Get("contract_months"), Clauses: pf["clause"], SubProcessors: pf.Get("sub_processors"), Notes: pf.Get("notes"),
		ReviewDue: pf.Get("review_due"), Countries: pf["country"], Safeguards: pf["safeguard"], Ended: pf.Get("ended") == "1",
		Reason: pf.Get("reason"), Version: version}
	pr, err := f.Processor()
	if err == nil {
		pr.ID = id
		pr.EndedAt = old.EndedAt
		switch {
		case f.Ended && pr.EndedAt.IsZero():
			pr.EndedAt = c.now()
		case !f.Ended:
			pr.EndedAt = time.Time{}
		}
		pr, err = c.Store.SaveProcessor(r.Context(), v.Actor, pr, f.Reason)
	}
	if err == nil {
		return seeOther(w, r, "/dpo/processors/"+strconv.FormatInt(pr.ID, 10)+"?done=saved")
	}
	de := desk.AsError(err)
	if de == nil || (de.Code != desk.EINVALID && de.Code != desk.ECONFLICT) {
		return err
	}
	p := c.processorPage(v, id, old, f)
	p.Title = "Error: " + p.Title
	status := http.StatusUnprocessableEntity
	if de.Code == desk.ECONFLICT {
		status = http.StatusConflict
		p.Form.Version = old.Version
		p.ErrorList = []fieldError{{ID: "name", Message: sentence(de.Message) + ". Saving this form again replaces it with yours."}}
	} else {
		p.Errors = de.Fields
		p.ErrorList = orderErrors([]fieldError{{ID: "name"}, {ID: "service"}, {ID: "contact"}, {ID: "contract_date"}, {ID: "contract_months"},
			{ID: "review_due"}, {ID: "transfers"}, {ID: "notes"}, {ID: "reason"}}, de.Fields)
	}
	return c.render(w, r, status, "dpoprocessor", p)
}
