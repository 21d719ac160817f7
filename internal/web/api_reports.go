package web

import (
	"net/http"
	"strings"

	"calldesk/internal/access"
	"calldesk/internal/desk"
	"calldesk/internal/report"
)

// reportKindJSON names one report.
type reportKindJSON struct {
	Kind  string `json:"kind"`
	Title string `json:"title"`
}

// reportKindList is every report, and whether the caller sees names in them.
type reportKindList struct {
	Reports []reportKindJSON `json:"reports"`
	Named   bool             `json:"named"`
}

// reportCellJSON is one figure: its value (null when suppressed or there is none), the text
// the console shows, and what the value is.
type reportCellJSON struct {
	Value      *int   `json:"value"`
	Text       string `json:"text"`
	Format     string `json:"format"` // count, percent, duration_seconds, text
	Suppressed bool   `json:"suppressed,omitzero"`
}

type reportRowJSON struct {
	Label string           `json:"label"`
	Cells []reportCellJSON `json:"cells"`
}

type reportTableJSON struct {
	Caption string          `json:"caption"`
	Columns []string        `json:"columns"`
	Rows    []reportRowJSON `json:"rows"`
	Note    string          `json:"note,omitzero"`
}

// reportJSON is a report's figures: the same tables, under the same rules, as the console's.
type reportJSON struct {
	Kind    string            `json:"kind"`
	Title   string            `json:"title"`
	From    string            `json:"from"`
	To      string            `json:"to"`
	Every   string            `json:"every"`
	Range   string            `json:"range"`
	Summary string            `json:"summary"`
	About   string            `json:"about,omitzero"`
	Named   bool              `json:"named"`
	Tables  []reportTableJSON `json:"tables"`
}

// listReports lists the reports the API serves.
func (s *Server) listReports(w http.ResponseWriter, r *http.Request, c *caller) error {
	out := reportKindList{Named: access.Can(c.Account, access.SeeNamedReports)}
	for _, k := range report.Kinds() {
		out.Reports = append(out.Reports, reportKindJSON{Kind: string(k), Title: k.Title()})
	}
	return writeJSON(w, http.StatusOK, out)
}

// showReport runs one report for the caller (S11): names and figures for a token whose account
// may see named reports, aggregates (analysts as letters, small groups and departments
// suppressed) for every other; a report that names people is audited as a read of their data.
func (s *Server) showReport(w http.ResponseWriter, r *http.Request, c *caller) error {
	kind := report.Kind(r.PathValue("kind"))
	if !kind.Known() {
		var names []string
		for _, k := range report.Kinds() {
			names = append(names, string(k))
		}
		return desk.Errorf(desk.ENOTFOUND, "there is no report %q; the reports are %s", kind, strings.Join(names, ", "))
	}
	q := r.URL.Query()
	q.Set("kind", string(kind))
	zone := desk.ZoneOf(s.Zone)
	p, err := report.ParamsFrom(q, zone)
	if err != nil {
		return err
	}
	named := access.Can(c.Account, access.SeeNamedReports)
	res, err := report.Reporter{Store: s.Store, Zone: zone, Now: s.now, FirstContactWindow: s.FirstContactWindow}.Run(r.Context(), p, report.Viewer{Named: named})
	if err != nil {
		return err
	}
	if len(res.Analysts) > 0 {
		if err := s.auditReadOf(c, "report.view", "report", string(res.Kind), res.Analysts,
			"report: "+res.Title+", "+res.Range+" (names analysts)"); err != nil {
			return err
		}
	}
	out := reportJSON{Kind: string(res.Kind), Title: res.Title, From: p.From.Format("2006-01-02"), To: p.To.Format("2006-01-02"),
		Every: string(p.Every), Range: res.Range, Summary: res.Summary, About: res.About, Named: named, Tables: []reportTableJSON{}}
	for _, t := range res.Tables {
		tj := reportTableJSON{Caption: t.Caption, Columns: t.Columns, Rows: []reportRowJSON{}, Note: t.Note}
		for _, row := range t.Rows {
			rj := reportRowJSON{Label: row.Label, Cells: []reportCellJSON{}}
			for _, cell := range row.Cells {
				cj := reportCellJSON{Text: cell.Text, Suppressed: cell.Suppressed}
				switch {
				case cell.Suppressed || cell.Format == report.Words:
					cj.Format = "text"
				case cell.Format == report.Percent:
					cj.Format, cj.Value = "percent", &cell.N
				case cell.Format == report.Duration:
					cj.Format, cj.Value = "duration_seconds", &cell.N
				default:
					cj.Format, cj.Value = "count", &cell.N
				}
				rj.Cells = append(rj.Cells, cj)
			}
			tj.Rows = append(tj.Rows, rj)
		}
		out.Tables = append(out.Tables, tj)
	}
	return writeJSON(w, http.StatusOK, out)
}
