package console

import (
	"bytes"
	"net/http"

	"calldesk/internal/access"
	"calldesk/internal/dpo"
)

// complianceRoutes are the compliance page (issue 19 item 8, policy 7.2): each duty the desk
// serves with live evidence from its records, as a page and as a PDF for the ICO.
func (c *Console) complianceRoutes() []route {
	return []route{
		{"GET", "/dpo/compliance", access.SeeDPORecords, c.compliance},
		{"GET", "/dpo/compliance.pdf", access.SeeDPORecords, c.compliancePDF},
		{"POST", "/dpo/compliance/verify", access.KeepDPORecords, c.complianceVerify},
	}
}

// compliancePage lists the evidence.
type compliancePage struct {
	page
	Tabs     []dpoTab
	Evidence []dpo.Evidence
	Verified bool
}

// evidenceProviders are the compliance page's providers (dpo.Providers unless the console was
// given its own).
func (c *Console) evidenceProviders() []dpo.Provider {
	if c.Evidence != nil {
		return c.Evidence
	}
	return dpo.Providers(c.Store)
}

func (c *Console) compliance(w http.ResponseWriter, r *http.Request, v *visit) error {
	ev, err := dpo.Gather(r.Context(), c.evidenceProviders(), c.now(), c.zone().Location())
	if err != nil {
		return err
	}
	p := compliancePage{page: c.page(v, "Demonstrating compliance"), Tabs: dpoTabs(v, "/dpo/compliance"), Evidence: ev,
		Verified: r.URL.Query().Get("verified") != ""}
	p.Section = "dataprotection"
	return c.render(w, r, http.StatusOK, "compliance", p)
}

func (c *Console) compliancePDF(w http.ResponseWriter, r *http.Request, _ *visit) error {
	ev, err := dpo.Gather(r.Context(), c.evidenceProviders(), c.now(), c.zone().Location())
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := dpo.WriteCompliancePDF(&b, ev, c.Contacts, c.now(), c.zone().Location()); err != nil {
		return err
	}
	return download(w, "application/pdf", "compliance.pdf", b.Bytes())
}

// complianceVerify checks the audit chain now and records the result as evidence.
func (c *Console) complianceVerify(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := dpo.VerifyAudit(r.Context(), c.Store, v.Actor); err != nil {
		return err
	}
	return seeOther(w, r, "/dpo/compliance?verified=1")
}
