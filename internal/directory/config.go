package directory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"calldesk/internal/desk"
)

// Config is the import configuration (a JSON file): the sources of people, and the guard rail.
//
//	{"max_leaver_share": 0.05, "max_change_share": 0.25, "max_new_share": 0.25,
//	 "sources": [{"name": "campus", "kind": "csv", "path": "/data/people.csv", "delimiter": "semicolon",
//	              "encoding": "windows-1250", "optional": ["phone"],
//	              "mapping": "key=PersonID,first=Forename,last=Surname,username=Login,email=Email,phone=Tel",
//	              "schedule": "02:00"}]}
//
// The shares are the guard rail (store.SyncOptions; 0 for the defaults 0.05, 0.25 and 0.25).
type Config struct {
	MaxLeaverShare float64        `json:"max_leaver_share"`
	MaxChangeShare float64        `json:"max_change_share"`
	MaxNewShare    float64        `json:"max_new_share"`
	Sources        []SourceConfig `json:"sources"`
}

// SourceConfig is one source of people.
type SourceConfig struct {
	// Name identifies the source: the people it creates are its own.
	Name string `json:"name"`
	// Kind is "csv" or "ldap".
	Kind string `json:"kind"`
	// Partial, when true, says the source lists only some people (a feed of changes): nobody it
	// leaves out becomes a leaver. A nightly export is full (the default).
	Partial bool `json:"partial"`
	// Schedule is the time of day ("02:00", the desk's time zone) of the nightly import; "" for
	// none (run by hand with calldesk import).
	Schedule string `json:"schedule"`

	// Optional names the mapped fields (as the CSV mapping names them: first, last, username,
	// email, student, department, phone, title, manager) whose empty value means "not known
	// here": the register keeps what it has. Any other mapped field emptied in the source is
	// cleared, so that stale personal data does not linger. LDAP's student number, read for
	// students only, is always optional.
	Optional []string `json:"optional"`

	// CSV: the file, its column mapping (ParseCSVMapping), its delimiter (ParseDelimiter), its
	// encoding (auto, utf-8, windows-1250 to -1258, iso-8859-1 to -16; see CSVEncoding) and its
	// kind codes (ParseKinds).
	Path      string `json:"path"`
	Mapping   string `json:"mapping"`
	Delimiter string `json:"delimiter"`
	Encoding  string `json:"encoding"`
	Kinds     string `json:"kinds"`

	// LDAP / Active Directory: the server, how to bind (the password from the environment,
	// CALLDESK_LDAP_PASSWORD_<NAME>), where and what to search, the attributes (LDAPAttributes'
	// field names as keys; Active Directory's by default), the kind rules and a CA file to trust.
	URL         string            `json:"url"`
	StartTLS    bool              `json:"start_tls"`
	CAFile      string            `json:"ca_file"`
	BindDN      string            `json:"bind_dn"`
	BaseDN      string            `json:"base_dn"`
	Filter      string            `json:"filter"`
	Scope       string            `json:"scope"`
	PageSize    uint32            `json:"page_size"`
	Attributes  map[string]string `json:"attributes"`
	KindRules   []KindRule        `json:"kind_rules"`
	DefaultKind string            `json:"default_kind"`
}

// PasswordEnv is the environment variable holding an LDAP source's bind password.
func (s SourceConfig) PasswordEnv() string {
	return "CALLDESK_LDAP_PASSWORD_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s.Name))
}

var (
	sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)
	timeOfDay  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// LoadConfig reads and checks the configuration at path: every mistake named, with the source.
func LoadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	seen := map[string]bool{}
	for _, s := range c.Sources {
		if !sourceName.MatchString(s.Name) {
			return c, fmt.Errorf("%s: source %q: the name must be lower-case letters, digits, '.', '_' or '-'", path, s.Name)
		}
		if seen[s.Name] {
			return c, fmt.Errorf("%s: source %s is named twice", path, s.Name)
		}
		seen[s.Name] = true
		if s.Schedule != "" && !timeOfDay.MatchString(s.Schedule) {
			return c, fmt.Errorf("%s: source %s: schedule %q is not a time of day like 02:00", path, s.Name, s.Schedule)
		}
		if _, err := s.Source(); err != nil {
			return c, fmt.Errorf("%s: source %s: %s", path, s.Name, desk.Message(err))
		}
		if _, err := s.given(); err != nil {
			return c, fmt.Errorf("%s: source %s: %s", path, s.Name, desk.Message(err))
		}
	}
	for _, share := range []float64{c.MaxLeaverShare, c.MaxChangeShare, c.MaxNewShare} {
		if share < 0 || share > 1 {
			return c, fmt.Errorf("%s: max_leaver_share, max_change_share and max_new_share are shares between 0 and 1", path)
		}
	}
	return c, nil
}

// Find is the source called name.
func (c Config) Find(name string) (SourceConfig, error) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, nil
		}
	}
	var names []string
	for _, s := range c.Sources {
		names = append(names, s.Name)
	}
	return SourceConfig{}, desk.Errorf(desk.ENOTFOUND, "there is no source %q (the configuration has: %s)", name, strings.Join(names, ", "))
}

// Source makes the configured source.
func (s SourceConfig) Source() (Source, error) {
	switch s.Kind {
	case "ldap":
		cfg := LDAPConfig{URL: s.URL, StartTLS: s.StartTLS, BindDN: s.BindDN, Password: os.Getenv(s.PasswordEnv()), BaseDN: s.BaseDN,
			Filter: s.Filter, Scope: s.Scope, PageSize: s.PageSize, Kinds: s.KindRules, DefaultKind: desk.PersonKind(s.DefaultKind)}
		if s.BindDN != "" && cfg.Password == "" {
			return nil, desk.Errorf(desk.EINVALID, "its bind password is missing (set %s)", s.PasswordEnv())
		}
		if err := s.ldapAttributes(&cfg.Attributes); err != nil {
			return nil, err
		}
		if s.CAFile != "" {
			pem, err := os.ReadFile(s.CAFile)
			if err != nil {
				return nil, desk.Errorf(desk.EINVALID, "ca_file: %v", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, desk.Errorf(desk.EINVALID, "ca_file %s holds no PEM certificate", s.CAFile)
			}
			cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		return NewLDAP(cfg)
	case "csv":
		m, err := ParseCSVMapping(s.Mapping)
		if err != nil {
			return nil, err
		}
		opts := CSVOptions{Encoding: CSVEncoding(s.Encoding)}
		if !ValidEncoding(CSVEncoding(strings.ToLower(strings.TrimSpace(s.Encoding)))) {
			return nil, desk.Errorf(desk.EINVALID, "encoding %q: use one of %s", s.Encoding, encodingNames())
		}
		if s.Delimiter != "" {
			if opts.Comma, err = ParseDelimiter(s.Delimiter); err != nil {
				return nil, err
			}
		}
		if s.Kinds != "" {
			if opts.Kinds, err = ParseKinds(s.Kinds); err != nil {
				return nil, err
			}
		}
		if s.Path == "" {
			return nil, desk.Errorf(desk.EINVALID, "a csv source needs the path of its file")
		}
		return CSVFile{Path: s.Path, Mapping: m, Options: opts}, nil
	}
	return nil, desk.Errorf(desk.EINVALID, "kind %q is not csv", s.Kind)
}

// CSVFile is a CSV export on disk as a Source.
type CSVFile struct {
	Path    string
	Mapping CSVMapping
	Options CSVOptions
}

// Read reads the whole file (ReadCSV).
func (f CSVFile) Read(ctx context.Context) ([]Record, []Problem, error) {
	file, err := os.Open(f.Path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	return ReadCSV(file, f.Mapping, f.Options)
}

// ldapAttributes sets the attribute names the configuration gives, by LDAPAttributes' field name.
func (s SourceConfig) ldapAttributes(a *LDAPAttributes) error {
	fields := map[string]*string{"Key": &a.Key, "KeyFormat": &a.KeyFormat, "Username": &a.Username, "FirstName": &a.FirstName,
		"LastName": &a.LastName, "Email": &a.Email, "StudentNumber": &a.StudentNumber, "Department": &a.Department,
		"Phone": &a.Phone, "JobTitle": &a.JobTitle, "Manager": &a.Manager}
	for k, v := range s.Attributes {
		f, ok := fields[k]
		if !ok {
			return desk.Errorf(desk.EINVALID, "attributes: %q is not one of Key, KeyFormat, Username, FirstName, LastName, Email, StudentNumber, Department, Phone, JobTitle, Manager", k)
		}
		*f = v
	}
	return nil
}

// storeFields are the store's names (store.SyncOptions.Given) of the fields a mapping names.
func storeFields() map[string]string {
	return map[string]string{"first": "first_name", "last": "last_name", "username": "username", "email": "email",
		"student": "student_number", "department": "department", "phone": "phone", "title": "job_title", "manager": "manager"}
}

// given is the fields the source gives for everyone, in the store's names: an empty value of
// one clears it (store.SyncOptions.Given). Those are the mapped fields (for LDAP, every
// attribute but the student number) less the optional ones.
func (s SourceConfig) given() ([]string, error) {
	names := storeFields()
	optional := map[string]bool{}
	for _, o := range s.Optional {
		o = strings.ToLower(strings.TrimSpace(o))
		if _, ok := names[o]; !ok {
			return nil, desk.Errorf(desk.EINVALID, "optional: %q is not one of first, last, username, email, student, department, phone, title, manager", o)
		}
		optional[o] = true
	}
	mapped := map[string]bool{}
	switch s.Kind {
	case "csv":
		m, err := ParseCSVMapping(s.Mapping)
		if err != nil {
			return nil, err
		}
		for _, f := range csvFields() {
			if *f.column(&m) != "" {
				mapped[f.name] = true
			}
		}
	case "ldap":
		for n := range names {
			mapped[n] = n != "student"
		}
	}
	var out []string
	for _, f := range csvFields() {
		if col, ok := names[f.name]; ok && mapped[f.name] && !optional[f.name] {
			out = append(out, col)
		}
	}
	return out, nil
}
