package mail

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/korean"
)

// Charsets golang.org/x/text does not decode (WHATWG maps ISO-2022-KR to its "replacement"
// encoding, which turns the whole text into U+FFFD), decoded here.

// ownCharset decodes b when label names UTF-7 or ISO-2022-KR; known says whether it does.
func ownCharset(label string, b []byte) (s string, known bool, err error) {
	switch strings.ToLower(cleanLabel(label)) {
	case "utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7", "x-unicode-2-0-utf-7":
		s, err = decodeUTF7(b)
		return s, true, err
	case "iso-2022-kr", "csiso2022kr":
		s, err = decodeISO2022KR(b)
		return s, true, err
	}
	return "", false, nil
}

// cleanLabel trims quotes and a doubled "charset=" from a charset label.
func cleanLabel(label string) string {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	if l := strings.ToLower(label); strings.HasPrefix(l, "charset=") {
		label = label[len("charset="):]
	}
	return label
}

var errCharset = errors.New("bytes not valid in the charset")

// decodeUTF7 decodes UTF-7 (RFC 2152): ASCII as itself, "+-" as "+", and "+" followed by
// modified base64 (no padding) of UTF-16, ended by "-" (dropped) or any other character.
func decodeUTF7(b []byte) (string, error) {
	var out strings.Builder
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x80 {
			return "", errCharset
		}
		if c != '+' {
			out.WriteByte(c)
			i++
			continue
		}
		i++
		if i < len(b) && b[i] == '-' {
			out.WriteByte('+')
			i++
			continue
		}
		var units []uint16
		var bits, n uint32
		for ; i < len(b); i++ {
			v := strings.IndexByte(base64Alphabet, b[i])
			if v < 0 {
				break
			}
			bits, n = bits<<6|uint32(v), n+6
			if n >= 16 {
				n -= 16
				units = append(units, uint16(bits>>n))
				bits &= 1<<n - 1
			}
		}
		// What is left must be fewer than six bits, all zero; every surrogate must be paired.
		if n >= 6 || bits != 0 || len(units) == 0 {
			return "", errCharset
		}
		for j := 0; j < len(units); j++ {
			switch u := units[j]; {
			case u >= 0xd800 && u < 0xdc00 && j+1 < len(units) && units[j+1] >= 0xdc00 && units[j+1] < 0xe000:
				j++ // a surrogate pair
			case u >= 0xd800 && u < 0xe000:
				return "", errCharset
			}
		}
		out.WriteString(string(utf16.Decode(units)))
		if i < len(b) && b[i] == '-' {
			i++
		}
	}
	return out.String(), nil
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// decodeISO2022KR decodes ISO-2022-KR (RFC 1557): ASCII, with KS X 1001 between SO and SI as
// EUC-KR without its high bits, after the "ESC $ ) C" designation.
func decodeISO2022KR(b []byte) (string, error) {
	b = bytes.ReplaceAll(b, []byte("\x1b$)C"), nil)
	euc := make([]byte, 0, len(b))
	shifted := false
	for _, c := range b {
		switch {
		case c == 0x0e:
			shifted = true
		case c == 0x0f, c == '\n', c == '\r':
			// A line end ends a shift too (RFC 1557 wants SI before it).
			shifted = false
			if c != 0x0f {
				euc = append(euc, c)
			}
		case c >= 0x80 || c == 0x1b:
			return "", errCharset
		case shifted && c > 0x20 && c < 0x7f:
			euc = append(euc, c|0x80)
		default:
			euc = append(euc, c)
		}
	}
	s, err := korean.EUCKR.NewDecoder().Bytes(euc)
	if err != nil || bytes.ContainsRune(s, '\uFFFD') {
		return "", errCharset
	}
	return string(s), nil
}
