package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// OpenSQLite returns a migrated store on a new SQLite file, closed (and
// removed) when the test ends. The file is on a memory-backed file system
// when the machine has one (/dev/shm), else in t.TempDir(): it is a real
// SQLite file with real locks, but its commits' fsyncs cannot stall
// behind a disk busy with other work. Twenty racing writers each waiting
// for a slow fsync would otherwise pass SQLite's busy timeout and get
// 503, which says nothing about the rules under test; the crash and
// disk-full tests (cmd/otpgate) use the disk itself.
func OpenSQLite(t testing.TB) *store.Store {
	t.Helper()
	return openMigrated(t, "sqlite", filepath.Join(sqliteDir(t), "otpgate.db"))
}

// sqliteDir is a new directory for a test's SQLite file: see OpenSQLite.
func sqliteDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "otpgate-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// OpenPostgres returns a migrated store on PostgreSQL (dsn is a
// postgres:// URL or a keyword/value string) in a schema of its own,
// created for the test and dropped, with everything in it, when the test
// ends.
func OpenPostgres(t testing.TB, dsn string) *store.Store {
	t.Helper()
	schemaDSN := PostgresSchema(t, dsn)
	return openMigrated(t, "postgres", schemaDSN)
}

func openMigrated(t testing.TB, driver, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s store: %v", driver, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close %s store: %v", driver, err)
		}
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate %s store: %v", driver, err)
	}
	return s
}

// pgxDriver is the database/sql driver name registered by pgx's stdlib
// package, which the store's PostgreSQL dialect imports.
const pgxDriver = "pgx"

// PostgresSchema creates an empty schema named t_<random> on the server of
// dsn, drops it when the test ends, and returns dsn with its search_path
// set to that schema, so that every test works on its own tables.
func PostgresSchema(t testing.TB, dsn string) string {
	t.Helper()
	if !slices.Contains(sql.Drivers(), pgxDriver) {
		t.Fatalf("database/sql driver %q is not registered", pgxDriver)
	}
	admin, err := sql.Open(pgxDriver, dsn)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	schema := "t_" + strings.ToLower(rand.Text())
	create, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(create, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	// Registered before the store's Close, so it runs after it.
	t.Cleanup(func() {
		defer admin.Close()
		drop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(drop, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(dsn, schema)
}

// withSearchPath adds search_path=schema to a PostgreSQL DSN; pgx passes
// unknown settings to the server as run-time parameters.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}
