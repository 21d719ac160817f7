package pages

import (
	"net/url"
	"path"
	"strings"
)

// LocalPath returns p, cleaned, when it is a path under base on this site (base is "/" for the
// console, "/portal/" for the portal), and base otherwise. Every redirect built from input (a
// next= parameter, a kept form's action, a single sign-on's way back) goes through it, so that
// none can send a browser to another site: browsers read a backslash as a slash, drop tabs and
// line breaks, and resolve "//host", "/\host" and "\/host" to another host, and a path that a
// server decodes or cleans (/a/../%5Chost, /%2F%2Fhost) can become one of those. So p is refused
// when it does not start with one slash, holds a backslash or a control character anywhere, or
// when its path, percent-decoded (repeatedly) and cleaned, is not under base or starts with two
// slashes.
func LocalPath(p, base string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return base
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return base
		}
	}
	rawPath, rest := p, ""
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		rawPath, rest = p[:i], p[i:]
	}
	// Decode as often as it changes: a path decoded once more by whatever reads it next must
	// still be safe.
	decoded := rawPath
	for i := 0; ; i++ {
		d, err := url.PathUnescape(decoded)
		if err != nil {
			return base
		}
		if d == decoded {
			break
		}
		if i == 3 {
			return base // still encoded after several decodings: no page has such a path
		}
		decoded = d
		if strings.HasPrefix(decoded, "//") || strings.ContainsFunc(decoded, func(r rune) bool {
			return r < 0x20 || r == 0x7f || r == '\\'
		}) {
			return base
		}
	}
	if !under(cleanPath(decoded), base) || !under(cleanPath(rawPath), base) {
		return base
	}
	out := cleanPath(rawPath) + rest
	if u, err := url.Parse(out); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return base
	}
	return out
}

// cleanPath is path.Clean keeping a trailing slash, as http.Redirect cleans a local target.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && !strings.HasSuffix(c, "/") {
		c += "/"
	}
	return c
}

// under reports whether the cleaned path p is base or below it, and not a network path.
func under(p, base string) bool {
	if strings.HasPrefix(p, "//") {
		return false
	}
	return p == strings.TrimSuffix(base, "/") || strings.HasPrefix(p, base)
}
