package dpo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"calldesk/internal/store"
)

// Contacts are the controller's and the Data Protection Officer's contact details, configured
// (serve's --controller-name, --controller-contact and --dpo-contact): the notice and the
// exports name them.
type Contacts struct {
	// University is the controller's name; UniversityContact its address, email and phone.
	University, UniversityContact string
	// DPO is how to reach the Data Protection Officer (address, email, phone).
	DPO string
}

// WithDefaults fills empty contacts with words that say they are missing, so that a notice is
// never published with an empty line where the law wants contact details.
func (c Contacts) WithDefaults() Contacts {
	if strings.TrimSpace(c.University) == "" {
		c.University = "the University"
	}
	if strings.TrimSpace(c.UniversityContact) == "" {
		c.UniversityContact = "(not configured: set --controller-contact)"
	}
	if strings.TrimSpace(c.DPO) == "" {
		c.DPO = "(not configured: set --dpo-contact)"
	}
	return c
}

// Record is a record of processing with what is derived for it from the register and the
// retention schedule.
type Record struct {
	store.ProcessingActivity
	// Categories of personal data (store.Category words), in the register's order.
	Categories []string
	// Sources of the data (store.Source words).
	Sources []string
	// Retention says, one line per retention class of the tables' columns, how long it is kept.
	Retention []string
	// Location is where the data is kept.
	Location string
	// Special reports whether the tables hold special-category data (so a condition of article
	// 9 must be named).
	Special bool
}

// Derive completes a with the categories, sources, retention and location of the register
// columns of its tables; rules is the retention schedule, engine the store's ("sqlite",
// "postgres").
func Derive(a store.ProcessingActivity, rules []store.RetentionRule, engine string) Record {
	r := Record{ProcessingActivity: a}
	var classes []store.RetentionClass
	for _, c := range store.Register() {
		if !slices.Contains(a.Tables, c.Table) || (c.Engine != "" && c.Engine != engine) {
			continue
		}
		if !slices.Contains(r.Categories, string(c.Category)) {
			r.Categories = append(r.Categories, string(c.Category))
		}
		for _, s := range c.Sources {
			if !slices.Contains(r.Sources, string(s)) {
				r.Sources = append(r.Sources, string(s))
			}
		}
		if !slices.Contains(classes, c.Retention) {
			classes = append(classes, c.Retention)
		}
		r.Special = r.Special || c.Category == store.CatSpecial
	}
	for _, cl := range store.RetentionEndings() {
		if !slices.Contains(classes, cl) {
			continue
		}
		r.Retention = append(r.Retention, retentionWords(cl, rules))
	}
	where := "calldesk's embedded SQLite database, on the calldesk server"
	if engine == "postgres" {
		where = "calldesk's PostgreSQL database, on the university's database server"
	}
	r.Location = where + " (UK); tables " + strings.Join(a.Tables, ", ")
	return r
}

// retentionWords says how long class keeps data.
func retentionWords(cl store.RetentionClass, rules []store.RetentionRule) string {
	for _, rule := range rules {
		if rule.Class == string(cl) {
			return fmt.Sprintf("%s: %s %d months after %s", strings.ReplaceAll(rule.Class, "_", " "), pastTense(rule.Action), rule.Months, startWords(rule.Start))
		}
	}
	switch cl {
	case store.RetainExpiry:
		return "sessions and sign-in records: deleted when they expire, within days"
	case store.RetainListed:
		return "directory data: kept while the university's directory lists it"
	case store.RetainNone:
		return "some records (settings, the DPO's own records): kept until changed or until an erasure"
	}
	return string(cl) + ": no rule in the retention schedule"
}

func pastTense(action string) string {
	switch action {
	case store.Anonymise:
		return "anonymised"
	case store.Delete:
		return "deleted"
	}
	return action
}

func startWords(start string) string {
	switch start {
	case "closed":
		return "closing"
	case "left":
		return "the person left"
	case "created":
		return "it was made"
	}
	return start
}

// Records reads the records of processing and derives what the register says of each.
func Records(ctx context.Context, st *store.Store) ([]Record, error) {
	acts, err := st.ProcessingActivities(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := st.RetentionRules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(acts))
	for i, a := range acts {
		out[i] = Derive(a, rules, st.Engine())
	}
	return out, nil
}

// Columns are the export's columns, in the order of the ICO's record of processing template
// (controller sheet), with calldesk's own beside them.
var columns = []struct {
	Title string
	Value func(Record) string
}{
	{"Business function / activity", func(r Record) string { return r.Name }},
	{"Purpose of processing", func(r Record) string { return r.Purpose }},
	{"Name and contact details of joint controller (if applicable)", func(Record) string { return "" }},
	{"Categories of individuals", func(r Record) string { return r.People }},
	{"Categories of personal data", func(r Record) string { return strings.Join(r.Categories, ", ") }},
	{"Categories of recipients", func(r Record) string { return r.Recipients }},
	{"Link to contract with processor", func(Record) string { return "" }},
	{"Names of third countries or international organisations that personal data are transferred to (if applicable)", func(r Record) string { return orNone(r.Transfers) }},
	{"Safeguards for exceptional transfers of personal data to third countries or international organisations (if applicable)", func(r Record) string { return orNone(r.Transfers) }},
	{"Retention schedule (if possible)", func(r Record) string { return strings.Join(r.Retention, "; ") }},
	{"General description of technical and organisational security measures (if possible)", func(r Record) string { return r.Security }},
	{"Article 6 lawful basis for processing personal data", func(r Record) string { return r.LawfulBasis }},
	{"Article 9 basis for processing special category data", func(r Record) string { return orNone(r.SpecialCondition) }},
	{"Source of personal data", func(r Record) string { return strings.Join(r.Sources, ", ") }},
	{"Location of personal data", func(r Record) string { return r.Location }},
	{"Statutory or contractual obligation to provide", func(r Record) string { return orNone(r.Obligation) }},
	{"Automated decision-making, including profiling", func(r Record) string { return orNone(r.Automated) }},
	{"Version", func(r Record) string { return fmt.Sprint(r.Version) }},
	{"Last reviewed", func(r Record) string {
		if r.ReviewedAt.IsZero() {
			return "not yet reviewed"
		}
		return r.ReviewedAt.Format("2006-01-02") + " by " + r.ReviewedBy
	}},
}

// ExportColumns lists the titles of the export's columns.
func ExportColumns() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.Title
	}
	return out
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "none"
	}
	return s
}

// SheetName is the records' sheet in the XLSX export.
const SheetName = "Processing activities"

// WriteXLSX writes the records as a spreadsheet in the layout of the ICO's record of processing
// template: the controller's details at the top, then one row per activity under the template's
// column headings.
func WriteXLSX(w io.Writer, recs []Record, c Contacts, now time.Time) error {
	c = c.WithDefaults()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	set := func(col, row int, v string) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellStr(SheetName, cell, v)
	}
	head := [][2]string{{"Record of processing activities", ""}, {"Controller", c.University}, {"Contact details", c.UniversityContact},
		{"Data Protection Officer", c.DPO}, {"Generated", now.UTC().Format("2006-01-02 15:04 UTC") + " by calldesk, from its register of personal data"}}
	for i, h := range head {
		if err := set(1, i+1, h[0]); err != nil {
			return err
		}
		if err := set(2, i+1, h[1]); err != nil {
			return err
		}
	}
	first := len(head) + 2
	for i, col := range columns {
		if err := set(i+1, first, col.Title); err != nil {
			return err
		}
		_ = f.SetColWidth(SheetName, colName(i+1), colName(i+1), 32)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(columns), first)
	_ = f.SetCellStyle(SheetName, "A"+fmt.Sprint(first), last, bold)
	for i, r := range recs {
		for j, col := range columns {
			if err := set(j+1, first+1+i, col.Value(r)); err != nil {
				return err
			}
		}
	}
	if len(recs) > 0 {
		end, _ := excelize.CoordinatesToCellName(len(columns), first+len(recs))
		_ = f.SetCellStyle(SheetName, "A"+fmt.Sprint(first+1), end, wrap)
	}
	return f.Write(w)
}

func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i)
	return n
}

// newPDF starts an A4 PDF with the Go fonts (UTF-8), a title and page numbers.
func newPDF(title string, now time.Time) *fpdf.Fpdf {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(now)
	p.SetModificationDate(now)
	p.SetCatalogSort(true)
	p.SetTitle(title, true)
	p.SetLang("en")
	p.AddUTF8FontFromBytes("go", "", goregular.TTF)
	p.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	p.SetAutoPageBreak(true, 15)
	p.AliasNbPages("")
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont("go", "", 8)
		p.CellFormat(0, 5, fmt.Sprintf("%s: page %d of {nb}", title, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	return p
}

type pdfWriter struct{ p *fpdf.Fpdf }

func (w pdfWriter) h1(s string) {
	w.p.SetFont("go", "B", 16)
	w.p.MultiCell(0, 8, s, "", "L", false)
	w.p.Ln(2)
}
func (w pdfWriter) h2(s string) {
	w.p.Ln(3)
	w.p.SetFont("go", "B", 13)
	w.p.MultiCell(0, 7, s, "", "L", false)
	w.p.Ln(1)
}
func (w pdfWriter) text(s string) { w.p.SetFont("go", "", 10); w.p.MultiCell(0, 5, s, "", "L", false) }
func (w pdfWriter) field(label, value string) {
	w.p.SetFont("go", "B", 10)
	w.p.MultiCell(0, 5, label, "", "L", false)
	w.p.SetFont("go", "", 10)
	w.p.MultiCell(0, 5, value, "", "L", false)
	w.p.Ln(1)
}

// WriteRecordsPDF writes the records of processing as a PDF: the controller's details, then
// each activity with every column of the export.
func WriteRecordsPDF(w io.Writer, recs []Record, c Contacts, now time.Time) error {
	c = c.WithDefaults()
	p := newPDF("Records of processing activities", now)
	pw := pdfWriter{p}
	pw.h1("Records of processing activities")
	pw.text(fmt.Sprintf("Controller: %s, %s. Data Protection Officer: %s.", c.University, c.UniversityContact, c.DPO))
	pw.text(fmt.Sprintf("Generated by calldesk on %s. Categories of data, sources, retention and location are derived from calldesk's register of personal data and retention schedule.", now.UTC().Format("2 January 2006")))
	for _, r := range recs {
		p.Bookmark(r.Name, 0, -1)
		pw.h2(r.Name)
		for _, col := range columns[1:] {
			if v := col.Value(r); v != "" {
				pw.field(col.Title, v)
			}
		}
	}
	return p.Output(w)
}
