package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// This file lends the external tests (package store_test) a few internals
// of the schema: it is compiled only with the tests.

// allModels lists every gorm model, one per table.
func allModels() []any {
	return []any{&User{}, &Client{}, &Flow{}, &Session{}, &AccessToken{}, &RefreshToken{}, &SigningKey{},
		&Device{}, &RecoveryCode{}, &AuditEvent{}, &LinkToken{}, &KnownBrowser{}, &LoginThrottle{}, &AddressFailure{}, &UserLink{}, &RememberedBrowser{}}
}

// MigrationNames lists the embedded migrations of dialect, in order.
func MigrationNames(dialect string) ([]string, error) {
	migs, err := migrationsFor(dialect)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(migs))
	for i, m := range migs {
		names[i] = m.Name
	}
	return names, nil
}

// Statements exposes the migration script splitter.
var Statements = statements

// ExecScript runs a SQL script (a test fixture) statement by statement.
func (s *Store) ExecScript(ctx context.Context, script string) error {
	for i, stmt := range statements(script) {
		if err := s.db.WithContext(ctx).Exec(stmt).Error; err != nil {
			return fmt.Errorf("statement %d (%.60s…): %w", i+1, stmt, err)
		}
	}
	return nil
}

// HistoryRow is one row of schema_migrations.
type HistoryRow struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// History reads schema_migrations in version order.
func (s *Store) History(ctx context.Context) ([]HistoryRow, error) {
	var rows []HistoryRow
	err := s.db.WithContext(ctx).Raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").
		Scan(&rows).Error
	return rows, err
}

// Tables lists the tables of the database (of the current schema on
// PostgreSQL), sorted.
func (s *Store) Tables(ctx context.Context) ([]string, error) {
	t, err := s.db.WithContext(ctx).Migrator().GetTables()
	slices.Sort(t)
	return t, err
}

// Snapshot reads every row of table, ordered by id, each value written
// with its Go type, so that two snapshots compare as strings.
func (s *Store) Snapshot(ctx context.Context, table string) ([]string, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT * FROM " + table + " ORDER BY id").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var b strings.Builder
		for i, c := range cols {
			fmt.Fprintf(&b, "%s=%T:%v ", c, vals[i], vals[i])
		}
		out = append(out, b.String())
	}
	return out, rows.Err()
}

// MissingColumns lists, as "table.column" and "table index name", every
// field and index of a gorm model that the database lacks: a model
// changed without a migration.
func (s *Store) MissingColumns(ctx context.Context) ([]string, error) {
	db := s.db.WithContext(ctx)
	var missing []string
	for _, m := range allModels() {
		stmt := &gorm.Statement{DB: db}
		if err := stmt.Parse(m); err != nil {
			return nil, err
		}
		table := stmt.Schema.Table
		types, err := db.Migrator().ColumnTypes(m)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		have := map[string]bool{}
		for _, c := range types {
			have[c.Name()] = true
		}
		for _, f := range stmt.Schema.Fields {
			if f.DBName != "" && !have[f.DBName] {
				missing = append(missing, table+"."+f.DBName)
			}
		}
		for _, idx := range stmt.Schema.ParseIndexes() {
			if !db.Migrator().HasIndex(m, idx.Name) {
				missing = append(missing, table+" index "+idx.Name)
			}
		}
	}
	return missing, nil
}

// SchemaShape describes the schema (every column with its position, type,
// nullability, default and key; every index with its columns), one sorted
// line each, leaving out schema_migrations: two databases with the same
// shape have the same schema.
func (s *Store) SchemaShape(ctx context.Context) ([]string, error) {
	db := s.db.WithContext(ctx)
	var lines []string
	if s.postgres {
		err := db.Raw(`SELECT concat_ws(' ', table_name, ordinal_position, column_name, data_type,
				character_maximum_length, is_nullable, column_default)
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'`).
			Scan(&lines).Error
		if err != nil {
			return nil, err
		}
		var idx []string
		err = db.Raw(`SELECT tablename || ' ' || replace(indexdef, current_schema() || '.', '')
			FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`).Scan(&idx).Error
		lines = append(lines, idx...)
	} else {
		var err error
		if lines, err = s.sqliteShape(db); err != nil {
			return nil, err
		}
	}
	slices.Sort(lines)
	return lines, nil
}

func (s *Store) sqliteShape(db *gorm.DB) ([]string, error) {
	var tables, lines []string
	err := db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name <> 'schema_migrations'`).Scan(&tables).Error
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var cols []string
		err := db.Raw(`SELECT ? || ' ' || cid || ' ' || name || ' ' || type || ' ' || "notnull" || ' ' ||
			ifnull(dflt_value, 'NULL') || ' ' || pk FROM pragma_table_info(?)`, t, t).
			Scan(&cols).Error
		if err != nil {
			return nil, err
		}
		var idx []string
		err = db.Raw(`SELECT ? || ' ' || l.name || ' ' || l."unique" || ' ' || l.origin || ' ' || l.partial || ' ' ||
				(SELECT group_concat(i.name, ',') FROM pragma_index_info(l.name) i)
			FROM pragma_index_list(?) l`, t, t).Scan(&idx).Error
		if err != nil {
			return nil, err
		}
		lines = append(append(lines, cols...), idx...)
	}
	return lines, nil
}

// Load reads the row of model dst whose id is id, through gorm, as the
// store's own queries would.
func (s *Store) Load(ctx context.Context, dst any, id string) error {
	return s.db.WithContext(ctx).First(dst, "id = ?", id).Error
}

// MigrateTo applies the migrations up to version only, as a release that
// shipped no later ones would.
func (s *Store) MigrateTo(ctx context.Context, version int) error {
	migs, err := migrationsFor(s.dialect())
	if err != nil {
		return err
	}
	migs = slices.DeleteFunc(migs, func(m migration) bool { return m.Version > version })
	for {
		done, err := s.migrateStep(ctx, migs)
		if err != nil || done {
			return err
		}
	}
}

// SetResealBatch makes ResealAll read n rows at a time, so that the
// conformance cases cross batch boundaries.
func SetResealBatch(s *Store, n int) { s.resealBatch = n }
