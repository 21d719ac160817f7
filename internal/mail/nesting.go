package mail

import (
	"bufio"
	"bytes"
	"strings"
	"unicode"

	"calldesk/internal/desk"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// maxNesting is the deepest nesting of multiparts that Parse accepts. enmime reads a nested part
// through one boundary reader per level, and its time grows exponentially with the depth (about
// twice per level: 25 levels in a 1.5 KB message took 30 s here), so one small hostile message
// could stop the fetcher. Real clients nest 3 to 5 levels (mixed > related > alternative, inside
// multipart/signed); a forwarded message/rfc822 is not descended into and does not count.
const maxNesting = 12

// maxParts is the largest number of MIME parts Parse accepts. enmime appends each part to the end
// of its parent's list of children by walking the list, so its time grows with the square of the
// number of parts: 50,000 empty parts in 1.8 MB took 35 s here. Real mail has a few dozen.
const maxParts = 5000

// checkShape refuses a message whose MIME structure would take enmime too long: multiparts nested
// deeper than maxNesting, or more than maxParts parts. Every level needs a boundary parameter and
// every part a delimiter holding "--", so a message with few of those is cleared at once;
// otherwise its structure is followed as enmime would read it (mimeShape).
func checkShape(raw []byte) error {
	if countFold(raw, "boundary") <= maxNesting && bytes.Count(raw, []byte("--")) <= maxParts {
		return nil
	}
	depth, parts, odd := mimeShape(raw)
	if odd {
		return desk.Errorf(desk.EINVALID, "the message has a MIME boundary holding a line break")
	}
	if depth > maxNesting {
		return desk.Errorf(desk.EINVALID, "the message's MIME parts nest more than %d levels deep", maxNesting)
	}
	if parts > maxParts {
		return desk.Errorf(desk.EINVALID, "the message has more than %d MIME parts", maxParts)
	}
	return nil
}

// countFold counts the case-insensitive occurrences of an ASCII word in b.
func countFold(b []byte, word string) int {
	n := 0
	first := []byte{word[0], word[0] - 'a' + 'A'}
	for {
		i := bytes.IndexAny(b, string(first))
		if i < 0 || len(b)-i < len(word) {
			return n
		}
		if strings.EqualFold(string(b[i:i+len(word)]), word) {
			n++
		}
		b = b[i+1:]
	}
}

// mimeShape returns how deeply the multiparts of raw nest and how many parts they hold, as enmime
// (v2, boundary.go and part.go) would find them, stopping as soon as either passes its limit; odd
// says a boundary holds a CR or LF, which this walk does not follow in linear time.
//
// It follows enmime rather than RFC 2046, because what costs time is what enmime does:
//   - A part's content, its header included, ends at the first CR or LF after which a delimiter
//     ("--boundary" and a white space byte) or terminator ("--boundary--") of an enclosing
//     multipart begins, at the next line's first or second byte (after a bare CR, one byte is
//     skipped); also at the part's very start. A header ends there or at a blank line.
//   - Between parts, enmime reads whole lines and takes one holding a delimiter or terminator
//     anywhere; any other line ends the multipart, except in the preamble.
//   - Every part whose header gives a boundary is a multipart, whatever its type, unless it is
//     text/plain or text/html.
//
// The walk is linear in the size of raw (times the depth, at most maxNesting+1): every position
// is looked at by a bounded number of levels, and a comparison with a boundary stops at the first
// byte that differs, which is at or before the next CR or LF since boundaries hold none.
func mimeShape(raw []byte) (depth, parts int, odd bool) {
	w := shapeWalk{raw: raw}
	end := w.headerEnd(0, len(raw))
	b, bad := w.boundary(0, end, true)
	if bad {
		return 0, 0, true
	}
	if b == nil {
		return 0, 0, false
	}
	w.stack = append(w.stack, shapeLevel{delim: b, between: true})
	w.depth = 1
	pos := w.afterBlank(end)
	for len(w.stack) > 0 && pos < len(raw) && w.depth <= maxNesting && w.parts <= maxParts {
		if w.odd {
			return w.depth, w.parts, true
		}
		t := len(w.stack) - 1
		top := &w.stack[t]
		if top.between {
			pos = w.between(pos)
			continue
		}
		pos = w.inPart(pos)
	}
	return w.depth, w.parts, w.odd
}

// shapeLevel is one multipart being read.
type shapeLevel struct {
	delim     []byte // "--" + boundary
	between   bool   // enmime's Next is reading lines: before the first part or after one ends
	started   bool   // a part has begun (the preamble is over)
	partStart int    // where the current part begins
	inBody    bool   // the current part's header has been read
}

type shapeWalk struct {
	raw          []byte
	stack        []shapeLevel
	depth, parts int
	odd          bool
}

// lineEnd returns the index after the LF that ends the line at pos, or len(raw).
func (w *shapeWalk) lineEnd(pos int) int {
	if i := bytes.IndexByte(w.raw[pos:], '\n'); i >= 0 {
		return pos + i + 1
	}
	return len(w.raw)
}

// headerEnd returns where the header starting at pos ends within [pos, limit): the start of its
// blank line, or limit.
func (w *shapeWalk) headerEnd(pos, limit int) int {
	for pos < limit {
		end := min(w.lineEnd(pos), limit)
		line := w.raw[pos:end]
		if string(line) == "\n" || string(line) == "\r\n" {
			return pos
		}
		pos = end
	}
	return limit
}

// afterBlank returns the position after the blank line at pos (or pos at the end).
func (w *shapeWalk) afterBlank(pos int) int {
	if pos >= len(w.raw) {
		return pos
	}
	return w.lineEnd(pos)
}

// boundary reads the header in raw[start:end] and returns its multipart's "--boundary", or nil
// when it is not a multipart: for the message's own header the type must be multipart/*, for a
// part's any type but text/plain and text/html will do.
func (w *shapeWalk) boundary(start, end int, root bool) (delim []byte, odd bool) {
	hdr := append(w.raw[start:end:end], '\r', '\n')
	h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(hdr)), discardErrors{})
	if err != nil {
		return nil, false
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return nil, false
	}
	mt, params, _, err := mediatype.Parse(ct)
	b := params["boundary"]
	if err != nil || b == "" {
		return nil, false
	}
	if root && !strings.HasPrefix(mt, "multipart/") || !root && (mt == "text/plain" || mt == "text/html") {
		return nil, false
	}
	if strings.ContainsAny(b, "\r\n") {
		return nil, true
	}
	return []byte("--" + b), false
}

// catch looks for the first place in [from, to) where the content read by the levels below
// n ends: the CR or LF at which level i's reader sees its delimiter or terminator coming. atStart
// is where the top level's current part begins, checked with no line break before it; -1 when
// not in range.
func (w *shapeWalk) catch(from, to, n, atStart int) (at, level int) {
	if atStart >= from && atStart < to && n == len(w.stack) {
		if c := w.raw[atStart]; c != '\r' && c != '\n' && w.sees(atStart, w.stack[n-1].delim) {
			return atStart, n - 1
		}
	}
	for c := from; c < to; c++ {
		i := bytes.IndexAny(w.raw[c:to], "\r\n")
		if i < 0 {
			break
		}
		c += i
		padding := 1
		if w.raw[c] == '\r' {
			padding = 2
		}
		rest := w.raw[c:]
		if bytes.HasPrefix(rest, []byte("\n\n")) || bytes.HasPrefix(rest, []byte("\n\r")) ||
			bytes.HasPrefix(rest, []byte("\r\n\r")) || bytes.HasPrefix(rest, []byte("\r\n\n")) {
			continue
		}
		for l := 0; l < n; l++ {
			if w.sees(c+padding, w.stack[l].delim) {
				return c, l
			}
		}
	}
	return -1, -1
}

// sees says whether enmime's look-ahead window at pos (as long as the delimiter and two bytes)
// holds delim as a delimiter or a terminator.
func (w *shapeWalk) sees(pos int, delim []byte) bool {
	if pos > len(w.raw) || len(w.raw)-pos < len(delim)+2 {
		return false // the window runs past the end: enmime does not look
	}
	win := w.raw[pos : pos+len(delim)+2]
	if bytes.HasPrefix(win, delim) && win[len(delim)] == '-' && win[len(delim)+1] == '-' {
		return true
	}
	for o := 0; o <= 2; o++ {
		if bytes.HasPrefix(win[o:], delim) {
			rest := win[o+len(delim):]
			return len(rest) > 0 && unicode.IsSpace(rune(rest[0]))
		}
	}
	return false
}

// endAt ends the content of level i's current part, and every level above it, at c.
func (w *shapeWalk) endAt(c, i int) int {
	w.stack = w.stack[:i+1]
	w.stack[i].between = true
	return c
}

// pop ends the top level; its parent, if any, goes on reading its own part's content.
func (w *shapeWalk) pop() {
	w.stack = w.stack[:len(w.stack)-1]
}

// between reads one line as enmime's Next does, for the top level, and returns where to go on.
func (w *shapeWalk) between(pos int) int {
	t := len(w.stack) - 1
	end := w.lineEnd(pos)
	if c, i := w.catch(pos, end, t, -1); i >= 0 {
		// An enclosing level's part ends inside this line: the top level reads a cut line and
		// ends, and so does every level up to the one whose delimiter comes.
		return w.endAt(c, i)
	}
	top := &w.stack[t]
	line := w.raw[pos:end]
	if line[0] == '\r' || line[0] == '\n' {
		return end
	}
	eof := line[len(line)-1] != '\n'
	if bytes.Contains(line, append(top.delim[:len(top.delim):len(top.delim)], '-', '-')) {
		w.pop()
		return end
	}
	if !eof && isDelimiterLine(line, top.delim) {
		w.parts++
		top.between, top.started, top.inBody, top.partStart = false, true, false, end
		return end
	}
	if eof || top.started {
		w.pop()
		return end
	}
	return end // preamble
}

// isDelimiterLine says whether enmime takes line for a delimiter: the first "--boundary" in it
// followed by white space.
func isDelimiterLine(line, delim []byte) bool {
	i := bytes.Index(line, delim)
	if i < 0 {
		return false
	}
	rest := line[i+len(delim):]
	return len(rest) > 0 && unicode.IsSpace(rune(rest[0]))
}

// inPart reads the top level's current part from pos: its header, line by line, then its body up
// to where some level's delimiter comes.
func (w *shapeWalk) inPart(pos int) int {
	t := len(w.stack) - 1
	top := &w.stack[t]
	if top.inBody {
		c, i := w.catch(pos, len(w.raw), t+1, top.partStart)
		if i < 0 {
			return len(w.raw)
		}
		return w.endAt(c, i)
	}
	for pos < len(w.raw) {
		end := w.lineEnd(pos)
		if c, i := w.catch(pos, end, t+1, top.partStart); i >= 0 {
			// The part ends inside its header: a multipart declared there is read, empty.
			if b, odd := w.boundary(top.partStart, c, false); odd {
				w.odd = true
			} else if b != nil {
				w.depth = max(w.depth, len(w.stack)+1)
			}
			return w.endAt(c, i)
		}
		line := w.raw[pos:end]
		if string(line) == "\n" || string(line) == "\r\n" {
			top.inBody = true
			b, odd := w.boundary(top.partStart, pos, false)
			if odd {
				w.odd = true
			} else if b != nil {
				w.stack = append(w.stack, shapeLevel{delim: b, between: true})
				w.depth = max(w.depth, len(w.stack))
			}
			return end
		}
		pos = end
	}
	return pos
}

// discardErrors is an enmime.ErrorCollector for a header read only to find its Content-Type.
type discardErrors struct{}

func (discardErrors) AddError(string, string, ...any)   {}
func (discardErrors) AddWarning(string, string, ...any) {}
