package store

import (
	"context"
	"fmt"
	"time"
)

// AddressFailure counts the failed sign-in posts from one client address
// (AddressKey, a hash of it) in the window that began at WindowStart (unix
// seconds).
type AddressFailure struct {
	AddressKey  string `gorm:"primaryKey;size:64"`
	WindowStart int64  `gorm:"not null;default:0"`
	Failures    int64  `gorm:"not null;default:0"`
}

// AddressFailures is the number of failed sign-in posts from key in the
// current window (0 once window has passed since it began).
func (s *Store) AddressFailures(ctx context.Context, key string, window time.Duration) (int64, error) {
	if !lookupable(key) {
		return 0, nil
	}
	var rows []AddressFailure
	cutoff := s.now().Add(-window).Unix()
	err := s.db.WithContext(ctx).Where("address_key = ? AND window_start > ?", key, cutoff).Limit(1).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("address failures: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].Failures, nil
}

// RecordAddressFailure counts one failed sign-in post from key: in the
// current window, or as the first of a new one when window has passed
// since the current one began. One statement decides, so racing failures
// from many replicas are all counted.
func (s *Store) RecordAddressFailure(ctx context.Context, key string, window time.Duration) error {
	if !lookupable(key) {
		return nil
	}
	now := s.now().Unix()
	cutoff := now - int64(window/time.Second)
	err := s.db.WithContext(ctx).Exec(`INSERT INTO address_failures (address_key, window_start, failures) VALUES (?, ?, 1)
		ON CONFLICT (address_key) DO UPDATE SET
		failures = CASE WHEN address_failures.window_start <= ? THEN 1 ELSE address_failures.failures + 1 END,
		window_start = CASE WHEN address_failures.window_start <= ? THEN ? ELSE address_failures.window_start END`,
		key, now, cutoff, cutoff, now).Error
	if err != nil {
		return fmt.Errorf("record address failure: %w", err)
	}
	return nil
}
