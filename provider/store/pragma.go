package store

import (
	"context"
	"errors"
	"fmt"
)

// Pragma reads one SQLite pragma (for example "busy_timeout") through the
// store's own connection pool. Most of the settings otpgate relies on are
// per connection, so they can only be checked this way. It fails on
// PostgreSQL and for names that are not plain lower-case identifiers.
func (s *Store) Pragma(ctx context.Context, name string) (string, error) {
	if s.postgres {
		return "", errors.New("pragma: not a SQLite database")
	}
	if !isPragmaName(name) {
		return "", fmt.Errorf("pragma: invalid name %q", name)
	}
	var value string
	if err := s.db.WithContext(ctx).Raw("PRAGMA " + name).Row().Scan(&value); err != nil {
		return "", fmt.Errorf("pragma %s: %w", name, err)
	}
	return value, nil
}

func isPragmaName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}
