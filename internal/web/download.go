package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"calldesk/internal/desk"
)

// WriteAttachment sends a stored attachment as a download, never shown inline: the browser is
// told not to guess its type (nosniff), to save it rather than open it (Content-Disposition
// attachment), and to sandbox it should it open it anyway. The console and the portal both serve
// files this way.
func WriteAttachment(w http.ResponseWriter, a desk.Attachment) {
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", ContentDisposition(a.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.WriteHeader(http.StatusOK)
	w.Write(a.Data)
}

// ContentDisposition is an attachment header for a file name (RFC 6266): a plain ASCII filename
// for every client, and filename* with the UTF-8 name when it has more than ASCII. Quotes,
// backslashes, path separators and control characters never reach the header.
func ContentDisposition(name string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f, r == '"', r == '\\', r == '/', r == ';':
			return '_'
		}
		return r
	}, desk.CleanFilename(name))
	ascii := strings.Map(func(r rune) rune {
		if r > 0x7e {
			return '_'
		}
		return r
	}, clean)
	h := `attachment; filename="` + ascii + `"`
	if ascii != clean {
		h += "; filename*=UTF-8''" + extValue(clean)
	}
	return h
}

// extValue percent-encodes s as an RFC 8187 ext-value: every byte but the attr-chars.
func extValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}
