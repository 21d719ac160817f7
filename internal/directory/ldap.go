package directory

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"calldesk/internal/desk"
)

// LDAPConfig says how to read people from an LDAP directory or Active Directory. Zero fields take
// the defaults documented beside them, which suit Active Directory.
type LDAPConfig struct {
	// URL is ldap://host[:port] (389 by default) or ldaps://host[:port] (636, TLS from the start).
	URL string
	// StartTLS upgrades an ldap:// connection to TLS before binding (RFC 4513); the read fails
	// when the server refuses. Not allowed with ldaps://.
	StartTLS bool
	// TLS configures ldaps:// and StartTLS: the roots to trust (nil: the system's) and the
	// server name (default: the URL's host). Certificates are always verified.
	TLS *tls.Config
	// BindDN and Password are the service account's, for a simple bind. Both "" reads
	// anonymously; a BindDN without a Password is refused before connecting, because LDAP
	// servers treat such a bind as anonymous and "succeed" (RFC 4513 5.1.2).
	BindDN, Password string
	// BaseDN is where the search starts, e.g. "DC=uni,DC=example" or "OU=People,DC=uni,DC=example".
	BaseDN string
	// Filter selects people. Default: Active Directory's user accounts,
	// "(&(objectCategory=person)(objectClass=user))".
	Filter string
	// Scope is "sub" (default: the whole subtree under BaseDN) or "one" (its children only).
	Scope string
	// PageSize is how many entries the server sends per page of the simple paged results
	// control (RFC 2696). Default 500 (Active Directory sends at most 1000 whatever is asked).
	PageSize uint32
	// Timeout bounds connecting and each request (a bind, one page). Default 30s.
	Timeout time.Duration
	// Attributes names the attribute each Record field comes from; "" takes the default.
	Attributes LDAPAttributes
	// Kinds classify people, the first matching rule winning. Default: people under an
	// OU=Students are students, under an OU=Staff staff.
	Kinds []KindRule
	// DefaultKind is the kind of people no rule matches; "" reports them as problems.
	DefaultKind desk.PersonKind
	// PageRead, when set, is called after each page with the number of entries it held: for
	// progress reports.
	PageRead func(entries int)
}

// LDAPAttributes maps Record fields to attribute names. Names are matched case-insensitively.
type LDAPAttributes struct {
	// Key is the stable key. Default objectGUID (Active Directory); OpenLDAP's is entryUUID.
	Key string
	// KeyFormat is "guid" when the key attribute holds a binary 16-byte GUID (objectGUID,
	// mS-DS-ConsistencyGuid), read as its canonical string ("3f2504e0-4f89-11d3-9a0c-0305e82c3301",
	// the first three groups little-endian, as Windows shows it), or "text" to take it as it
	// is. Default: "guid" for those two attributes, "text" for any other.
	KeyFormat string
	// Username default sAMAccountName; FirstName givenName; LastName sn; Email mail.
	Username, FirstName, LastName, Email string
	// StudentNumber default employeeNumber. It is read for students only: many universities
	// keep the staff number in the same attribute, and a staff number is not a student number.
	StudentNumber string
	// Department default department; Phone telephoneNumber; JobTitle title.
	Department, Phone, JobTitle string
	// Manager holds the manager's DN. Default manager.
	Manager string
}

// KindRule classifies the people it matches as Kind. A rule with both OU and Attribute needs
// both to match.
type KindRule struct {
	Kind desk.PersonKind
	// OU matches people whose DN has an OU=<OU> component (case-insensitive), e.g. "Students".
	OU string
	// Attribute and Value match people whose Attribute has Value among its values
	// (case-insensitive), e.g. employeeType=student, or memberOf=<a group's DN>.
	Attribute, Value string
}

// LDAP reads people from an LDAP directory: a full read each time, the source of a full import.
type LDAP struct {
	cfg    LDAPConfig
	u      *url.URL
	scope  int
	dialer net.Dialer
}

// NewLDAP checks cfg and fills its defaults. The error is EINVALID, saying what is wrong.
func NewLDAP(cfg LDAPConfig) (*LDAP, error) {
	f := map[string]string{}
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		f["url"] = "is required (ldap://host or ldaps://host)"
	case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Hostname() == "":
		f["url"] = fmt.Sprintf("%q is not an ldap:// or ldaps:// URL with a host", cfg.URL)
	case cfg.StartTLS && u.Scheme == "ldaps":
		f["start_tls"] = "is for ldap:// URLs; ldaps:// is TLS from the start"
	}
	if cfg.BindDN != "" && cfg.Password == "" {
		f["password"] = "is required with a bind DN (a bind without one is anonymous)"
	}
	if cfg.BindDN == "" && cfg.Password != "" {
		f["bind_dn"] = "is required with a password"
	}
	if strings.TrimSpace(cfg.BaseDN) == "" {
		f["base_dn"] = "is required"
	} else if _, err := ldap.ParseDN(cfg.BaseDN); err != nil {
		f["base_dn"] = fmt.Sprintf("%q is not a DN", cfg.BaseDN)
	}
	if cfg.Filter == "" {
		cfg.Filter = "(&(objectCategory=person)(objectClass=user))"
	}
	if _, err := ldap.CompileFilter(cfg.Filter); err != nil {
		f["filter"] = fmt.Sprintf("%q is not an LDAP filter: %v", cfg.Filter, err)
	}
	scope := ldap.ScopeWholeSubtree
	switch cfg.Scope {
	case "", "sub":
	case "one":
		scope = ldap.ScopeSingleLevel
	default:
		f["scope"] = "must be sub or one"
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 500
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	a := &cfg.Attributes
	for _, d := range []struct {
		field *string
		def   string
	}{
		{&a.Key, "objectGUID"}, {&a.Username, "sAMAccountName"}, {&a.FirstName, "givenName"},
		{&a.LastName, "sn"}, {&a.Email, "mail"}, {&a.StudentNumber, "employeeNumber"},
		{&a.Department, "department"}, {&a.Phone, "telephoneNumber"}, {&a.JobTitle, "title"},
		{&a.Manager, "manager"},
	} {
		if *d.field == "" {
			*d.field = d.def
		}
	}
	switch a.KeyFormat {
	case "":
		a.KeyFormat = "text"
		if strings.EqualFold(a.Key, "objectGUID") || strings.EqualFold(a.Key, "mS-DS-ConsistencyGuid") {
			a.KeyFormat = "guid"
		}
	case "guid", "text":
	default:
		f["key_format"] = "must be guid or text"
	}
	if cfg.Kinds == nil {
		cfg.Kinds = []KindRule{{Kind: desk.Student, OU: "Students"}, {Kind: desk.Staff, OU: "Staff"}}
	}
	for i, r := range cfg.Kinds {
		if !r.Kind.Valid() {
			f[fmt.Sprintf("kinds[%d].kind", i)] = "must be staff, student, partner or visitor"
		}
		if r.OU == "" && r.Attribute == "" {
			f[fmt.Sprintf("kinds[%d]", i)] = "needs an OU or an attribute to match"
		}
		if (r.Attribute == "") != (r.Value == "") {
			f[fmt.Sprintf("kinds[%d]", i)] = "needs both an attribute and a value"
		}
	}
	if cfg.DefaultKind != "" && !cfg.DefaultKind.Valid() {
		f["default_kind"] = "must be staff, student, partner or visitor"
	}
	if err := desk.Invalid("the LDAP source's configuration is not valid", f); err != nil {
		return nil, err
	}
	return &LDAP{cfg: cfg, u: u, scope: scope, dialer: net.Dialer{Timeout: cfg.Timeout}}, nil
}

// Read binds, reads every person under the base DN page by page and maps them to Records.
// Entries it cannot use come back as Problems (Line: the entry's position in the read,
// from 1; one Problem per entry, its reasons joined), the rest as Records in the order read,
// each with ManagerKey set when the manager's DN is that of an entry read with a key of its own
// (even one reported as a problem for another reason, such as its email address: the register
// may hold that person already); a manager outside the search keeps only ManagerDN.
// The error is for a read that failed as a whole (server unreachable, TLS or bind refused,
// search failed, ctx done), when no Records can be trusted to be all the people.
// Referrals are not followed.
func (s *LDAP) Read(ctx context.Context) ([]Record, []Problem, error) {
	c, err := s.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	// A cancelled context closes the connection, ending whatever request is waiting.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()

	a := s.cfg.Attributes
	attrs := []string{a.Key, a.Username, a.FirstName, a.LastName, a.Email, a.StudentNumber,
		a.Department, a.Phone, a.JobTitle, a.Manager}
	for _, r := range s.cfg.Kinds {
		if r.Attribute != "" {
			attrs = append(attrs, r.Attribute)
		}
	}
	paging := ldap.NewControlPaging(s.cfg.PageSize)
	req := ldap.NewSearchRequest(s.cfg.BaseDN, s.scope, ldap.NeverDerefAliases, 0, 0, false,
		s.cfg.Filter, attrs, []ldap.Control{paging})
	var entries []*ldap.Entry
	for {
		res, err := c.Search(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("ldap: read of %s stopped after %d entries: %w", s.cfg.BaseDN, len(entries), ctx.Err())
			}
			return nil, nil, fmt.Errorf("ldap: search of %s under %s failed after %d entries: %w", s.cfg.Filter, s.cfg.BaseDN, len(entries), describe(err))
		}
		entries = append(entries, res.Entries...)
		if s.cfg.PageRead != nil {
			s.cfg.PageRead(len(res.Entries))
		}
		ctl, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if ctl == nil || len(ctl.Cookie) == 0 {
			break
		}
		paging.SetCookie(ctl.Cookie)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("ldap: read of %s stopped after %d entries: %w", s.cfg.BaseDN, len(entries), err)
	}
	records, problems := s.mapEntries(entries)
	return records, problems, nil
}

// connect dials (TLS from the start for ldaps://), upgrades with StartTLS when asked, and binds.
func (s *LDAP) connect(ctx context.Context) (*ldap.Conn, error) {
	host := s.u.Hostname()
	port := s.u.Port()
	if port == "" {
		port = "389"
		if s.u.Scheme == "ldaps" {
			port = "636"
		}
	}
	addr := net.JoinHostPort(host, port)
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLS != nil {
		tc = s.cfg.TLS.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	nc, err := s.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ldap: cannot reach the directory at %s: %w", s.cfg.URL, err)
	}
	if s.u.Scheme == "ldaps" {
		tlsConn := tls.Client(nc, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("ldap: TLS with %s failed: %w", s.cfg.URL, err)
		}
		nc = tlsConn
	}
	c := ldap.NewConn(nc, s.u.Scheme == "ldaps")
	c.Start()
	c.SetTimeout(s.cfg.Timeout)
	// Until the bind is done, ctx (with the timeout) closes the connection.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if s.cfg.StartTLS {
		if err := c.StartTLS(tc); err != nil {
			c.Close()
			return nil, fmt.Errorf("ldap: StartTLS with %s failed: %w", s.cfg.URL, describe(err))
		}
	}
	if s.cfg.BindDN != "" {
		if err := c.Bind(s.cfg.BindDN, s.cfg.Password); err != nil {
			c.Close()
			if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
				return nil, fmt.Errorf("ldap: %s refused the bind as %s: wrong bind DN or password: %w", s.cfg.URL, s.cfg.BindDN, err)
			}
			return nil, fmt.Errorf("ldap: bind as %s at %s failed: %w", s.cfg.BindDN, s.cfg.URL, describe(err))
		}
	}
	if ctx.Err() != nil {
		c.Close()
		return nil, fmt.Errorf("ldap: connecting to %s: %w", s.cfg.URL, ctx.Err())
	}
	return c, nil
}

// describe adds what an LDAP result code means where go-ldap's text is terse.
func describe(err error) error {
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return fmt.Errorf("the base DN does not exist: %w", err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return fmt.Errorf("the server stopped at its size limit (does it support paged results?): %w", err)
	case ldap.IsErrorWithCode(err, ldap.ErrorNetwork):
		return fmt.Errorf("the connection to the directory was lost: %w", err)
	}
	return err
}

// entry is one entry read, mapped, before duplicate keys and managers are resolved.
type entry struct {
	rec     Record
	reasons []string
}

func (s *LDAP) mapEntries(es []*ldap.Entry) ([]Record, []Problem) {
	a := s.cfg.Attributes
	out := make([]entry, len(es))
	byKey := make(map[string][]int, len(es))
	for i, e := range es {
		m := &out[i]
		m.rec = Record{
			Line: i + 1, DN: e.DN,
			FirstName: value(e, a.FirstName), LastName: value(e, a.LastName),
			Username: value(e, a.Username), Email: value(e, a.Email),
			Department: value(e, a.Department), Phone: value(e, a.Phone),
			JobTitle: value(e, a.JobTitle), ManagerDN: value(e, a.Manager),
		}
		if a.KeyFormat == "guid" {
			raw := e.GetEqualFoldRawAttributeValue(a.Key)
			switch {
			case len(raw) == 16:
				m.rec.Key = guidString(raw)
			case len(raw) > 0:
				m.reasons = append(m.reasons, fmt.Sprintf("%s is %d bytes, not a 16-byte GUID", a.Key, len(raw)))
			}
		} else {
			m.rec.Key = value(e, a.Key)
		}
		// A NUL (or bytes that are not UTF-8) in a mapped attribute rejects the entry, named
		// with its attribute, rather than failing the whole import where the register refuses
		// to store it. A key holding one is reported without it, so that its person is held.
		for _, f := range []struct {
			attr string
			v    *string
		}{
			{a.Key, &m.rec.Key}, {a.FirstName, &m.rec.FirstName}, {a.LastName, &m.rec.LastName},
			{a.Username, &m.rec.Username}, {a.Email, &m.rec.Email}, {a.Department, &m.rec.Department},
			{a.Phone, &m.rec.Phone}, {a.JobTitle, &m.rec.JobTitle}, {a.Manager, &m.rec.ManagerDN},
		} {
			if problem := desk.TextProblem(*f.v); problem != "" {
				m.reasons = append(m.reasons, f.attr+" "+problem)
				*f.v = strings.ToValidUTF8(strings.ReplaceAll(*f.v, "\x00", ""), "")
			}
		}
		if m.rec.Key == "" && len(m.reasons) == 0 {
			m.reasons = append(m.reasons, "no key: the entry has no "+a.Key)
		}
		if m.rec.Key != "" {
			byKey[m.rec.Key] = append(byKey[m.rec.Key], i)
		}
		if m.rec.FirstName == "" && m.rec.LastName == "" {
			m.reasons = append(m.reasons, fmt.Sprintf("no name: neither %s nor %s", a.FirstName, a.LastName))
		}
		if m.rec.Email != "" && !desk.ValidEmail(m.rec.Email) {
			m.reasons = append(m.reasons, fmt.Sprintf("%s %q is not a valid email address", a.Email, m.rec.Email))
		}
		m.rec.Kind = s.kind(e)
		if m.rec.Kind == "" {
			m.reasons = append(m.reasons, "no kind: no rule matches the entry and there is no default kind")
		}
		if m.rec.Kind == desk.Student {
			m.rec.StudentNumber = value(e, a.StudentNumber)
			if problem := desk.TextProblem(m.rec.StudentNumber); problem != "" {
				m.reasons = append(m.reasons, a.StudentNumber+" "+problem)
			}
		}
	}
	// Duplicate keys: every entry holding the key is reported, none imported, since which one
	// is the person cannot be known.
	byDN := make(map[string]string, len(es))
	for i := range out {
		m := &out[i]
		if m.rec.Key == "" {
			continue
		}
		if same := byKey[m.rec.Key]; len(same) > 1 {
			var others []string
			for _, j := range same {
				if j != i {
					others = append(others, fmt.Sprint(j+1))
				}
			}
			m.reasons = append(m.reasons, fmt.Sprintf("duplicate key: %s %s is also on entry %s", a.Key, m.rec.Key, strings.Join(others, ", ")))
			continue
		}
		byDN[normDN(m.rec.DN)] = m.rec.Key
	}
	records := make([]Record, 0, len(out))
	var problems []Problem
	for i := range out {
		m := &out[i]
		if len(m.reasons) > 0 {
			problems = append(problems, Problem{Line: m.rec.Line, Key: m.rec.Key, Reason: strings.Join(m.reasons, "; ")})
			continue
		}
		if m.rec.ManagerDN != "" {
			m.rec.ManagerKey = byDN[normDN(m.rec.ManagerDN)]
		}
		records = append(records, m.rec)
	}
	return records, problems
}

// kind applies the first matching rule, or the default kind.
func (s *LDAP) kind(e *ldap.Entry) desk.PersonKind {
	var dn *ldap.DN
	for _, r := range s.cfg.Kinds {
		if r.OU != "" {
			if dn == nil {
				var err error
				if dn, err = ldap.ParseDN(e.DN); err != nil {
					continue
				}
			}
			if !hasOU(dn, r.OU) {
				continue
			}
		}
		if r.Attribute != "" && !slices.ContainsFunc(e.GetEqualFoldAttributeValues(r.Attribute), func(v string) bool {
			return strings.EqualFold(strings.TrimSpace(v), r.Value)
		}) {
			continue
		}
		return r.Kind
	}
	return s.cfg.DefaultKind
}

func hasOU(dn *ldap.DN, ou string) bool {
	for _, rdn := range dn.RDNs {
		for _, av := range rdn.Attributes {
			if strings.EqualFold(av.Type, "ou") && strings.EqualFold(av.Value, ou) {
				return true
			}
		}
	}
	return false
}

// value is the attribute's first value, trimmed; "" when absent.
func value(e *ldap.Entry, name string) string {
	return strings.TrimSpace(e.GetEqualFoldAttributeValue(name))
}

// normDN is a DN's comparable form: types and values lower-cased, no spaces between components.
// A DN that does not parse is compared as its lower-cased text.
func normDN(s string) string {
	dn, err := ldap.ParseDN(s)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(s))
	}
	var b strings.Builder
	for i, rdn := range dn.RDNs {
		if i > 0 {
			b.WriteByte(',')
		}
		parts := make([]string, len(rdn.Attributes))
		for j, av := range rdn.Attributes {
			parts[j] = strings.ToLower(av.Type) + "=" + strings.ToLower(av.Value)
		}
		slices.Sort(parts)
		b.WriteString(strings.Join(parts, "+"))
	}
	return b.String()
}

// guidString renders a 16-byte Microsoft GUID as Windows shows it: the first three fields are
// little-endian, the last two bytes as stored.
func guidString(b []byte) string {
	le := []byte{b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]}
	h := hex.EncodeToString(append(le, b[8:16]...))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
