package cli

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// calldesk bench create --special true logs special-category calls over the API (make bench's
// sealed part compares their rate with encryption on and off): against a desk holding master keys
// every call it logged is marked and its text sealed.
func TestBenchCreateSpecial(t *testing.T) {
	dir := t.TempDir()
	db, file := filepath.Join(dir, "desk.db"), filepath.Join(dir, "master.keys")
	if r := runCLI(t, nil, "keys", "generate", "--out", file); r.code != 0 {
		t.Fatalf("generate: %+v", r)
	}
	env := map[string]string{"CALLDESK_MASTER_KEYS_FILE": file}
	r := runCLI(t, env, "demo", "--db", db, "--calls", "20", "--people", "100", "--token")
	token := ""
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "demo API token") {
			token = line[strings.LastIndex(line, " ")+1:]
		}
	}
	if r.code != 0 || token == "" {
		t.Fatalf("demo: %+v", r)
	}
	s := startServe(t, db, env, "--second-factor-roles", "none")
	r = runCLI(t, nil, "bench", "create", "--url", s.base, "--token", token, "--clients", "2", "--duration", "1s", "--special", "true")
	if r.code != 0 || !strings.Contains(r.stdout, "create a special-category call over the API, 2 clients") || !strings.Contains(r.stdout, " 0 errors") {
		t.Fatalf("bench create --special: %+v", r)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var special, sealed, plainWords int
	if err := raw.QueryRow(`SELECT COUNT(*), COUNT(key_id), COUNT(CASE WHEN description LIKE '%doctor%' OR description LIKE '%disability%' THEN 1 END)
		FROM calls WHERE special_category = 1`).Scan(&special, &sealed, &plainWords); err != nil {
		t.Fatal(err)
	}
	if special < 10 || sealed != special || plainWords != 0 {
		t.Errorf("%d special-category calls logged, %d sealed, %d with their words plain", special, sealed, plainWords)
	}
	if r := runCLI(t, nil, "bench", "create", "--url", s.base, "--token", token, "--special", "yes"); r.code == 0 || !strings.Contains(r.stderr, "--special") {
		t.Errorf("--special yes: %+v", r)
	}
}
