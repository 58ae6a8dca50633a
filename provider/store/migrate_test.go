package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

// backend opens stores on fresh, empty databases of one dialect.
type backend struct {
	dialect string
	// newDatabase creates an empty database and returns an opener: each
	// call opens another Store (its own connection pool) on it, not
	// migrated, closed when the test ends.
	newDatabase func(t *testing.T) func() *store.Store
}

// backends is SQLite, and PostgreSQL when OTPGATE_TEST_POSTGRES_DSN is set.
func backends() []backend {
	b := []backend{{dialect: "sqlite", newDatabase: func(t *testing.T) func() *store.Store {
		path := filepath.Join(t.TempDir(), "otpgate.db")
		return func() *store.Store { return openRaw(t, "sqlite", path) }
	}}}
	if dsn := os.Getenv("OTPGATE_TEST_POSTGRES_DSN"); dsn != "" {
		b = append(b, backend{dialect: "postgres", newDatabase: func(t *testing.T) func() *store.Store {
			schemaDSN := storetest.PostgresSchema(t, dsn)
			return func() *store.Store { return openRaw(t, "postgres", schemaDSN) }
		}})
	}
	return b
}

func openRaw(t *testing.T, driver, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func forEachBackend(t *testing.T, run func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.dialect, func(t *testing.T) { run(t, b) })
	}
}

func migrationNames(t *testing.T, dialect string) []string {
	t.Helper()
	names, err := store.MigrationNames(dialect)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// wantHistory checks that schema_migrations lists every migration once,
// in order, and returns it.
func wantHistory(t *testing.T, s *store.Store, dialect string) []store.HistoryRow {
	t.Helper()
	rows, err := s.History(t.Context())
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	names := migrationNames(t, dialect)
	if len(rows) != len(names) {
		t.Fatalf("history has %d rows %+v, want one per migration %v", len(rows), rows, names)
	}
	for i, r := range rows {
		if want := names[i][:4]; fmt.Sprintf("%04d", r.Version) != want || r.Name != names[i] || r.AppliedAt.IsZero() {
			t.Errorf("history row %d = %+v, want version %s named %s with its time", i, r, want, names[i])
		}
	}
	v, err := s.SchemaVersion(t.Context())
	if want := names[len(names)-1][:4]; err != nil || fmt.Sprintf("%04d", v) != want {
		t.Errorf("SchemaVersion = %d, %v; want %s", v, err, want)
	}
	return rows
}

// wantNoDrift fails when a gorm model has a field or index without its
// column or index in the migrated database: a model was changed without a
// migration.
func wantNoDrift(t *testing.T, s *store.Store) {
	t.Helper()
	missing, err := s.MissingColumns(t.Context())
	if err != nil {
		t.Fatalf("read the schema: %v", err)
	}
	if len(missing) > 0 {
		t.Errorf("the models have fields or indexes the migrations do not create (add a migration): %v", missing)
	}
}

func TestMigrateFreshDatabase(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.newDatabase(t)()
		if v, err := s.SchemaVersion(t.Context()); err != nil || v != 0 {
			t.Fatalf("SchemaVersion of an empty database = %d, %v; want 0", v, err)
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		first := wantHistory(t, s, b.dialect)
		wantNoDrift(t, s)

		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if again := wantHistory(t, s, b.dialect); !sameHistory(again, first) {
			t.Errorf("a second Migrate changed the history: %+v, was %+v", again, first)
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		const n = 6
		open := b.newDatabase(t)
		stores := make([]*store.Store, n)
		for i := range stores {
			stores[i] = open()
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i, s := range stores {
			wg.Go(func() {
				<-start
				errs[i] = s.Migrate(t.Context())
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Migrate #%d: %v", i, err)
			}
		}
		// The primary key on version would have failed a second apply; the
		// history still must hold each version exactly once.
		wantHistory(t, stores[0], b.dialect)
		wantNoDrift(t, stores[0])
	})
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.newDatabase(t)()
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		names := migrationNames(t, b.dialect)
		latest, _ := strconv.Atoi(names[len(names)-1][:4])
		err := s.ExecScript(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at)
			VALUES (`+itoa(latest+1)+`, '9999_from_the_future', CURRENT_TIMESTAMP);`)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Migrate(t.Context())
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("Migrate of a newer schema = %v, want ErrSchemaTooNew", err)
		}
		want := "database schema is at version " + itoa(latest+1) + ", newer than this otpgate knows (" +
			itoa(latest) + "): upgrade otpgate"
		if err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
		if v, err := s.SchemaVersion(t.Context()); err != nil || v != latest+1 {
			t.Errorf("SchemaVersion after the refusal = %d, %v; want %d untouched", v, err, latest+1)
		}
	})
}

func TestMigrateRefusesForeignTables(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.newDatabase(t)()
		if err := s.ExecScript(t.Context(), "CREATE TABLE users (id text PRIMARY KEY);"); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(t.Context()); err == nil {
			t.Fatal("Migrate adopted a database with only some of otpgate's tables")
		}
		if v, err := s.SchemaVersion(t.Context()); err != nil || v != 0 {
			t.Errorf("SchemaVersion after the refusal = %d, %v; want 0", v, err)
		}
	})
}

// TestMigrationsMatchAcrossDialects: both dialects have the same versions
// under the same names, so a version means the same change everywhere.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	sqlite, postgres := migrationNames(t, "sqlite"), migrationNames(t, "postgres")
	if len(sqlite) == 0 || !slices.Equal(sqlite, postgres) {
		t.Errorf("SQLite migrations %v, PostgreSQL migrations %v: want the same, non-empty", sqlite, postgres)
	}
}

func TestStatements(t *testing.T) {
	script := "-- a comment; with a semicolon\nCREATE TABLE a (\n    x text\n);\n\nCREATE INDEX i ON a (x);\nSELECT 1"
	got := store.Statements(script)
	want := []string{"CREATE TABLE a (\n    x text\n)", "CREATE INDEX i ON a (x)", "SELECT 1"}
	if !slices.Equal(got, want) {
		t.Errorf("statements = %q, want %q", got, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// sameHistory compares two reads of schema_migrations.
func sameHistory(a, b []store.HistoryRow) bool {
	return slices.EqualFunc(a, b, func(x, y store.HistoryRow) bool {
		return x.Version == y.Version && x.Name == y.Name && x.AppliedAt.Equal(y.AppliedAt)
	})
}
