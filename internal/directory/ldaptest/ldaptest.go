// Package ldaptest gives tests a real directory: the throwaway OpenLDAP slapd that
// scripts/slapd.sh starts for `make test`, and in it, per test, a subtree of its own (a unique
// OU, so tests run in parallel) holding an Active Directory-like university of people:
// OU=Staff and OU=Students, inetOrgPerson entries with the attributes AD fills. Imported by
// tests only.
//
// What differs from Active Directory, because OpenLDAP's standard schema has no such attributes:
//   - the stable key is entryUUID (RFC 4530, kept by slapd itself) instead of AD's binary
//     objectGUID;
//   - the username is uid instead of sAMAccountName;
//   - the department is departmentNumber instead of department;
//   - the student number is employeeNumber, which students carry (staff carry their staff
//     number there too, as many universities' directories do); there is no student number
//     attribute in the core, cosine or inetOrgPerson schemas.
//
// Attribute names for a directory.Config reading a [Tree] are the constants below.
package ldaptest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// The variables scripts/slapd.sh exports.
const (
	// EnvURL names the variable holding the test slapd's ldap:// URL (StartTLS offered).
	EnvURL = "CALLDESK_TEST_LDAP"
	// EnvTLSURL names the variable holding the same server's ldaps:// URL.
	EnvTLSURL = "CALLDESK_TEST_LDAPS"
	// EnvCA names the variable holding the PEM file of the server's certificate (for 127.0.0.1).
	EnvCA = "CALLDESK_TEST_LDAP_CA"
	// EnvBase names the variable holding the server's suffix, under which trees are made.
	EnvBase = "CALLDESK_TEST_LDAP_BASE"
	// EnvAdminDN and EnvAdminPassword name the rootdn's variables (it loads the trees).
	EnvAdminDN       = "CALLDESK_TEST_LDAP_ADMIN_DN"
	EnvAdminPassword = "CALLDESK_TEST_LDAP_ADMIN_PASSWORD"
	// EnvBindDN and EnvBindPassword name the read-only service account's variables: it reads
	// everything but passwords, at most 1000 entries per search unless it pages.
	EnvBindDN       = "CALLDESK_TEST_LDAP_BIND_DN"
	EnvBindPassword = "CALLDESK_TEST_LDAP_BIND_PASSWORD"
)

// Attribute names of a Tree's people.
const (
	AttrKey       = "entryUUID"
	AttrUsername  = "uid"
	AttrFirstName = "givenName"
	AttrLastName  = "sn"
	AttrEmail     = "mail"
	// AttrStudentNumber is employeeNumber: a student's student number, a member of staff's staff number.
	AttrStudentNumber = "employeeNumber"
	AttrDepartment    = "departmentNumber"
	AttrPhone         = "telephoneNumber"
	AttrJobTitle      = "title"
	AttrManager       = "manager"
	AttrCommonName    = "cn"
)

// PeopleFilter selects a Tree's people. Active Directory's user objects need no surname;
// OpenLDAP's inetOrgPerson does, so an entry for a person without a name (to test that it is
// reported) is an account (cosine) with extensibleObject, and the filter takes both.
const PeopleFilter = "(|(objectClass=inetOrgPerson)(objectClass=account))"

// Server is the test slapd.
type Server struct {
	// URL is ldap://host:port; TLSURL ldaps://host:port ("" when not given).
	URL, TLSURL string
	// Base is the server's suffix.
	Base string
	// BindDN and BindPassword are the read-only service account's, as an import binds with.
	BindDN, BindPassword string

	caFile               string
	adminDN, adminSecret string
}

// New returns the test server, skipping the test when there is none (failing it under CI=true,
// where the LDAP tests must run).
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		URL: os.Getenv(EnvURL), TLSURL: os.Getenv(EnvTLSURL), Base: os.Getenv(EnvBase),
		BindDN: os.Getenv(EnvBindDN), BindPassword: os.Getenv(EnvBindPassword),
		caFile: os.Getenv(EnvCA), adminDN: os.Getenv(EnvAdminDN), adminSecret: os.Getenv(EnvAdminPassword),
	}
	if s.URL == "" || s.Base == "" || s.BindDN == "" || s.adminDN == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s, %s, %s and %s are not set: CI must run the LDAP tests against slapd (make test starts one; see scripts/slapd.sh)", EnvURL, EnvBase, EnvBindDN, EnvAdminDN)
		}
		tb.Skipf("no test LDAP server: %s and the others are not set (make test starts slapd; see scripts/slapd.sh)", EnvURL)
	}
	return s
}

// RootCAs returns a pool holding the server's certificate, skipping the test (failing it under
// CI=true) when the server has no TLS.
func (s *Server) RootCAs(tb testing.TB) *x509.CertPool {
	tb.Helper()
	if s.caFile == "" || s.TLSURL == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s and %s are not set: CI must run the LDAP TLS tests (make test sets them; see scripts/slapd.sh)", EnvTLSURL, EnvCA)
		}
		tb.Skipf("the test LDAP server has no TLS: %s and %s are not set", EnvTLSURL, EnvCA)
	}
	pem, err := os.ReadFile(s.caFile)
	if err != nil {
		tb.Fatalf("ldaptest: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		tb.Fatalf("ldaptest: no certificate in %s", s.caFile)
	}
	return roots
}

// Person is one person of a Tree as loaded. Key is the entryUUID slapd gave the entry.
type Person struct {
	DN, Key                                            string
	Student                                            bool
	Username, FirstName, LastName, Email, Number       string
	Department, Phone, JobTitle, ManagerDN, CommonName string
}

// Tree is a test's own subtree, OU=t-<random> under the server's base, with OU=Staff and
// OU=Students beneath. Trees are left in the throwaway server, which scripts/slapd.sh removes.
type Tree struct {
	Server *Server
	// DN is the tree's own OU: the base DN for a search of this test's people only.
	DN                  string
	StaffDN, StudentsDN string
	// People are those NewTree loaded, staff first, in the order they were added.
	People []Person
}

// conns is how many connections load a tree at once; slapd adds in parallel.
const conns = 8

// NewTree loads a tree of n people (a fifth of them staff, each but the first managed by an
// earlier member of staff; the rest students, without managers) and reads back their keys.
// Loading 5,000 people takes a second or two.
func (s *Server) NewTree(tb testing.TB, n int) *Tree {
	tb.Helper()
	var id [6]byte
	_, _ = rand.Read(id[:])
	tr := &Tree{Server: s, DN: "ou=t-" + hex.EncodeToString(id[:]) + "," + s.Base}
	tr.StaffDN, tr.StudentsDN = "ou=Staff,"+tr.DN, "ou=Students,"+tr.DN
	c := s.admin(tb)
	defer c.Close()
	for _, dn := range []string{tr.DN, tr.StaffDN, tr.StudentsDN} {
		ou := strings.TrimPrefix(strings.SplitN(dn, ",", 2)[0], "ou=")
		add(tb, c, dn, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {ou}})
	}
	staff := n / 5
	if n > 0 && staff == 0 {
		staff = 1
	}
	tr.People = make([]Person, n)
	for i := range n {
		tr.People[i] = tr.person(i, staff)
	}
	s.load(tb, tr.People)
	keys := s.keys(tb, tr.DN)
	for i := range tr.People {
		p := &tr.People[i]
		p.Key = keys[strings.ToLower(p.DN)]
		if p.Key == "" {
			tb.Fatalf("ldaptest: no entryUUID read back for %s", p.DN)
		}
	}
	return tr
}

var (
	firstNames = []string{"Amira", "Ben", "Chloe", "Dafydd", "Eilidh", "Femi", "Grace", "Hamza", "Isla", "Jakub", "Kavya", "Liam", "Mei", "Niamh", "Oluwaseun", "Priya", "Quentin", "Rhiannon", "Siobhan", "Tomasz", "Uma", "Vikram", "Wen", "Xavier", "Yusuf", "Zofia"}
	lastNames  = []string{"Ahmed", "Brown", "Chen", "Davies", "Evans", "Fraser", "Gupta", "Hughes", "Ibrahim", "Jones", "Kowalski", "Lewis", "Murphy", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Singh", "Taylor", "Uddin", "Vaughan", "Williams", "Xu", "Young", "Zhang"}
	depts      = []string{"Computing", "History", "Physics", "Law", "Nursing", "Music", "Engineering", "Economics", "Estates", "IT Services"}
	titles     = []string{"Lecturer", "Senior Lecturer", "Professor", "Administrator", "Technician", "Research Fellow", "Service Desk Analyst", "Head of Department"}
)

func (tr *Tree) person(i, staff int) Person {
	first := firstNames[i%len(firstNames)]
	last := lastNames[(i/len(firstNames))%len(lastNames)]
	p := Person{FirstName: first, LastName: last, CommonName: first + " " + last, Department: depts[i%len(depts)]}
	if i < staff {
		p.Username = fmt.Sprintf("st%05d", i)
		p.DN = "uid=" + p.Username + "," + tr.StaffDN
		p.Number = fmt.Sprintf("E%06d", 100000+i)
		p.Phone = fmt.Sprintf("+44 20 7946 %04d", i%10000)
		p.JobTitle = titles[i%len(titles)]
		if i > 0 {
			// A hierarchy: person i reports to person (i-1)/8, so managers have up to 8 reports.
			p.ManagerDN = "uid=" + fmt.Sprintf("st%05d", (i-1)/8) + "," + tr.StaffDN
		}
	} else {
		p.Student = true
		p.Username = fmt.Sprintf("u%07d", 2600000+i)
		p.DN = "uid=" + p.Username + "," + tr.StudentsDN
		p.Number = fmt.Sprintf("%08d", 26000000+i)
	}
	p.Email = p.Username + "@uni.example"
	return p
}

// Attributes returns the entry of p as LDAP attributes.
func (p Person) Attributes() map[string][]string {
	a := map[string][]string{
		"objectClass":     {"inetOrgPerson"},
		AttrCommonName:    {p.CommonName},
		AttrUsername:      {p.Username},
		AttrFirstName:     {p.FirstName},
		AttrLastName:      {p.LastName},
		AttrEmail:         {p.Email},
		AttrStudentNumber: {p.Number},
		AttrDepartment:    {p.Department},
	}
	if p.Phone != "" {
		a[AttrPhone] = []string{p.Phone}
	}
	if p.JobTitle != "" {
		a[AttrJobTitle] = []string{p.JobTitle}
	}
	if p.ManagerDN != "" {
		a[AttrManager] = []string{p.ManagerDN}
	}
	return a
}

// Add adds one entry of the test's own making (as the rootdn) and returns its entryUUID.
func (tr *Tree) Add(tb testing.TB, dn string, attrs map[string][]string) string {
	tb.Helper()
	c := tr.Server.admin(tb)
	defer c.Close()
	add(tb, c, dn, attrs)
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{AttrKey}, nil))
	if err != nil || len(res.Entries) != 1 {
		tb.Fatalf("ldaptest: read back %s: %v", dn, err)
	}
	return res.Entries[0].GetAttributeValue(AttrKey)
}

func (s *Server) admin(tb testing.TB) *ldap.Conn {
	tb.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		tb.Fatalf("ldaptest: dial %s: %v", s.URL, err)
	}
	if err := c.Bind(s.adminDN, s.adminSecret); err != nil {
		c.Close()
		tb.Fatalf("ldaptest: bind as %s: %v", s.adminDN, err)
	}
	return c
}

func add(tb testing.TB, c *ldap.Conn, dn string, attrs map[string][]string) {
	tb.Helper()
	if err := c.Add(addRequest(dn, attrs)); err != nil {
		tb.Fatalf("ldaptest: add %s: %v", dn, err)
	}
}

func addRequest(dn string, attrs map[string][]string) *ldap.AddRequest {
	r := ldap.NewAddRequest(dn, nil)
	for name, values := range attrs {
		r.Attribute(name, values)
	}
	return r
}

// load adds people over several connections at once.
func (s *Server) load(tb testing.TB, people []Person) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for w := range conns {
		c := s.admin(tb)
		wg.Go(func() {
			defer c.Close()
			for i := w; i < len(people); i += conns {
				if err := c.Add(addRequest(people[i].DN, people[i].Attributes())); err != nil {
					errs <- fmt.Errorf("add %s: %w", people[i].DN, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatalf("ldaptest: %v", err)
	}
}

// keys reads back every entryUUID under dn, by lower-cased DN (as the rootdn, which has no size
// limit).
func (s *Server) keys(tb testing.TB, dn string) map[string]string {
	tb.Helper()
	c := s.admin(tb)
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{AttrKey}, nil))
	if err != nil {
		tb.Fatalf("ldaptest: read back the keys under %s: %v", dn, err)
	}
	keys := make(map[string]string, len(res.Entries))
	for _, e := range res.Entries {
		keys[strings.ToLower(e.DN)] = e.GetAttributeValue(AttrKey)
	}
	return keys
}
