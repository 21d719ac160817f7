// Command pgdb is a helper of scripts/bench.sh: `pgdb DSN NAME` recreates the empty database NAME
// on the server at DSN; `pgdb DSN NAME TEMPLATE` recreates NAME as a copy of the database TEMPLATE
// (a benchmark that writes works on a copy of the million-call database); `pgdb DSN NAME --keep`
// creates NAME only when it does not exist; `pgdb DSN --show` prints the server's durability settings.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"regexp"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: pgdb DSN NAME [TEMPLATE|--keep] | pgdb DSN --show")
		os.Exit(2)
	}
	db, err := sql.Open("pgx", os.Args[1])
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgdb:", err)
		os.Exit(1)
	}
	defer db.Close()
	if os.Args[2] == "--show" {
		var fsync, sc string
		db.QueryRow(`SHOW fsync`).Scan(&fsync)
		db.QueryRow(`SHOW synchronous_commit`).Scan(&sc)
		fmt.Printf("fsync=%s synchronous_commit=%s\n", fsync, sc)
		return
	}
	name, template := os.Args[2], "template0"
	if len(os.Args) == 4 {
		template = os.Args[3]
	}
	valid := regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	if !valid.MatchString(name) || (template != "--keep" && !valid.MatchString(template)) {
		fmt.Fprintln(os.Stderr, "pgdb: a database name is lower-case letters, digits and _")
		os.Exit(2)
	}
	qs := []string{`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`, `CREATE DATABASE ` + name + ` TEMPLATE ` + template}
	if template == "--keep" {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
			fmt.Fprintln(os.Stderr, "pgdb:", err)
			os.Exit(1)
		}
		if n > 0 {
			return
		}
		qs = []string{`CREATE DATABASE ` + name + ` TEMPLATE template0`}
	}
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			fmt.Fprintln(os.Stderr, "pgdb:", err)
			os.Exit(1)
		}
	}
}
