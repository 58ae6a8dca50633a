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

// AddSigningKeys stores new signing keys (a rotation: one per algorithm)
// and retires every older active key of their algorithms, in one
// transaction, so there is always exactly one active key per algorithm.
// Rotations are serialised (IMMEDIATE on SQLite, an advisory lock on
// PostgreSQL): under READ COMMITTED two concurrent rotations would not see
// each other's new keys and both would stay active.
func (s *Store) AddSigningKeys(ctx context.Context, keys ...*SigningKey) error {
	if len(keys) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", signingKeyLockID).Error; err != nil {
				return err
			}
		}
		algorithms := make([]string, 0, len(keys))
		for _, k := range keys {
			algorithms = append(algorithms, k.Algorithm)
		}
		if err := tx.Model(&SigningKey{}).Where("retired_at IS NULL AND algorithm IN ?", algorithms).
			Update("retired_at", s.now()).Error; err != nil {
			return err
		}
		return tx.Create(keys).Error
	})
	if err != nil {
		return fmt.Errorf("add signing keys: %w", err)
	}
	return nil
}

// AddFirstSigningKey stores k only if there is no signing key of its
// algorithm at all, under the same lock as AddSigningKeys, so that replicas
// starting together on a database without such a key agree on one first
// key (each would otherwise create its own and publish a key set the
// others do not know yet). It reports whether k was stored.
func (s *Store) AddFirstSigningKey(ctx context.Context, k *SigningKey) (bool, error) {
	added := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", signingKeyLockID).Error; err != nil {
				return err
			}
		}
		var n int64
		if err := tx.Model(&SigningKey{}).Where("algorithm = ?", k.Algorithm).Count(&n).Error; err != nil || n > 0 {
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

// SetSigningKeyCertificate stores cert as the certificate of key id only
// if the key has none yet, with one conditional statement, so that when
// replicas starting together each make a certificate for a key an earlier
// release stored, exactly one is kept and every replica reads that one. It
// reports whether cert was stored.
func (s *Store) SetSigningKeyCertificate(ctx context.Context, id, cert string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&SigningKey{}).Where("id = ? AND certificate = ''", id).
		Update("certificate", cert)
	if res.Error != nil {
		return false, fmt.Errorf("store signing key certificate: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
