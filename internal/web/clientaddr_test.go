package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	ps, err := ParseProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		remote, xff, want string
		ps                Proxies
	}{
		{"198.51.100.1:5000", "203.0.113.9", "198.51.100.1", ps},               // not from a proxy: the header is ignored
		{"10.1.2.3:5000", "203.0.113.9", "203.0.113.9", ps},                    // from the load balancer
		{"192.0.2.7:443", "1.2.3.4, 203.0.113.9, 10.9.9.9", "203.0.113.9", ps}, // two proxies; 1.2.3.4 was written by the client
		{"10.1.2.3:5000", "", "10.1.2.3", ps},                                  // a proxy without the header
		{"10.1.2.3:5000", "nonsense", "10.1.2.3", ps},                          // a malformed hop
		{"10.1.2.3:5000", "203.0.113.9", "10.1.2.3", nil},                      // no proxies configured
		{"[::ffff:10.1.2.3]:5000", "2001:db8::1", "2001:db8::1", ps},           // IPv4-mapped proxy, IPv6 client
		// What the header says is kept as the address it parses to: one spelling, no zone (which
		// may hold any bytes, of any length: not a throttle key, nor fit to store).
		{"10.1.2.3:5000", "2001:0DB8:0::1", "2001:db8::1", ps},
		{"10.1.2.3:5000", "fe80::1%\xff\xfe", "fe80::1", ps},
		{"10.1.2.3:5000", "fe80::1%" + strings.Repeat("z", 500), "fe80::1", ps},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := tc.ps.ClientAddr(r); got != tc.want {
			t.Errorf("remote %s, X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if _, err := ParseProxies("10.0.0.0/8, lb.example"); err == nil {
		t.Fatal("a host name was accepted as a proxy")
	}
}
