package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Remembered browsers let a browser skip the passcode of its account's
// later sign-ins until they expire. A row is usable only while its account
// has a device, is enabled and is not locked by passcodes; it is deleted
// in the transaction of every device reset, device enrollment and
// password change (forgetBrowsers), and the finish of a sign-in that
// skipped its passcode checks the row in its own transaction (FinishFlow),
// so a revocation either comes after that finish or refuses it.

// maxRememberedPerUser bounds the remembered browsers of one account: a
// new one beyond it replaces the least recently used.
const maxRememberedPerUser = 20

// usableRemembered is the condition (on a remembered_browsers row aliased
// rb) that makes it stand in for a passcode at now (the one argument).
const usableRemembered = `rb.expires_at > ?
	AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = rb.user_id AND d.id = rb.device_id)
	AND EXISTS (SELECT 1 FROM users u WHERE u.id = rb.user_id AND u.disabled = ? AND u.otp_locked = ?)`

// AddRememberedBrowser stores b (its ID is made here when empty), created
// and last used now, in one transaction that also drops the account's
// expired rows and keeps at most maxRememberedPerUser. An account that
// has no device, or another device than b.DeviceID (it was reset or
// replaced meanwhile), remembers nothing (ErrStale).
func (s *Store) AddRememberedBrowser(ctx context.Context, b *RememberedBrowser) error {
	if !lookupable(b.UserID, b.TokenHash, b.DeviceID) || !b.ExpiresAt.After(s.now()) {
		return ErrStale
	}
	if b.ID == "" {
		b.ID = newRowID()
	}
	now := s.now()
	b.CreatedAt, b.LastUsedAt = now, now
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO remembered_browsers (id, token_hash, user_id, device_id, client_id, label, created_at, expires_at, last_used_at)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE user_id = ? AND id = ?)`,
			b.ID, b.TokenHash, b.UserID, b.DeviceID, b.ClientID, b.Label, now, b.ExpiresAt, now, b.UserID, b.DeviceID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		if err := tx.Where("user_id = ? AND expires_at <= ?", b.UserID, now).Delete(&RememberedBrowser{}).Error; err != nil {
			return err
		}
		var keep []string
		if err := tx.Model(&RememberedBrowser{}).Where("user_id = ?", b.UserID).
			Order("last_used_at DESC, id").Limit(maxRememberedPerUser).Pluck("id", &keep).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ? AND id NOT IN ?", b.UserID, keep).Delete(&RememberedBrowser{}).Error
	})
	if errors.Is(err, ErrStale) {
		return err
	}
	if err != nil {
		return fmt.Errorf("remember browser for passcodes: %w", err)
	}
	return nil
}

// RememberedBrowserUsable reports whether tokenHash names a remembered
// browser of userID that may stand in for a passcode now.
func (s *Store) RememberedBrowserUsable(ctx context.Context, userID, tokenHash string) (bool, error) {
	if !lookupable(userID, tokenHash) {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM remembered_browsers rb
		WHERE rb.token_hash = ? AND rb.user_id = ? AND `+usableRemembered,
		tokenHash, userID, s.now(), false, false).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("look up remembered browser: %w", err)
	}
	return n == 1, nil
}

// useRemembered records, inside tx, that the remembered browser tokenHash
// of userID stood in for a passcode at now: one conditional update that
// holds the row until tx ends (a concurrent revocation waits for it, or
// wins and this one changes nothing: ErrStale).
func useRemembered(tx *gorm.DB, userID, tokenHash string, now time.Time) error {
	res := tx.Exec(`UPDATE remembered_browsers SET last_used_at = ?
		WHERE token_hash = ? AND user_id = ? AND EXISTS (SELECT 1 FROM remembered_browsers rb
			WHERE rb.id = remembered_browsers.id AND `+usableRemembered+`)`,
		now, tokenHash, userID, now, false, false)
	if res.Error != nil {
		return fmt.Errorf("use remembered browser: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}

// RememberedBrowsers lists userID's remembered browsers that have not
// expired, most recently used first.
func (s *Store) RememberedBrowsers(ctx context.Context, userID string) ([]RememberedBrowser, error) {
	var out []RememberedBrowser
	if !lookupable(userID) {
		return out, nil
	}
	err := s.db.WithContext(ctx).Where("user_id = ? AND expires_at > ?", userID, s.now()).
		Order("last_used_at DESC, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list remembered browsers: %w", err)
	}
	return out, nil
}

// RevokeRememberedBrowser forgets userID's remembered browser id;
// ErrNotFound when userID has none by that id (another account's is not
// found either).
func (s *Store) RevokeRememberedBrowser(ctx context.Context, userID, id string) error {
	if !lookupable(userID, id) {
		return ErrNotFound
	}
	res := s.db.WithContext(ctx).Where("user_id = ? AND id = ?", userID, id).Delete(&RememberedBrowser{})
	if res.Error != nil {
		return fmt.Errorf("revoke remembered browser: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// RevokeRememberedBrowsers forgets every remembered browser of userID and
// reports how many there were.
func (s *Store) RevokeRememberedBrowsers(ctx context.Context, userID string) (int64, error) {
	res := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&RememberedBrowser{})
	if res.Error != nil {
		return 0, fmt.Errorf("revoke remembered browsers: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// forgetBrowsers deletes userID's remembered browsers inside tx: part of
// every device reset, enrollment and password change.
func forgetBrowsers(tx *gorm.DB, userID string) error {
	if err := tx.Where("user_id = ?", userID).Delete(&RememberedBrowser{}).Error; err != nil {
		return fmt.Errorf("forget remembered browsers: %w", err)
	}
	return nil
}
