package report

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"calldesk/internal/csvsafe"
)

// Value is the cell as an export writes it in text: a count as digits, a percentage as "25%", a
// duration as hours and minutes ("26:05", which a spreadsheet reads as a time), anything else
// (suppressed) as its text; no figure ("-" on the page) as an empty cell.
func (c Cell) Value() string {
	switch {
	case c.Format == Words && c.Text == "-":
		return ""
	case c.Suppressed || c.Format == Words:
		return c.Text
	case c.Format == Percent:
		return c.Text
	case c.Format == Duration:
		m := c.N / 60
		return fmt.Sprintf("%d:%02d", m/60, m%60)
	}
	return strconv.Itoa(c.N)
}

// WriteCSV writes the report's tables as CSV, one after another with a blank line between: each
// table's caption, its columns, its rows and its note; every cell neutralised against formula
// injection (csvsafe). What a table holds is already what its viewer may see (Run's Viewer).
func WriteCSV(w io.Writer, res Result) error {
	cw := csvsafe.NewWriter(w)
	for i, t := range res.Tables {
		if i > 0 {
			cw.Write([]string{})
		}
		cw.Write([]string{t.Caption})
		cw.Write(t.Columns)
		for _, row := range t.Rows {
			rec := []string{row.Label}
			for _, cell := range row.Cells {
				rec = append(rec, cell.Value())
			}
			cw.Write(rec)
		}
		if t.Note != "" {
			cw.Write([]string{t.Note})
		}
	}
	cw.Flush()
	return cw.Error()
}

// XLSXType is the media type of WriteXLSX's file.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// WriteXLSX writes the report as an Office Open XML workbook (excelize): a first sheet with the
// report's title, range and summary, then one sheet per table (caption, columns, rows, note).
// Counts are numbers, percentages numbers formatted as such, durations spreadsheet times
// ([h]:mm); every text (labels, captions, suppressed cells) is written as a string, never a
// formula, and neutralised as the CSV's is (csvsafe.Cell), so a name that begins with "=" stays
// inert even when someone edits the cell.
func WriteXLSX(w io.Writer, res Result) error {
	f := excelize.NewFile()
	defer f.Close()
	pctStyle, err := f.NewStyle(&excelize.Style{NumFmt: 9}) // 0%
	if err != nil {
		return err
	}
	hm := "[h]:mm"
	durStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &hm})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	text := func(sheet string, col, row int, s string) error {
		ref, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellStr(sheet, ref, csvsafe.Cell(s))
	}
	const first = "Summary"
	if err := f.SetSheetName("Sheet1", first); err != nil {
		return err
	}
	for i, s := range []string{res.Title, res.Range, res.Summary} {
		if err := text(first, 1, i+1, s); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(first, "A1", "A1", bold); err != nil {
		return err
	}
	for i, t := range res.Tables {
		sheet := fmt.Sprintf("Table %d", i+1)
		if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		if err := text(sheet, 1, 1, t.Caption); err != nil {
			return err
		}
		for j, c := range t.Columns {
			if err := text(sheet, j+1, 2, c); err != nil {
				return err
			}
		}
		if err := f.SetRowStyle(sheet, 1, 2, bold); err != nil {
			return err
		}
		r := 3
		for _, row := range t.Rows {
			if err := text(sheet, 1, r, row.Label); err != nil {
				return err
			}
			for j, c := range row.Cells {
				ref, err := excelize.CoordinatesToCellName(j+2, r)
				if err != nil {
					return err
				}
				switch {
				case c.Format == Words && c.Text == "-":
					continue // no figure: an empty cell
				case c.Suppressed || c.Format == Words:
					err = text(sheet, j+2, r, c.Text)
				case c.Format == Percent:
					if err = f.SetCellFloat(sheet, ref, float64(c.N)/100, 2, 64); err == nil {
						err = f.SetCellStyle(sheet, ref, ref, pctStyle)
					}
				case c.Format == Duration:
					if err = f.SetCellFloat(sheet, ref, float64(c.N)/86400, 10, 64); err == nil {
						err = f.SetCellStyle(sheet, ref, ref, durStyle)
					}
				default:
					err = f.SetCellInt(sheet, ref, int64(c.N))
				}
				if err != nil {
					return err
				}
			}
			r++
		}
		if t.Note != "" {
			if err := text(sheet, 1, r+1, t.Note); err != nil {
				return err
			}
		}
		if err := f.SetColWidth(sheet, "A", "A", 28); err != nil {
			return err
		}
	}
	return f.Write(w)
}
