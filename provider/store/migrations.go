package store

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// migrationFiles holds the versioned schema migrations, one directory per
// dialect. A file is named NNNN_name.sql; versions start at 1 and have no
// gaps, and both dialects have the same versions under the same names.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change.
type migration struct {
	Version int
	// Name is the file name without ".sql", for example "0001_initial".
	Name string
	SQL  string
}

// migrationsFor lists the migrations of dialect ("sqlite" or "postgres")
// in version order, checking that the versions run 1, 2, 3… without gap
// (a gap would let a later file slip under a database already past it).
func migrationsFor(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", dialect, err)
	}
	var out []migration
	for _, e := range entries { // ReadDir sorts by name, so by version
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		digits, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(digits)
		if err != nil || len(digits) != 4 {
			return nil, fmt.Errorf("migration %s: name does not start with a four-digit version", e.Name())
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("migration %s: version %d does not follow the one before (versions run 1, 2, 3… without gap)", e.Name(), v)
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{Version: v, Name: name, SQL: string(b)})
	}
	return out, nil
}

// statements splits a migration script into its statements: a statement
// ends with a semicolon at the end of a line, and lines that start with
// "--" are comments. Scripts are written for this rule, so no driver has
// to accept several statements in one call.
func statements(script string) []string {
	var (
		out []string
		cur strings.Builder
	)
	for line := range strings.Lines(script) {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}
