package main

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestMigrateRefusesNewerSchema: a database migrated by a newer otpgate
// stops every command with one line naming both versions.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "migrate")
	db, err := sql.Open("sqlite", filepath.Join(dir, "otpgate.db")) // driver registered by the store
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (999, '0999_from_the_future', CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	mustFail(t, "", []string{"--data", dir, "migrate"},
		"database schema is at version 999, newer than this otpgate knows (", "): upgrade otpgate")
	mustFail(t, "", []string{"--data", dir, "user", "list"}, "newer than this otpgate knows")
}
