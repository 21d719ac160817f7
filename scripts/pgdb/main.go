// Command pgdb is a helper of scripts/bench.sh: `pgdb DSN NAME` recreates the empty database NAME
// on the server at DSN; `pgdb DSN --show` prints the server's durability settings.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"regexp"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: pgdb DSN NAME | pgdb DSN --show")
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
	name := os.Args[2]
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(name) {
		fmt.Fprintln(os.Stderr, "pgdb: a database name is lower-case letters, digits and _")
		os.Exit(2)
	}
	for _, q := range []string{`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`, `CREATE DATABASE ` + name + ` TEMPLATE template0`} {
		if _, err := db.Exec(q); err != nil {
			fmt.Fprintln(os.Stderr, "pgdb:", err)
			os.Exit(1)
		}
	}
}
