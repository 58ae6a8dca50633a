package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store is otpgate's database. It is safe for concurrent use.
type Store struct {
	db       *gorm.DB
	postgres bool
	// statements counts what is sent to the database (Statements).
	statements *statementCounter
	// clients keeps client rows read recently (ClientByID).
	clients clientCache
	// builtIn are otpgate's own relying parties (SetBuiltInClients).
	builtIn atomic.Pointer[map[string]Client]
	// Clock is the time source; tests replace it.
	Clock func() time.Time
	// resealBatch is how many rows ResealAll reads at once (0: the
	// default); the tests make it small.
	resealBatch int
}

// Open connects to the database named by driver ("sqlite" or "postgres")
// and dsn (a file path for SQLite, a URL for PostgreSQL). It does not
// migrate; call Migrate.
func Open(driver, dsn string) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	}
	var (
		db  *gorm.DB
		err error
	)
	switch driver {
	case "sqlite":
		path, perr := sqlitePath(dsn)
		if perr != nil {
			return nil, perr
		}
		// The driver keeps each statement's compiled form with its
		// sql.Stmt, so prepared statements spare SQLite's parser on every
		// request; PostgreSQL's driver caches statements of its own.
		cfg.PrepareStmt = true
		cfg.PrepareStmtMaxSize = 512
		db, err = gorm.Open(sqlite.Open(sqliteDSN(path)), cfg)
	case "postgres":
		db, err = gorm.Open(postgres.Open(dsn), cfg)
	default:
		return nil, fmt.Errorf("open database: unknown driver %q", driver)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if driver == "sqlite" {
		// One writer at a time is SQLite's model; a small pool keeps
		// readers concurrent while writers queue on the busy timeout.
		sqlDB.SetMaxOpenConns(8)
		// A connection idle this long closes, and its page cache (outside
		// Go's heap) goes with it: a burst leaves no eight caches behind.
		sqlDB.SetConnMaxIdleTime(15 * time.Second)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, postgres: driver == "postgres", statements: &statementCounter{},
		Clock: func() time.Time { return time.Now().UTC() }}
	if err := s.statements.register(db); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return s, nil
}

func sqlitePath(dsn string) (string, error) {
	if dsn == "" {
		return "", errors.New("open database: empty SQLite path")
	}
	if strings.HasPrefix(dsn, "file:") || strings.Contains(dsn, "?") {
		return "", fmt.Errorf("open database: give the SQLite database as a plain file path, not %q", dsn)
	}
	if dir := filepath.Dir(dsn); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("open database: %w", err)
		}
	}
	return dsn, nil
}

// sqliteDSN turns a file path into a DSN with the settings otpgate relies
// on: WAL, a busy timeout, full fsync, foreign keys, and IMMEDIATE
// transactions so that a read-then-write transaction never fails to upgrade
// its lock.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Now is the store's current time, in UTC.
func (s *Store) Now() time.Time { return s.Clock().UTC() }

func (s *Store) now() time.Time { return s.Now() }

// notFound maps gorm's not-found error onto ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// conflict maps unique-constraint violations onto ErrConflict.
func conflict(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrConflict
	}
	return err
}

// SQLDB is the connection pool, for pool metrics.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }
