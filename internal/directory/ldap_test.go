package directory_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"calldesk/internal/desk"
	"calldesk/internal/directory"
	"calldesk/internal/directory/ldaptest"
)

// treeConfig reads tr's people as the import's service account, with the attribute names of
// the OpenLDAP tree (see ldaptest).
func treeConfig(tr *ldaptest.Tree) directory.LDAPConfig {
	return directory.LDAPConfig{
		URL:    tr.Server.URL,
		BindDN: tr.Server.BindDN, Password: tr.Server.BindPassword,
		BaseDN: tr.DN,
		Filter: ldaptest.PeopleFilter,
		Attributes: directory.LDAPAttributes{
			Key: ldaptest.AttrKey, Username: ldaptest.AttrUsername, FirstName: ldaptest.AttrFirstName,
			LastName: ldaptest.AttrLastName, Email: ldaptest.AttrEmail, StudentNumber: ldaptest.AttrStudentNumber,
			Department: ldaptest.AttrDepartment, Phone: ldaptest.AttrPhone, JobTitle: ldaptest.AttrJobTitle,
			Manager: ldaptest.AttrManager,
		},
	}
}

func newLDAP(t testing.TB, cfg directory.LDAPConfig) *directory.LDAP {
	t.Helper()
	src, err := directory.NewLDAP(cfg)
	if err != nil {
		t.Fatalf("NewLDAP: %v", err)
	}
	return src
}

// TestLDAPRead5000 reads a university of 5,000 people as the service account, which slapd
// (like Active Directory) gives at most 1000 entries per search: every person comes through,
// page by page, with every field mapped and managers resolved to their keys.
func TestLDAPRead5000(t *testing.T) {
	t.Parallel()
	srv := ldaptest.New(t)
	tr := srv.NewTree(t, 5000)

	// The server really does cap an unpaged search, so reading everyone proves the paging.
	c, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(srv.BindDN, srv.BindPassword); err != nil {
		t.Fatal(err)
	}
	_, err = c.Search(ldap.NewSearchRequest(tr.DN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		ldaptest.PeopleFilter, []string{"uid"}, nil))
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Fatalf("an unpaged search of 5000 people by the service account: err = %v, want size limit exceeded", err)
	}

	cfg := treeConfig(tr)
	var pages []int
	cfg.PageRead = func(n int) { pages = append(pages, n) }
	records, problems, err := newLDAP(t, cfg).Read(t.Context())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems[:min(len(problems), 5)])
	}
	if len(pages) < 10 || pages[0] != 500 {
		t.Errorf("pages = %v, want at least 10 of 500 (the default page size)", pages)
	}
	if len(records) != len(tr.People) {
		t.Fatalf("%d records, want %d", len(records), len(tr.People))
	}
	byDN := map[string]ldaptest.Person{}
	for _, p := range tr.People {
		byDN[strings.ToLower(p.DN)] = p
	}
	keyOf := map[string]string{}
	for _, p := range tr.People {
		keyOf[strings.ToLower(p.DN)] = p.Key
	}
	lines := map[int]bool{}
	var students, managed int
	for _, r := range records {
		p, ok := byDN[strings.ToLower(r.DN)]
		if !ok {
			t.Fatalf("record for %s, which the tree does not hold", r.DN)
		}
		want := directory.Record{
			Key: p.Key, Line: r.Line, DN: r.DN,
			FirstName: p.FirstName, LastName: p.LastName, Username: p.Username, Email: p.Email,
			Department: p.Department, Phone: p.Phone, JobTitle: p.JobTitle,
			ManagerDN: p.ManagerDN, Kind: desk.Staff,
		}
		if p.Student {
			want.Kind, want.StudentNumber = desk.Student, p.Number
			students++
		}
		if p.ManagerDN != "" {
			want.ManagerKey = keyOf[strings.ToLower(p.ManagerDN)]
			if want.ManagerKey == "" {
				t.Fatalf("the tree's manager %s of %s is not in the tree", p.ManagerDN, p.DN)
			}
			managed++
		}
		if r != want {
			t.Fatalf("record\n got %+v\nwant %+v", r, want)
		}
		if r.Line < 1 || r.Line > len(records) || lines[r.Line] {
			t.Fatalf("line %d out of range or repeated", r.Line)
		}
		lines[r.Line] = true
	}
	if students != 4000 || managed != 999 {
		t.Errorf("%d students and %d people with managers, want 4000 and 999", students, managed)
	}
}

// TestLDAPProblems: entries the import cannot use are reported one by one, by position and key,
// and every good entry still comes through. Here the key is employeeNumber (a text key, which
// an entry can lack or share), and visitors are classified by an attribute rule.
func TestLDAPProblems(t *testing.T) {
	t.Parallel()
	srv := ldaptest.New(t)
	tr := srv.NewTree(t, 20)
	tr.Add(t, "ou=Visitors,"+tr.DN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"Visitors"}})
	tr.Add(t, "ou=Contractors,"+tr.DN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"Contractors"}})
	person := func(uid, ou string, extra map[string][]string) (string, map[string][]string) {
		a := map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {uid}, "cn": {"Bad " + uid},
			"givenName": {"Bad"}, "sn": {uid}, "mail": {uid + "@uni.example"}, "employeeNumber": {"N-" + uid}}
		for k, v := range extra {
			if v == nil {
				delete(a, k)
			} else {
				a[k] = v
			}
		}
		return "uid=" + uid + ",ou=" + ou + "," + tr.DN, a
	}
	type bad struct {
		uid, ou string
		extra   map[string][]string
		key     string // the key the problem names
		reason  string // part of the reason
	}
	bads := []bad{
		{"nokey", "Staff", map[string][]string{"employeeNumber": nil}, "", "no key: the entry has no employeeNumber"},
		{"badmail", "Students", map[string][]string{"mail": {"not an address"}}, "N-badmail", `mail "not an address" is not a valid email address`},
		{"dup1", "Staff", map[string][]string{"employeeNumber": {"N-dup"}}, "N-dup", "duplicate key: employeeNumber N-dup is also on entry"},
		{"dup2", "Students", map[string][]string{"employeeNumber": {"N-dup"}}, "N-dup", "duplicate key: employeeNumber N-dup is also on entry"},
		{"nokind", "Contractors", nil, "N-nokind", "no kind: no rule matches"},
	}
	for _, b := range bads {
		dn, a := person(b.uid, b.ou, b.extra)
		tr.Add(t, dn, a)
	}
	// A person without a name: Active Directory needs no surname, OpenLDAP's inetOrgPerson
	// does, so this one is an account.
	tr.Add(t, "uid=noname,ou=Students,"+tr.DN, map[string][]string{"objectClass": {"account", "extensibleObject"},
		"uid": {"noname"}, "mail": {"noname@uni.example"}, "employeeNumber": {"N-noname"}})
	bads = append(bads, bad{"noname", "Students", nil, "N-noname", "no name: neither givenName nor sn"})
	// A visitor, classified by an attribute: a good entry.
	dn, a := person("visitor", "Visitors", map[string][]string{"employeeType": {"Visitor"}})
	tr.Add(t, dn, a)

	cfg := treeConfig(tr)
	cfg.Attributes.Key = "employeeNumber"
	cfg.Kinds = []directory.KindRule{
		{Kind: desk.Student, OU: "Students"}, {Kind: desk.Staff, OU: "Staff"},
		{Kind: desk.Visitor, Attribute: "employeeType", Value: "visitor"},
	}
	records, problems, err := newLDAP(t, cfg).Read(t.Context())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(records) != 21 {
		t.Errorf("%d records, want the 20 good people and the visitor", len(records))
	}
	got := map[string]directory.Record{}
	for _, r := range records {
		got[r.Username] = r
	}
	for _, p := range tr.People {
		if r, ok := got[p.Username]; !ok || r.Key != p.Number {
			t.Errorf("good person %s: record %+v", p.Username, r)
		}
	}
	if v := got["visitor"]; v.Kind != desk.Visitor || v.StudentNumber != "" {
		t.Errorf("visitor: %+v, want kind visitor and no student number", v)
	}
	if len(problems) != len(bads) {
		t.Errorf("%d problems, want %d: %+v", len(problems), len(bads), problems)
	}
	// Every entry read is either a record or a problem, each at its own position.
	lines := map[int]bool{}
	for _, r := range records {
		lines[r.Line] = true
	}
	for _, p := range problems {
		if lines[p.Line] || p.Line < 1 || p.Line > len(records)+len(problems) {
			t.Errorf("problem at line %d: out of range or shared with another entry", p.Line)
		}
		lines[p.Line] = true
	}
	if len(lines) != len(records)+len(problems) {
		t.Errorf("lines %v do not number the %d entries", lines, len(records)+len(problems))
	}
	for _, b := range bads {
		n := 0
		for _, p := range problems {
			if p.Key == b.key && strings.Contains(p.Reason, b.reason) {
				n++
			}
		}
		if want := map[bool]int{true: 2, false: 1}[b.key == "N-dup"]; n != want {
			t.Errorf("%s: %d problems with key %q and reason %q, want %d; problems: %+v", b.uid, n, b.key, b.reason, want, problems)
		}
	}
}

// TestLDAPGUIDKey: Active Directory's objectGUID is 16 bytes, read as the GUID string Windows
// shows. OpenLDAP has no objectGUID, so the bytes sit in jpegPhoto (an octet string).
func TestLDAPGUIDKey(t *testing.T) {
	t.Parallel()
	srv := ldaptest.New(t)
	tr := srv.NewTree(t, 0)
	guid := string([]byte{0xe0, 0x04, 0x25, 0x3f, 0x89, 0x4f, 0xd3, 0x11, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01})
	for uid, photo := range map[string]string{"guid": guid, "short": "\x01\x02\x03\x04"} {
		tr.Add(t, "uid="+uid+","+tr.StaffDN, map[string][]string{"objectClass": {"inetOrgPerson"},
			"uid": {uid}, "cn": {uid}, "sn": {uid}, "jpegPhoto": {photo}})
	}
	cfg := treeConfig(tr)
	cfg.Attributes.Key, cfg.Attributes.KeyFormat = "jpegPhoto", "guid"
	records, problems, err := newLDAP(t, cfg).Read(t.Context())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(records) != 1 || records[0].Key != "3f2504e0-4f89-11d3-9a0c-0305e82c3301" {
		t.Errorf("records %+v, want one keyed 3f2504e0-4f89-11d3-9a0c-0305e82c3301", records)
	}
	if len(problems) != 1 || problems[0].Reason != "jpegPhoto is 4 bytes, not a 16-byte GUID" {
		t.Errorf("problems %+v, want the 4-byte key reported", problems)
	}
}

// TestLDAPReadFails: a read that fails as a whole says why, and gives no records.
func TestLDAPReadFails(t *testing.T) {
	t.Parallel()
	srv := ldaptest.New(t)
	tr := srv.NewTree(t, 3)
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "ldap://" + l.Addr().String()
	l.Close()

	for _, tc := range []struct {
		name   string
		change func(*directory.LDAPConfig)
		want   []string
		code   uint16
	}{
		{"wrong password", func(c *directory.LDAPConfig) { c.Password = "wrong" },
			[]string{"refused the bind as " + srv.BindDN, "wrong bind DN or password"}, ldap.LDAPResultInvalidCredentials},
		{"unknown bind DN", func(c *directory.LDAPConfig) { c.BindDN = "cn=nobody," + srv.Base },
			[]string{"refused the bind as cn=nobody", "wrong bind DN or password"}, ldap.LDAPResultInvalidCredentials},
		{"unreachable", func(c *directory.LDAPConfig) { c.URL = closed },
			[]string{"cannot reach the directory at " + closed, "connection refused"}, 0},
		{"base DN missing", func(c *directory.LDAPConfig) { c.BaseDN = "ou=gone," + tr.DN },
			[]string{"search of", "the base DN does not exist"}, ldap.LDAPResultNoSuchObject},
		{"TLS not trusted", func(c *directory.LDAPConfig) { c.StartTLS = true },
			[]string{"StartTLS with " + srv.URL + " failed"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := treeConfig(tr)
			tc.change(&cfg)
			records, problems, err := newLDAP(t, cfg).Read(t.Context())
			if err == nil {
				t.Fatalf("no error; %d records, %d problems", len(records), len(problems))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tc.code != 0 && !ldap.IsErrorWithCode(err, tc.code) {
				t.Errorf("error %v does not carry LDAP result %d", err, tc.code)
			}
			if records != nil || problems != nil {
				t.Errorf("records or problems with an error: %d, %d", len(records), len(problems))
			}
		})
	}
}

// TestLDAPTLS reads over StartTLS and over ldaps:// with the test server's certificate trusted;
// ldaps:// with it untrusted fails at the handshake.
func TestLDAPTLS(t *testing.T) {
	t.Parallel()
	srv := ldaptest.New(t)
	roots := srv.RootCAs(t)
	tr := srv.NewTree(t, 10)
	for _, tc := range []struct {
		name     string
		url      string
		startTLS bool
		roots    bool
		wantErr  string
	}{
		{"StartTLS", srv.URL, true, true, ""},
		{"ldaps", srv.TLSURL, false, true, ""},
		{"ldaps untrusted", srv.TLSURL, false, false, "TLS with " + srv.TLSURL + " failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := treeConfig(tr)
			cfg.URL, cfg.StartTLS = tc.url, tc.startTLS
			if tc.roots {
				cfg.TLS = &tls.Config{RootCAs: roots}
			}
			records, _, err := newLDAP(t, cfg).Read(t.Context())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(records) != 10 {
				t.Fatalf("%d records, err %v; want 10", len(records), err)
			}
		})
	}
}

// TestLDAPCancel: a context cancelled mid-search stops the read at once with the context's error.
func TestLDAPCancel(t *testing.T) {
	t.Parallel()
	srv := ldaptest.New(t)
	tr := srv.NewTree(t, 1500)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := treeConfig(tr)
	cfg.PageSize = 100
	var pages atomic.Int32
	cfg.PageRead = func(int) {
		if pages.Add(1) == 2 {
			cancel()
		}
	}
	start := time.Now()
	records, _, err := newLDAP(t, cfg).Read(ctx)
	if !errors.Is(err, context.Canceled) || records != nil {
		t.Fatalf("err = %v, %d records; want context.Canceled and none", err, len(records))
	}
	if !strings.Contains(err.Error(), "stopped after 200 entries") {
		t.Errorf("error %q does not say where the read stopped", err)
	}
	if n := pages.Load(); n != 2 {
		t.Errorf("%d pages read, want 2", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the cancelled read took %v", d)
	}
}

// TestNewLDAPInvalid: a configuration that cannot work is refused before connecting, each
// field saying what is wrong.
func TestNewLDAPInvalid(t *testing.T) {
	t.Parallel()
	ok := directory.LDAPConfig{URL: "ldap://dc.uni.example", BindDN: "cn=x,dc=uni,dc=example", Password: "p", BaseDN: "dc=uni,dc=example"}
	if _, err := directory.NewLDAP(ok); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for _, tc := range []struct {
		field  string
		change func(*directory.LDAPConfig)
	}{
		{"url", func(c *directory.LDAPConfig) { c.URL = "" }},
		{"url", func(c *directory.LDAPConfig) { c.URL = "http://dc.uni.example" }},
		{"start_tls", func(c *directory.LDAPConfig) { c.URL, c.StartTLS = "ldaps://dc.uni.example", true }},
		{"password", func(c *directory.LDAPConfig) { c.Password = "" }},
		{"bind_dn", func(c *directory.LDAPConfig) { c.BindDN = "" }},
		{"base_dn", func(c *directory.LDAPConfig) { c.BaseDN = "" }},
		{"base_dn", func(c *directory.LDAPConfig) { c.BaseDN = "not a dn" }},
		{"filter", func(c *directory.LDAPConfig) { c.Filter = "(objectClass=user" }},
		{"scope", func(c *directory.LDAPConfig) { c.Scope = "base" }},
		{"key_format", func(c *directory.LDAPConfig) { c.Attributes.KeyFormat = "base64" }},
		{"kinds[0].kind", func(c *directory.LDAPConfig) { c.Kinds = []directory.KindRule{{Kind: "alumnus", OU: "Alumni"}} }},
		{"kinds[0]", func(c *directory.LDAPConfig) { c.Kinds = []directory.KindRule{{Kind: desk.Staff}} }},
		{"kinds[0]", func(c *directory.LDAPConfig) {
			c.Kinds = []directory.KindRule{{Kind: desk.Staff, Attribute: "employeeType"}}
		}},
		{"default_kind", func(c *directory.LDAPConfig) { c.DefaultKind = "alumnus" }},
	} {
		cfg := ok
		tc.change(&cfg)
		_, err := directory.NewLDAP(cfg)
		e := desk.AsError(err)
		if e == nil || e.Code != desk.EINVALID || e.Fields[tc.field] == "" {
			t.Errorf("%s: err = %v, want EINVALID on %s", tc.field, err, tc.field)
		}
	}
}

// BenchmarkLDAPRead5000 reads the 5,000-person tree as an import would (500 per page, as the
// service account, over plain LDAP on 127.0.0.1).
func BenchmarkLDAPRead5000(b *testing.B) {
	srv := ldaptest.New(b)
	start := time.Now()
	tr := srv.NewTree(b, 5000)
	b.Logf("loaded 5000 people in %v", time.Since(start).Round(time.Millisecond))
	src := newLDAP(b, treeConfig(tr))
	for b.Loop() {
		records, problems, err := src.Read(b.Context())
		if err != nil || len(records) != 5000 || len(problems) != 0 {
			b.Fatalf("%d records, %d problems, err %v", len(records), len(problems), err)
		}
	}
}
