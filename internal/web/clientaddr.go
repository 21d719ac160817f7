package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies (load balancers, TLS terminators) allowed to say who the client
// is in X-Forwarded-For. With none, the header is ignored: anyone could write it.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR ranges, e.g.
// "10.0.0.0/8, 192.0.2.7".
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range like 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (ps Proxies) trusts(s string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr is the IP address of the client that sent r. It is the connection's address unless
// that is a trusted proxy: then X-Forwarded-For is read from the right, skipping trusted proxies,
// and the first address that is not one is the client (addresses further left were written by the
// client itself and prove nothing), written as netip writes it, without a zone. Audit records
// and sign-in throttling use this address.
func (ps Proxies) ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(ps) == 0 || !ps.trusts(host) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(hop)
		if err != nil {
			return host // a malformed hop: the chain cannot be followed past it
		}
		if !ps.trusts(hop) {
			// The address as it parses, not as written: one spelling per address (a throttle
			// key), and no zone, which may hold any bytes, of any length.
			return a.WithZone("").String()
		}
	}
	return host
}
