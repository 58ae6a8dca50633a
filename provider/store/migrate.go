package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// migrationLockID is the PostgreSQL advisory lock key that serialises
// migrations of replicas starting together ("otpgate" in ASCII).
const migrationLockID = 0x6f7470676174

// ErrSchemaTooNew is returned (wrapped, in a one-line message naming both
// versions) by Migrate when the database was migrated by a newer otpgate
// than this one: running on it could corrupt data the newer schema keeps.
var ErrSchemaTooNew = errors.New("upgrade otpgate")

// historyTable records every applied migration: version, name, applied_at.
const historyTable = "schema_migrations"

// The history table's definition, per dialect. It is not a migration
// itself: a database of the release before versioned migrations has no
// history, and gets this table when it is adopted.
const (
	historyDDLSQLite = `CREATE TABLE schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at datetime NOT NULL
)`
	historyDDLPostgres = `CREATE TABLE schema_migrations (
    version integer PRIMARY KEY,
    name varchar(255) NOT NULL,
    applied_at timestamptz NOT NULL
)`
)

// initialTables are the tables of migration 0001, the schema the release
// before versioned migrations created with gorm's AutoMigrate.
var initialTables = []string{"users", "clients", "flows", "sessions", "access_tokens", "refresh_tokens",
	"signing_keys", "devices", "recovery_codes", "audit_events", "link_tokens"}

// Migrate brings the schema to the latest version this otpgate knows by
// applying, in order, the embedded migrations the database lacks.
//
// Invariants: each migration is applied at most once, in one transaction
// together with its row in schema_migrations, while holding the migration
// lock (an advisory transaction lock on PostgreSQL, the IMMEDIATE write
// transaction on SQLite), so replicas starting together apply it exactly
// once between them. A database of the release before versioned migrations
// (its tables, no history) is adopted at version 1 without running 0001 and
// without touching its rows. A database at a newer version than this
// otpgate knows is refused with ErrSchemaTooNew, and left alone.
func (s *Store) Migrate(ctx context.Context) error {
	migs, err := migrationsFor(s.dialect())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for {
		done, err := s.migrateStep(ctx, migs)
		if err != nil {
			return err
		}
		if done {
			return s.fillUsernameSkeletons(ctx)
		}
	}
}

// migrateStep applies the first migration the database lacks in one
// locked transaction; done reports that the database was already at the
// latest version.
func (s *Store) migrateStep(ctx context.Context, migs []migration) (done bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrationLockID).Error; err != nil {
				return fmt.Errorf("migrate: take lock: %w", err)
			}
		}
		if !tx.Migrator().HasTable(historyTable) {
			ddl := historyDDLSQLite
			if s.postgres {
				ddl = historyDDLPostgres
			}
			if err := tx.Exec(ddl).Error; err != nil {
				return fmt.Errorf("migrate: create %s: %w", historyTable, err)
			}
		}
		v, err := schemaVersion(tx)
		if err != nil {
			return err
		}
		latest := 0
		if len(migs) > 0 {
			latest = migs[len(migs)-1].Version
		}
		switch {
		case v > latest:
			return fmt.Errorf("database schema is at version %d, newer than this otpgate knows (%d): %w", v, latest, ErrSchemaTooNew)
		case v == latest:
			done = true
			return nil
		}
		for _, m := range migs {
			if m.Version > v {
				return s.apply(tx, m)
			}
		}
		return nil
	})
	return done, err
}

// apply runs one migration and records it. Migration 1 on a database that
// already has the previous release's tables only records it (adoption).
func (s *Store) apply(tx *gorm.DB, m migration) error {
	adopt := false
	if m.Version == 1 {
		var err error
		if adopt, err = previousRelease(tx); err != nil {
			return err
		}
	}
	if !adopt {
		for i, stmt := range statements(m.SQL) {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("migrate %s: statement %d: %w", m.Name, i+1, err)
			}
		}
	}
	err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, s.Now()).Error
	if err != nil {
		return fmt.Errorf("migrate %s: record: %w", m.Name, err)
	}
	return nil
}

// previousRelease reports whether the database holds the schema of the
// release before versioned migrations: all of its tables (adopt them), or
// none (an empty database). Some but not all is refused: that is not a
// database otpgate made.
func previousRelease(tx *gorm.DB) (bool, error) {
	var have, lack []string
	for _, t := range initialTables {
		if tx.Migrator().HasTable(t) {
			have = append(have, t)
		} else {
			lack = append(lack, t)
		}
	}
	if len(have) > 0 && len(lack) > 0 {
		return false, fmt.Errorf("migrate: the database has some of otpgate's tables (%v) but not %v: it was not made by otpgate",
			have, lack)
	}
	return len(lack) == 0, nil
}

// SchemaVersion is the version of the latest migration applied to the
// database; 0 for a database without migration history.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	if !db.Migrator().HasTable(historyTable) {
		return 0, nil
	}
	return schemaVersion(db)
}

func schemaVersion(db *gorm.DB) (int, error) {
	var v int
	if err := db.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func (s *Store) dialect() string {
	if s.postgres {
		return "postgres"
	}
	return "sqlite"
}
