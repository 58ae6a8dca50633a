package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// signingKeyLockID is the PostgreSQL advisory lock key that serialises key
// rotations.
const signingKeyLockID = migrationLockID + 1

// AddSigningKey stores a new signing key and retires every older one, in
// one transaction, so there is always exactly one active key. Rotations are
// serialised (IMMEDIATE on SQLite, an advisory lock on PostgreSQL): under
// READ COMMITTED two concurrent rotations would not see each other's new
// key and both would stay active.
func (s *Store) AddSigningKey(ctx context.Context, k *SigningKey) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", signingKeyLockID).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&SigningKey{}).Where("retired_at IS NULL").
			Update("retired_at", s.now()).Error; err != nil {
			return err
		}
		return tx.Create(k).Error
	})
	if err != nil {
		return fmt.Errorf("add signing key: %w", err)
	}
	return nil
}

// AddFirstSigningKey stores k only if there is no signing key at all, under
// the same lock as AddSigningKey, so that replicas starting together on an
// empty database agree on one first key (each would otherwise create its
// own and publish a key set the others do not know yet). It reports
// whether k was stored.
func (s *Store) AddFirstSigningKey(ctx context.Context, k *SigningKey) (bool, error) {
	added := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", signingKeyLockID).Error; err != nil {
				return err
			}
		}
		var n int64
		if err := tx.Model(&SigningKey{}).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		added = true
		return tx.Create(k).Error
	})
	if err != nil {
		return false, fmt.Errorf("add first signing key: %w", err)
	}
	return added, nil
}

// SigningKeys returns every stored key, newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	var keys []SigningKey
	if err := s.db.WithContext(ctx).Order("created_at DESC, id").Find(&keys).Error; err != nil {
		return nil, fmt.Errorf("load signing keys: %w", err)
	}
	return keys, nil
}

// DeleteSigningKeysRetiredBefore removes keys retired long enough ago that no
// token signed with them can still be valid.
func (s *Store) DeleteSigningKeysRetiredBefore(ctx context.Context, before time.Time) error {
	return s.db.WithContext(ctx).Where("retired_at IS NOT NULL AND retired_at < ?", before).
		Delete(&SigningKey{}).Error
}
