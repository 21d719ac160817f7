// Command pgdb is a helper of scripts/bench.sh: `pgdb DSN NAME` recreates the empty database NAME
// on the server at DSN; `pgdb DSN NAME FROM` recreates it as a copy of database FROM (for a
// benchmark that writes: nobody may be connected to FROM); `pgdb DSN --show` prints the server's
// durability settings.
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
		fmt.Fprintln(os.Stderr, "usage: pgdb DSN NAME [FROM] | pgdb DSN --show")
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
	name, from := os.Args[2], "template0"
	if len(os.Args) == 4 {
		from = os.Args[3]
	}
	for _, n := range []string{name, from} {
		if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(n) {
			fmt.Fprintln(os.Stderr, "pgdb: a database name is lower-case letters, digits and _")
			os.Exit(2)
		}
	}
	for _, q := range []string{`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`, `CREATE DATABASE ` + name + ` TEMPLATE ` + from} {
		if _, err := db.Exec(q); err != nil {
			fmt.Fprintln(os.Stderr, "pgdb:", err)
			os.Exit(1)
		}
	}
}
