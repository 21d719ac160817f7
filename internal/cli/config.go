package cli

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"calldesk/internal/desk"
)

// setting is one configuration value: a flag, its CALLDESK_* variable and, for secrets, the
// variable's _FILE form. Precedence: flag, then variable, then _FILE, then the default.
type setting struct {
	flag, env, usage string
	secret           bool
	check            func(string) error
	value            *string
}

// settings collects the settings of one subcommand and validates them after parsing.
type settings struct {
	fs   *flag.FlagSet
	list []*setting
	env  func(string) string
}

func newSettings(fs *flag.FlagSet, env func(string) string) *settings {
	return &settings{fs: fs, env: env}
}

func (s *settings) add(name, def, usage string, secret bool, check func(string) error) *string {
	v := def
	st := &setting{flag: name, env: "CALLDESK_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")), usage: usage, secret: secret, check: check, value: &v}
	help := usage + " (env " + st.env
	if secret {
		help += " or " + st.env + "_FILE"
	}
	help += ")"
	s.fs.StringVar(&v, name, def, help)
	s.list = append(s.list, st)
	return &v
}

// resolve applies the environment to settings not given as flags, then validates every value.
// The error is one line naming the setting, where it came from, and what is wrong.
func (s *settings) resolve() error {
	given := map[string]bool{}
	s.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, st := range s.list {
		from := "--" + st.flag
		if !given[st.flag] {
			if v := s.env(st.env); v != "" {
				*st.value, from = v, st.env
			} else if file := s.env(st.env + "_FILE"); st.secret && file != "" {
				b, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("%s_FILE: cannot read %s: %v", st.env, file, err)
				}
				*st.value, from = strings.TrimSpace(string(b)), st.env+"_FILE"
			}
		}
		if st.check != nil {
			if err := st.check(*st.value); err != nil {
				shown := *st.value
				if st.secret {
					shown = "(secret)"
				}
				return fmt.Errorf("%s=%s: %v", from, shown, err)
			}
		}
	}
	return nil
}

func checkDB(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("is empty: give a SQLite file path or a postgres:// URL")
	}
	if strings.Contains(v, "://") && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
		return fmt.Errorf("is a URL but not postgres:// or postgresql://; for SQLite give a file path")
	}
	return nil
}

func checkAddr(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("is not host:port (for example 127.0.0.1:8080)")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	_ = host
	return nil
}

func checkDuration(min, max time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("is not a duration (for example 30s, 10m, 120h)")
		}
		if d < min || d > max {
			return fmt.Errorf("must be between %s and %s", min, max)
		}
		return nil
	}
}

func checkInt(min, max int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("is not a whole number")
		}
		if n < min || n > max {
			return fmt.Errorf("must be between %d and %d", min, max)
		}
		return nil
	}
}

func checkOneOf(opts ...string) func(string) error {
	return func(v string) error {
		for _, o := range opts {
			if v == o {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(opts, ", "))
	}
}

func checkTime(v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return fmt.Errorf("is not an RFC 3339 time (for example 2026-11-23T09:00:00Z)")
	}
	return nil
}

// sizeUnits are the suffixes a size may carry: binary (KiB, MiB, GiB) and decimal (KB, MB, GB).
var sizeUnits = []struct {
	suffix string
	n      int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}

// parseSize reads a size in bytes: 25MiB, 500KB, 1048576.
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(strings.ToLower(v), strings.ToLower(u.suffix)) {
			v, mult = strings.TrimSpace(v[:len(v)-len(u.suffix)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("is not a size (for example 25MiB, 500KiB or 1048576)")
	}
	return n * mult, nil
}

func checkSize(min, max int64) func(string) error {
	return func(v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		if n < min || n > max {
			return fmt.Errorf("must be between %s and %s", desk.SizeWords(min), desk.SizeWords(max))
		}
		return nil
	}
}

func checkAttachmentTypes(v string) error {
	_, err := desk.ParseAttachmentTypes(v)
	return err
}

// checkRoles accepts a comma-separated list of roles, or "none".
func checkRoles(v string) error {
	if v == "none" || v == "" {
		return nil
	}
	for _, r := range strings.Split(v, ",") {
		if !desk.Role(strings.TrimSpace(r)).Valid() {
			return fmt.Errorf("%q is not a role (roles: %s; or none)", strings.TrimSpace(r), roleNames())
		}
	}
	return nil
}

// parseRoles reads a list checkRoles accepted.
func parseRoles(v string) []desk.Role {
	if v == "none" || v == "" {
		return nil
	}
	var out []desk.Role
	for _, r := range strings.Split(v, ",") {
		out = append(out, desk.Role(strings.TrimSpace(r)))
	}
	return out
}

func roleNames() string {
	var names []string
	for _, r := range desk.AllRoles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

// checkHours accepts a whole number of hours from 1 to 72.
func checkHours(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 72 {
		return fmt.Errorf("must be a whole number of hours from 1 to 72")
	}
	return nil
}
