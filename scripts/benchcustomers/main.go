// Command benchcustomers is a helper of scripts/bench.sh: `benchcustomers DSN` prints the two
// customers the portal benchmark signs in as, one a line, "busiest USERNAME CALLS" and "typical
// USERNAME CALLS": the active person with a username who has logged the most calls, and one with
// the median number of calls among those who have logged any. DSN is a SQLite file path or a
// postgres:// URL, as for calldesk --db.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchcustomers DSN")
		os.Exit(2)
	}
	driver, dsn := "sqlite", "file:"+os.Args[1]+"?mode=ro"
	if strings.HasPrefix(os.Args[1], "postgres://") || strings.HasPrefix(os.Args[1], "postgresql://") {
		driver, dsn = "pgx", os.Args[1]
	}
	if err := run(driver, dsn); err != nil {
		fmt.Fprintln(os.Stderr, "benchcustomers:", err)
		os.Exit(1)
	}
}

type customer struct {
	username string
	calls    int
}

func run(driver, dsn string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT p.username, count(*) FROM calls c JOIN people p ON p.id = c.customer_id
		WHERE p.username <> '' AND p.active = 1 GROUP BY p.username ORDER BY count(*) DESC, p.username`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var all []customer
	for rows.Next() {
		var c customer
		if err := rows.Scan(&c.username, &c.calls); err != nil {
			return err
		}
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(all) == 0 {
		return fmt.Errorf("no active person with a username has logged a call")
	}
	typical := all[len(all)/2]
	fmt.Printf("busiest %s %d\ntypical %s %d\n", all[0].username, all[0].calls, typical.username, typical.calls)
	return nil
}
