package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the ceiling's PostgreSQL driver, as the store's
	_ "modernc.org/sqlite"             // the ceiling's SQLite driver, as the store's
)

// ceiling is the bare server calldesk's create rate is measured against (issue 22 point 1): what
// this machine can do at all. It answers the create benchmark's POST /api/v1/calls with one
// INSERT of the request's body, in a transaction of its own, on the same engine with the same
// durability as calldesk (SQLite: WAL, synchronous=NORMAL, one writer connection; PostgreSQL:
// as the server is configured), and the three lists the benchmark reads first with made-up ids.
// It checks nothing, audits nothing and indexes nothing: calldesk's rate as a share of the
// ceiling's, measured by the same client in the same run, is the figure that counts on a noisy
// machine.
func ceiling(ctx context.Context, e Env, args []string) error {
	fs, st := flags(e, "bench ceiling", "Serves the bare create endpoint calldesk's create rate is compared with (make bench).")
	dsn := st.add("db", "", "SQLite file or postgres:// URL (an empty database: the ceiling makes its one table)", false, func(v string) error {
		if v == "" {
			return fmt.Errorf("is required")
		}
		return nil
	})
	addr := st.add("addr", "127.0.0.1:8090", "address to listen on (this machine only)", false, func(v string) error {
		host, _, err := net.SplitHostPort(v)
		if err != nil || (host != "127.0.0.1" && host != "localhost" && host != "::1") {
			return fmt.Errorf("must be a loopback host:port")
		}
		return nil
	})
	if err := parse(fs, st, args); err != nil {
		return err
	}
	db, insert, err := openCeiling(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	mux := http.NewServeMux()
	list := func(name string) http.HandlerFunc {
		items := make([]map[string]any, 50)
		for i := range items {
			items[i] = map[string]any{"id": i + 1, "name": fmt.Sprintf("%s %d", name, i+1)}
		}
		body, _ := json.Marshal(map[string]any{name: items})
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}
	}
	mux.HandleFunc("GET /api/v1/people", list("people"))
	mux.HandleFunc("GET /api/v1/profiles", list("profiles"))
	mux.HandleFunc("GET /api/v1/groups", list("groups"))
	mux.HandleFunc("POST /api/v1/calls", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var id int64
		if err := db.QueryRowContext(r.Context(), insert, string(body), time.Now().UnixMicro()).Scan(&id); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d}`, id)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Fprintf(e.Stdout, "ceiling serving on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openCeiling opens dsn as calldesk's store would and makes the ceiling's table; it returns the
// INSERT for the engine.
func openCeiling(ctx context.Context, dsn string) (*sql.DB, string, error) {
	var db *sql.DB
	var err error
	insert := `INSERT INTO ceiling_calls (body, created_at) VALUES (?, ?) RETURNING id`
	table := `CREATE TABLE IF NOT EXISTS ceiling_calls (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL)`
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if db, err = sql.Open("pgx", dsn); err != nil {
			return nil, "", err
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(16)
		insert = `INSERT INTO ceiling_calls (body, created_at) VALUES ($1, $2) RETURNING id`
		table = `CREATE TABLE IF NOT EXISTS ceiling_calls (id bigserial PRIMARY KEY, body text NOT NULL, created_at bigint NOT NULL)`
	} else {
		// The store's durability settings (internal/store/dialect.go openSQLite).
		if db, err = sql.Open("sqlite", "file:"+url.PathEscape(dsn)+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"); err != nil {
			return nil, "", err
		}
		db.SetMaxOpenConns(1)
	}
	if _, err := db.ExecContext(ctx, table); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("ceiling table: %w", err)
	}
	return db, insert, nil
}
