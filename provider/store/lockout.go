package store

import (
	"context"
	"fmt"
	"time"
)

// maxLockSeconds caps the doubling password/answer lock at one hour.
const maxLockSeconds = 3600

// LoginCounters is the password/answer lockout state after an update.
type LoginCounters struct {
	Failures    int
	LockLevel   int
	LockedUntil int64 // unix seconds; 0 or past means not locked
	// Refused: the account was locked before this attempt, so it was not
	// counted (and the lock was not extended).
	Refused bool
}

// LoginLocked reports whether the password/answer lock holds at now.
func (c LoginCounters) LoginLocked(now time.Time) bool { return c.LockedUntil > now.Unix() }

// RecordLoginFailure counts one wrong password or answer in a single
// statement: the threshold-th consecutive failure locks the account for
// 60 s × 2^level (at most an hour) and starts a new count. An attempt
// while locked changes nothing and comes back Refused.
func (s *Store) RecordLoginFailure(ctx context.Context, userID string, threshold int) (LoginCounters, error) {
	now := s.now().Unix()
	var rows []LoginCounters
	err := s.db.WithContext(ctx).Raw(`UPDATE users SET
		login_failures = CASE WHEN login_failures + 1 >= ? THEN 0 ELSE login_failures + 1 END,
		login_locked_until = CASE WHEN login_failures + 1 >= ?
			THEN ? + CASE WHEN login_lock_level >= 6 THEN ? ELSE CAST(60 AS BIGINT) << CAST(login_lock_level AS INTEGER) END
			ELSE login_locked_until END,
		login_lock_level = CASE WHEN login_failures + 1 >= ? THEN login_lock_level + 1 ELSE login_lock_level END
		WHERE id = ? AND login_locked_until <= ?
		RETURNING login_failures AS failures, login_lock_level AS lock_level, login_locked_until AS locked_until`,
		threshold, threshold, now, maxLockSeconds, threshold, userID, now).Scan(&rows).Error
	if err != nil {
		return LoginCounters{}, fmt.Errorf("record login failure: %w", err)
	}
	if len(rows) == 0 {
		c, err := s.loginCounters(ctx, userID)
		c.Refused = true
		return c, err
	}
	return rows[0], nil
}

func (s *Store) loginCounters(ctx context.Context, userID string) (LoginCounters, error) {
	var u User
	if err := s.db.WithContext(ctx).Select("login_failures", "login_lock_level", "login_locked_until").
		First(&u, "id = ?", userID).Error; err != nil {
		return LoginCounters{}, notFound(err)
	}
	return LoginCounters{Failures: u.LoginFailures, LockLevel: u.LoginLockLevel, LockedUntil: u.LoginLockedUntil}, nil
}

// RecordLoginSuccess resets the password/answer count and lock level
// (only when not locked: a lock is never lifted by guessing right).
func (s *Store) RecordLoginSuccess(ctx context.Context, userID string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE users SET login_failures = 0, login_lock_level = 0
		WHERE id = ? AND login_locked_until <= ? AND (login_failures <> 0 OR login_lock_level <> 0)`,
		userID, s.now().Unix()).Error
	if err != nil {
		return fmt.Errorf("record login success: %w", err)
	}
	return nil
}

// OTPCounters is the passcode lockout state after an update.
type OTPCounters struct {
	Failures int
	Locked   bool
	// Refused: the account was already locked; nothing was counted.
	Refused bool
}

// RecordOTPFailure counts one wrong passcode (or recovery code or proof)
// in a single statement; the threshold-th consecutive one locks the
// account until an administrator resets the device.
func (s *Store) RecordOTPFailure(ctx context.Context, userID string, threshold int) (OTPCounters, error) {
	var rows []OTPCounters
	err := s.db.WithContext(ctx).Raw(`UPDATE users SET
		otp_failures = otp_failures + 1,
		otp_locked = CASE WHEN otp_failures + 1 >= ? THEN TRUE ELSE FALSE END
		WHERE id = ? AND otp_locked = FALSE
		RETURNING otp_failures AS failures, otp_locked AS locked`, threshold, userID).Scan(&rows).Error
	if err != nil {
		return OTPCounters{}, fmt.Errorf("record passcode failure: %w", err)
	}
	if len(rows) == 0 {
		var u User
		if err := s.db.WithContext(ctx).Select("otp_failures", "otp_locked").First(&u, "id = ?", userID).Error; err != nil {
			return OTPCounters{}, notFound(err)
		}
		return OTPCounters{Failures: u.OTPFailures, Locked: u.OTPLocked, Refused: true}, nil
	}
	return rows[0], nil
}

// RecordOTPSuccess resets the passcode count of an unlocked account.
func (s *Store) RecordOTPSuccess(ctx context.Context, userID string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE users SET otp_failures = 0
		WHERE id = ? AND otp_locked = FALSE AND otp_failures <> 0`, userID).Error
	if err != nil {
		return fmt.Errorf("record passcode success: %w", err)
	}
	return nil
}

// Unlock lifts the password/answer lock and clears its count.
func (s *Store) Unlock(ctx context.Context, userID string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET login_failures = 0, login_lock_level = 0,
		login_locked_until = 0 WHERE id = ?`, userID)
	if res.Error != nil {
		return fmt.Errorf("unlock: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
