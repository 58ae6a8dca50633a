package store

import (
	"context"
	"fmt"
	"time"
)

// RememberBrowser records that the browser whose device cookie hashes to
// tokenHash finished a sign-in to userID now: it becomes (or stays) a
// known browser of the account, with its own counters, which are kept.
func (s *Store) RememberBrowser(ctx context.Context, userID, tokenHash string) error {
	now := s.now()
	err := s.db.WithContext(ctx).Exec(`INSERT INTO known_browsers (user_id, token_hash, created_at, last_used_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (user_id, token_hash) DO UPDATE SET last_used_at = excluded.last_used_at`,
		userID, tokenHash, now, now.Unix()).Error
	if err != nil {
		return fmt.Errorf("remember browser: %w", err)
	}
	return nil
}

// IsKnownBrowser reports whether tokenHash names a browser that finished
// a sign-in to userID within lifetime before now.
func (s *Store) IsKnownBrowser(ctx context.Context, userID, tokenHash string, lifetime time.Duration) (bool, error) {
	if tokenHash == "" {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&KnownBrowser{}).
		Where("user_id = ? AND token_hash = ? AND last_used_at >= ?", userID, tokenHash, s.now().Add(-lifetime).Unix()).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("look up known browser: %w", err)
	}
	return n == 1, nil
}

// AcceptSignInLink records, in one conditional write, that userID's
// emailed sign-in link was opened in flow flowID (an unfinished flow that
// has identified no account yet, or that account).
func (s *Store) AcceptSignInLink(ctx context.Context, flowID, userID string) error {
	res := s.db.WithContext(ctx).Model(&Flow{}).
		Where("id = ? AND done_at IS NULL AND (user_id IS NULL OR user_id = '' OR user_id = ?)", flowID, userID).
		Update("sign_in_link_user", userID)
	if res.Error != nil {
		return fmt.Errorf("accept sign-in link: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}

// DeleteStaleThrottles removes known browsers whose last sign-in is older
// than before, and the counters of names that are no account whose last
// attempt is older than before and that are not locked: the tables stay
// bounded by what was used recently.
func (s *Store) DeleteStaleThrottles(ctx context.Context, before time.Time) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("last_used_at < ?", before.Unix()).Delete(&KnownBrowser{}).Error; err != nil {
		return fmt.Errorf("delete stale known browsers: %w", err)
	}
	err := db.Where("login_reserved_at < ? AND login_locked_until < ?", before.Unix(), s.now().Unix()).Delete(&LoginThrottle{}).Error
	if err != nil {
		return fmt.Errorf("delete stale name counters: %w", err)
	}
	return nil
}
