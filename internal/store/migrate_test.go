package store_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"calldesk/internal/store"
	"calldesk/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			s, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Engine() != engine {
				t.Errorf("engine %q, want %q", s.Engine(), engine)
			}
			// An empty database is older than the binary.
			if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "run calldesk migrate") {
				t.Errorf("CheckSchema on an empty database: %v", err)
			}
			applied, err := s.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			db, known, err := s.SchemaVersion(ctx)
			if err != nil || db != known || known < 1 {
				t.Fatalf("schema version %d, known %d: %v", db, known, err)
			}
			// The versions of the migration files: 1, 2, 3... with no gap (Migrate applies the
			// versions above the newest applied, so a number filled in later would never run).
			var want []int
			files, err := os.ReadDir(filepath.Join("migrations", engine))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if v, err := strconv.Atoi(strings.SplitN(f.Name(), "_", 2)[0]); err == nil {
					want = append(want, v)
				}
			}
			for i, v := range want {
				if v != i+1 {
					t.Fatalf("migration files %v: number %d is missing", want, i+1)
				}
			}
			if !reflect.DeepEqual(applied, want) {
				t.Errorf("first Migrate applied %v, want %v", applied, want)
			}
			if err := s.CheckSchema(ctx); err != nil {
				t.Errorf("CheckSchema after Migrate: %v", err)
			}
			raw := storetest.Raw(t, engine, dsn)
			var rows int
			if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(want) {
				t.Fatalf("schema_migrations has %d rows: %v", rows, err)
			}

			// The second time is a no-op.
			applied, err = s.Migrate(ctx)
			if err != nil || len(applied) != 0 {
				t.Errorf("second Migrate applied %v: %v", applied, err)
			}
			if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(want) {
				t.Errorf("schema_migrations has %d rows after a second Migrate: %v", rows, err)
			}

			// A database migrated by a newer calldesk is refused, saying which versions.
			if _, err := raw.Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, 'from_the_future', 0)`); err != nil {
				t.Fatal(err)
			}
			for name, err := range map[string]error{"Migrate": second(s.Migrate(ctx)), "CheckSchema": s.CheckSchema(ctx)} {
				if err == nil || !strings.Contains(err.Error(), "version 9999, newer than this calldesk knows") || !strings.Contains(err.Error(), "run a newer calldesk") {
					t.Errorf("%s on a newer schema: %v", name, err)
				}
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }
