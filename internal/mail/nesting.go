package mail

import (
	"bufio"
	"bytes"
	"strings"

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
// every part a delimiter starting with "--", so a message with few of those is cleared at once;
// otherwise its structure is scanned, with enmime's own header reader and media type parser and
// its way of finding a delimiter (the boundary anywhere in a line), to see what enmime would.
func checkShape(raw []byte) error {
	if countFold(raw, "boundary") <= maxNesting && bytes.Count(raw, []byte("--")) <= maxParts {
		return nil
	}
	depth, parts := mimeShape(raw)
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

// mimeShape returns how deeply the multiparts of raw nest and how many parts they hold, stopping
// as soon as either passes its limit.
func mimeShape(raw []byte) (depth, parts int) {
	br := bufio.NewReader(bytes.NewReader(raw))
	boundary := func() string {
		h, err := enmime.ReadHeader(br, discardErrors{})
		if err != nil {
			return ""
		}
		mt, params, _, err := mediatype.Parse(h.Get("Content-Type"))
		if err != nil || !strings.HasPrefix(mt, "multipart/") {
			return ""
		}
		return params["boundary"]
	}
	var stack []string
	if b := boundary(); b != "" {
		stack = append(stack, b)
	}
	depth = len(stack)
	for len(stack) > 0 && depth <= maxNesting && parts <= maxParts {
		line, err := br.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			break
		}
		if !bytes.Contains(line, []byte("--")) {
			continue
		}
		for i := len(stack) - 1; i >= 0; i-- {
			delim := "--" + stack[i]
			at := bytes.Index(line, []byte(delim))
			if at < 0 {
				continue
			}
			rest := line[at+len(delim):]
			if bytes.HasPrefix(rest, []byte("--")) {
				stack = stack[:i]
				break
			}
			if len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n') {
				stack = stack[:i+1]
				parts++
				if b := boundary(); b != "" {
					stack = append(stack, b)
					depth = max(depth, len(stack))
				}
				break
			}
		}
	}
	return depth, parts
}

// discardErrors is an enmime.ErrorCollector for a header read only to find its Content-Type.
type discardErrors struct{}

func (discardErrors) AddError(string, string, ...any)   {}
func (discardErrors) AddWarning(string, string, ...any) {}
