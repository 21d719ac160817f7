package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"calldesk/internal/desk"
)

// Keyset paging of call lists (issue 21 point 5, issue 22 point 5). A page after the first is
// read from the index where the page before it ended: "the rows after this row's sort key and
// id", not "skip so many rows", so page 2,000 of a queue costs what page 1 costs, and a call
// logged or taken between two pages neither repeats a row nor hides one.

// callOrder is a list's order: its key columns, last the id that breaks ties, all in one direction.
type callOrder struct {
	name string   // the sort a cursor is for: newest, oldest, priority, updated, due, search
	cols []string // key columns, the tie-breaking id last
	desc bool
}

// sql is the ORDER BY of the order, or of its reverse.
func (o callOrder) sql(reverse bool) string {
	dir := " ASC"
	if o.desc != reverse {
		dir = " DESC"
	}
	parts := make([]string, len(o.cols))
	for i, c := range o.cols {
		parts[i] = c + dir
	}
	return strings.Join(parts, ", ")
}

// callCursor is a position in a list: the page after (or before) the row with these key values.
type callCursor struct {
	order  string
	before bool
	keys   []int64
}

// cursorPrefix versions the encoding, so that a cursor kept from an older calldesk is refused
// clearly rather than misread.
const cursorPrefix = "c1"

// String encodes the cursor: opaque to its readers, URL-safe.
func (c callCursor) String() string {
	dir := "a"
	if c.before {
		dir = "b"
	}
	parts := []string{cursorPrefix, c.order, dir}
	for _, k := range c.keys {
		parts = append(parts, strconv.FormatInt(k, 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, ".")))
}

// badCursor is the error of a cursor that cannot be used with this list.
func badCursor(why string) error {
	return desk.Invalid("the filter is not valid", map[string]string{"cursor": why})
}

// parseCursor reads a cursor made by String for a list in order o.
func parseCursor(s string, o callOrder) (callCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return callCursor{}, badCursor("is not a cursor this list gave: use the next or previous cursor of a page as given")
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) < 4 || parts[0] != cursorPrefix || (parts[2] != "a" && parts[2] != "b") {
		return callCursor{}, badCursor("is not a cursor this list gave: use the next or previous cursor of a page as given")
	}
	c := callCursor{order: parts[1], before: parts[2] == "b"}
	if c.order != o.name {
		return callCursor{}, badCursor(fmt.Sprintf("was given by a list sorted %s, not %s: start again from the first page", c.order, o.name))
	}
	if len(parts)-3 != len(o.cols) {
		return callCursor{}, badCursor("is not a cursor this list gave: use the next or previous cursor of a page as given")
	}
	for _, p := range parts[3:] {
		k, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return callCursor{}, badCursor("is not a cursor this list gave: use the next or previous cursor of a page as given")
		}
		c.keys = append(c.keys, k)
	}
	return c, nil
}

// cond is the condition of the rows past the cursor, in the direction it reads, as a row-value
// comparison both engines read as a range of the index whose columns are the order's.
func (c callCursor) cond(o callOrder) (string, []any) {
	op := ">"
	if o.desc != c.before {
		op = "<"
	}
	args := make([]any, len(c.keys))
	for i, k := range c.keys {
		args[i] = k
	}
	if len(o.cols) == 1 {
		return o.cols[0] + " " + op + " ?", args
	}
	return "(" + strings.Join(o.cols, ", ") + ") " + op + " (" + placeholders(len(c.keys)) + ")", args
}

// keysOf reads a call's key values in order o; due, whose key is in call_sla, is given by dueKey.
func keysOf(o callOrder, c desk.Call, dueKey int64) []int64 {
	switch o.name {
	case "newest", "oldest":
		return []int64{c.LoggedAt.UnixMicro(), c.ID}
	case "priority":
		return []int64{int64(c.Priority), c.LoggedAt.UnixMicro(), c.ID}
	case "updated":
		return []int64{c.UpdatedAt.UnixMicro(), c.ID}
	case "due":
		return []int64{dueKey, c.ID}
	}
	return []int64{c.ID}
}
