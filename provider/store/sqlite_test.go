package store_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store {
		s := storetest.OpenSQLite(t)
		store.SetResealBatch(s, 2)
		return s
	})
}

// TestSQLiteSettings proves the DSN settings that the concurrency and
// durability guarantees rest on reach the database and every connection.
func TestSQLiteSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otpgate.db")
	s, err := store.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}

	// journal_mode is a property of the file: read it on a connection of our own.
	raw, err := sql.Open("sqlite", path) // driver registered by the store's SQLite dialect
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var mode string
	if err := raw.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode of the database file = %q, want wal", mode)
	}

	// The other settings are per connection: read them through the store's pool.
	want := map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "10000",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
	}
	for name, value := range want {
		got, err := s.Pragma(t.Context(), name)
		if err != nil {
			t.Fatalf("pragma %s: %v", name, err)
		}
		if got != value {
			t.Errorf("pragma %s = %q, want %q", name, got, value)
		}
	}
	if _, err := s.Pragma(t.Context(), "journal_mode=delete"); err == nil {
		t.Errorf("Pragma accepted a name that sets a value")
	}
}
