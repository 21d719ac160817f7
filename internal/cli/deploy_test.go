package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// commandFlags lists the flags `calldesk <args> -h` prints.
func commandFlags(t *testing.T, args ...string) map[string]bool {
	t.Helper()
	var out, errb strings.Builder
	Main(context.Background(), Env{Args: append(args, "-h"), Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errb})
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(out.String()+errb.String(), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("calldesk %s -h listed no flags: %q %q", strings.Join(args, " "), out.String(), errb.String())
	}
	return flags
}

// productionDocs returns the README's "Running in production" section and the files of deploy/,
// by name.
func productionDocs(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "\n## Running in production\n")
	if start < 0 {
		t.Fatal(`README.md has no "## Running in production" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	docs := map[string]string{"README.md (Running in production)": section}
	files, err := filepath.Glob(filepath.Join(root, "deploy", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in deploy/: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs["deploy/"+filepath.Base(f)] = string(b)
	}
	return docs
}

// TestProductionDocsNameRealFlags keeps the production documentation from drifting: every
// --flag and CALLDESK_* variable that the README's "Running in production" section and the files
// of deploy/ name must be one `calldesk serve --help` lists, or, where the text names another
// command (`calldesk audit verify --db COPY`), one of that command's. In the README only code
// spans count (other tools' flags, pg_dump's --format, are in spans that do not start with
// calldesk or a flag); in deploy/ every one counts.
func TestProductionDocsNameRealFlags(t *testing.T) {
	serve := commandFlags(t, "serve")
	commands := map[string]map[string]bool{"serve": serve}
	flagsOf := func(cmd string) map[string]bool {
		if commands[cmd] == nil {
			commands[cmd] = commandFlags(t, strings.Fields(cmd)...)
		}
		return commands[cmd]
	}
	flagRe := regexp.MustCompile(`(?:^|[\s(` + "`" + `'"])--([a-z][a-z0-9-]*)`)
	cmdRe := regexp.MustCompile(`\bcalldesk (audit verify|keys generate|keys rotate|keys seal|keys status|keys retire|migrate|serve|demo|import|sar|retention|password|backup|restore)\b`)
	varRe := regexp.MustCompile(`\bCALLDESK_([A-Z0-9_]+)`)
	notFlags := []string{"IMAP_PASSWORD_", "LDAP_PASSWORD_", "TEST_POSTGRES"} // per-name secrets, the tests' server
	otherTool := regexp.MustCompile(`\b(systemctl|sqlite3|pg_dump|pg_restore|psql)\b`)
	checked := 0
	check := func(doc, where, flag, cmd string) {
		checked++
		if flag != "help" && !flagsOf(cmd)[flag] {
			t.Errorf("%s names --%s (%s), which calldesk %s does not have", doc, flag, strings.TrimSpace(where), cmd)
		}
	}
	for doc, text := range productionDocs(t) {
		var pieces []string
		if strings.HasPrefix(doc, "README") {
			for _, span := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(text, -1) {
				if strings.HasPrefix(span[1], "--") || strings.HasPrefix(span[1], "calldesk ") {
					pieces = append(pieces, span[1])
				}
			}
		} else {
			pieces = strings.Split(text, "\n")
		}
		for _, p := range pieces {
			if otherTool.MatchString(p) {
				continue
			}
			cmd := "serve"
			if m := cmdRe.FindStringSubmatch(p); m != nil {
				cmd = m[1]
			}
			if strings.Contains(doc, "audit-verify") {
				cmd = "audit verify"
			}
			for _, m := range flagRe.FindAllStringSubmatch(p, -1) {
				check(doc, p, m[1], cmd)
			}
		}
		for _, m := range varRe.FindAllStringSubmatch(text, -1) {
			name := m[1]
			skip := false
			for _, n := range notFlags {
				skip = skip || strings.HasPrefix(name, n)
			}
			if skip {
				continue
			}
			flag := strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(name, "_FILE"), "_", "-"))
			cmd := "serve"
			if strings.Contains(doc, "audit-verify") {
				cmd = "audit verify"
			}
			if whole := strings.ToLower(strings.ReplaceAll(name, "_", "-")); !flagsOf(cmd)[flag] && flagsOf(cmd)[whole] {
				flag = whole // a setting whose own name ends in -file (--master-keys-file), not a secret's _FILE form
			}
			check(doc, "CALLDESK_"+name, flag, cmd)
		}
	}
	if checked < 20 {
		t.Errorf("only %d flags and variables found in the production docs: is the parsing right?", checked)
	}
}

// TestSystemdUnitsVerify runs systemd-analyze verify on deploy/'s units (when systemd-analyze is
// installed; nothing is installed for it), with ExecStart pointed at this test's own executable,
// since verify checks that the program exists (and nothing more of it). Warnings fail too: verify exits 0 on an
// unknown key or a misspelt system call group, saying so.
func TestSystemdUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	dir := t.TempDir()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	units, err := filepath.Glob(filepath.Join("..", "..", "deploy", "*.service"))
	if err != nil || len(units) == 0 {
		t.Fatalf("no units in deploy/: %v", err)
	}
	timers, _ := filepath.Glob(filepath.Join("..", "..", "deploy", "*.timer"))
	var paths []string
	for _, u := range append(units, timers...) {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if strings.HasSuffix(u, ".service") && !strings.Contains(text, "ExecStart=/usr/local/bin/calldesk ") {
			t.Errorf("%s does not run /usr/local/bin/calldesk", u)
		}
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, "/usr/local/bin/calldesk", bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	cmd := exec.Command(analyze, append([]string{"verify", "--man=no"}, paths...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		for _, p := range paths {
			if strings.Contains(line, filepath.Base(p)) {
				t.Errorf("systemd-analyze verify: %s", line)
			}
		}
	}
	// The hardening the README promises is in the service's unit.
	b, _ := os.ReadFile(filepath.Join("..", "..", "deploy", "calldesk.service"))
	for _, want := range []string{"DynamicUser=yes", "StateDirectory=calldesk", "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes",
		"PrivateTmp=yes", "\nCapabilityBoundingSet=\n", "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes",
		"EnvironmentFile=/etc/calldesk/calldesk.env"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("deploy/calldesk.service lacks %q", strings.TrimSpace(want))
		}
	}
}
