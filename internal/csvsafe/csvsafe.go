// Package csvsafe writes CSV files that are safe to open in a spreadsheet: a cell that begins
// with a character a spreadsheet reads as the start of a formula (=, +, -, @, tab, carriage
// return) gets a single quote in front, as OWASP's "CSV injection" advice says, so that
// "=HYPERLINK(...)" written by a customer into a call's summary is shown as text, not run,
// when the person or an analyst opens the file. The value is otherwise kept as it was.
//
// It is a package of its own, importing only the standard library, so that every package that
// writes CSV (the SAR bundle in internal/privacy today; reports and command output later) can
// use the one writer whatever its place in the dependency order.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Cell returns s as it is safe to write into a CSV cell: with a single quote in front when it
// begins with =, +, -, @, a tab or a carriage return. A negative number ("-3") is neutralised
// too (a cell "-3+A1" is a formula, and the writer cannot tell data from formula): spreadsheets
// show "'-3" as the text -3, which reads the same. Everything else is returned unchanged.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer is an encoding/csv Writer that neutralises every cell (Cell) before writing it.
type Writer struct {
	w   *csv.Writer
	row []string
}

// NewWriter returns a Writer writing to w, with a comma between cells and "\n" after each row.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: csv.NewWriter(w)}
}

// Write writes one row, each cell neutralised; the caller's slice is left as it was.
func (w *Writer) Write(record []string) error {
	w.row = w.row[:0]
	for _, c := range record {
		w.row = append(w.row, Cell(c))
	}
	return w.w.Write(w.row)
}

// Flush writes any buffered data to the underlying io.Writer; Error reports a failure.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error of a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
