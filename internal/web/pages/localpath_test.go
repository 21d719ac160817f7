package pages

import (
	"net/url"
	"testing"
)

// TestLocalPathRefusesEveryWayOffSite feeds LocalPath what browsers and servers resolve to
// another host, and checks that each falls back to base, and that ordinary paths are kept.
func TestLocalPathRefusesEveryWayOffSite(t *testing.T) {
	hostile := []string{
		"", "calls", "https://evil.example/", "http:evil.example", "javascript:alert(1)",
		"//evil.example", "//evil.example/x", "///evil.example", `/\evil.example`, `\/evil.example`,
		`\\evil.example`, `/a/..\evil.example`, `/a/../\evil.example`, "/a/../%5Cevil.example",
		"/a/../%5cevil.example", "/%5Cevil.example", "/%5C%5Cevil.example", "/%2F%2Fevil.example",
		"/%2f/evil.example", "/%2F/evil.example", "/%252F%252Fevil.example", "/%255Cevil.example",
		"/%25255Cevil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
		"/\x00/evil.example", "/%09/evil.example", "/%0A/evil.example", "/%00", "/\x7f/x",
		"/calls?x=\\", "/x#\\evil", "/a/%", "/%zz", " //evil.example", "\t//evil.example",
	}
	for _, in := range hostile {
		if got := LocalPath(in, "/"); got != "/" {
			t.Errorf("LocalPath(%q, /) = %q, want /", in, got)
		}
		if got := LocalPath(in, "/portal/"); got != "/portal/" {
			t.Errorf("LocalPath(%q, /portal/) = %q, want /portal/", in, got)
		}
	}
	// Out of the portal, by any spelling of "..".
	for _, in := range []string{"/calls/F1", "/portal/../calls/F1", "/portal/%2e%2e/calls/F1", "/portal/.%2E/admin",
		"/portalx", "/portal/%2E%2E"} {
		if got := LocalPath(in, "/portal/"); got != "/portal/" {
			t.Errorf("LocalPath(%q, /portal/) = %q, want /portal/", in, got)
		}
	}
	kept := map[string]string{
		"/.//evil.example/../..//evil.example": "/evil.example", // a path on this site once cleaned
		"/":                                    "/",
		"/calls/F0012345":                      "/calls/F0012345",
		"/queues/unassigned?page=2":            "/queues/unassigned?page=2",
		"/search?q=a+b&x=%C3%A9":               "/search?q=a+b&x=%C3%A9",
		"/calls/new/":                          "/calls/new/",
		"/a/../calls/F1":                       "/calls/F1",
		"/people/J%C3%B6rg":                    "/people/J%C3%B6rg",
		"/calls/F1#entry-3":                    "/calls/F1#entry-3",
	}
	for in, want := range kept {
		if got := LocalPath(in, "/"); got != want {
			t.Errorf("LocalPath(%q, /) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"/portal": "/portal", "/portal/": "/portal/", "/portal/calls/F1?x=1": "/portal/calls/F1?x=1",
		"/portal/me/../calls/new": "/portal/calls/new"} {
		if got := LocalPath(in, "/portal/"); got != want {
			t.Errorf("LocalPath(%q, /portal/) = %q, want %q", in, got, want)
		}
	}
	// Whatever it keeps, a URL parser reads as a path on this site.
	for _, in := range append(hostile, "/calls/F1") {
		u, err := url.Parse(LocalPath(in, "/"))
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Errorf("LocalPath(%q) parses as %v, %v", in, u, err)
		}
	}
}
