package store

import (
	"context"
	"fmt"
	"time"

	"github.com/otpgate/otpgate/mfa"
)

// staleRunSeconds: a run of reservations stuck at the threshold this long
// after its last reservation was left by a crash, not by requests in flight.
const staleRunSeconds = 30

// LoginCounters is the password/answer lockout state after an update.
type LoginCounters struct {
	Failures    int
	LockLevel   int
	LockedUntil int64 // unix seconds; 0 or past means not locked
	// Unknown is the count of consecutive failures from unknown browsers
	// toward the bound (budgets that count it only).
	Unknown int
	// Refused: the budget was locked (or at the bound) before this
	// attempt, so it was not counted (and the lock was not extended).
	Refused bool
	// AtBound: refused because the bound of failures from unknown
	// browsers is reached.
	AtBound bool
}

// LoginLocked reports whether the password/answer lock holds at now.
func (c LoginCounters) LoginLocked(now time.Time) bool { return c.LockedUntil > now.Unix() }

// Attempts are reserved before they are checked: ReserveLoginAttempt
// counts the attempt as a failure in one conditional statement, refusing it
// once the threshold is reached (or the account is locked), so that however
// many requests race, at most Threshold guesses are ever checked. A wrong
// guess is then confirmed (ConfirmLoginFailure, which locks at the
// threshold); a right password with a question still to come is released
// (ReleaseLoginAttempt); a full first-factor success resets the count.
//
// The length of a lock is the pure policy mfa.Lockout.LockFor; the store
// computes its end in Go and applies it with one statement that
// compares-and-swaps the lock level read with the run. Invariant: a run of
// failures that reached the threshold is locked exactly once (one
// statement's affected row decides the winner, whichever request or
// replica runs it), each lock at the next level, and an attempt while
// locked neither counts nor extends the lock.

// ReserveLoginAttempt reserves one password or answer check on the
// account's own row, without the bound (see Reserve). It returns the
// counters as this reservation left them (Failures is the attempt's
// number in the current run), or ok false when the account is locked or
// the threshold is reached (a run stuck at the threshold, say after a
// crash, is turned into a normal lock here).
func (s *Store) ReserveLoginAttempt(ctx context.Context, userID string, l mfa.Lockout) (LoginCounters, bool, error) {
	return s.Reserve(ctx, accountOnly(userID), LoginPolicy{Lockout: l})
}

// ConfirmLoginFailure records that a reserved attempt was wrong: the
// attempt that reached the threshold locks the account for
// l.LockFor(level) and starts a new run.
func (s *Store) ConfirmLoginFailure(ctx context.Context, userID string, l mfa.Lockout, reserved LoginCounters) (LoginCounters, error) {
	return s.Confirm(ctx, accountOnly(userID), l, reserved)
}

// ReleaseLoginAttempt gives back a reservation whose password was right
// while the security question is still to come.
func (s *Store) ReleaseLoginAttempt(ctx context.Context, userID string) error {
	return s.Release(ctx, accountOnly(userID))
}

// RecordLoginFailure reserves and confirms one wrong password or answer:
// the l.Threshold-th consecutive failure locks the account and starts a
// new run; an attempt while locked changes nothing and comes back Refused.
func (s *Store) RecordLoginFailure(ctx context.Context, userID string, l mfa.Lockout) (LoginCounters, error) {
	reserved, ok, err := s.ReserveLoginAttempt(ctx, userID, l)
	if err != nil || !ok {
		return reserved, err
	}
	return s.ConfirmLoginFailure(ctx, userID, l, reserved)
}

// RecordLoginSuccess resets the password/answer count and lock level
// (only when not locked: a lock is never lifted by guessing right).
func (s *Store) RecordLoginSuccess(ctx context.Context, userID string) error {
	return s.Succeed(ctx, accountOnly(userID))
}

// OTPCounters is the passcode lockout state after an update.
type OTPCounters struct {
	Failures int
	Locked   bool
	// Refused: the account was already locked; nothing was counted.
	Refused bool
}

// ReserveOTPAttempt reserves one check of a passcode, recovery code or
// enrollment proof, counting it as a failure in one conditional statement;
// ok is false when the account is locked or the threshold is reached (a
// run stuck at the threshold is locked here). At most threshold guesses are
// ever checked, however many requests race.
func (s *Store) ReserveOTPAttempt(ctx context.Context, userID string, threshold int) (int, bool, error) {
	var rows []int
	now := s.now().Unix()
	err := s.db.WithContext(ctx).Raw(`UPDATE users SET otp_failures = otp_failures + 1, otp_reserved_at = ?
		WHERE id = ? AND otp_locked = FALSE AND otp_failures < ?
		RETURNING otp_failures`, now, userID, threshold).Scan(&rows).Error
	if err != nil {
		return 0, false, fmt.Errorf("reserve passcode attempt: %w", err)
	}
	if len(rows) == 1 {
		return rows[0], true, nil
	}
	if _, err := s.lockOTP(ctx, userID, threshold, now-staleRunSeconds); err != nil {
		return 0, false, err
	}
	if _, err := s.otpCounters(ctx, userID); err != nil {
		return 0, false, err
	}
	return 0, false, nil
}

// ConfirmOTPFailure records that reserved attempt n was wrong; the attempt
// that reached the threshold locks the account until an administrator
// resets the device (Locked is reported to that attempt).
func (s *Store) ConfirmOTPFailure(ctx context.Context, userID string, threshold, n int) (OTPCounters, error) {
	if n < threshold {
		return OTPCounters{Failures: n}, nil
	}
	// Exactly one reservation reaches the threshold; it reports the lock,
	// whichever statement applied it.
	if _, err := s.lockOTP(ctx, userID, threshold, s.now().Unix()); err != nil {
		return OTPCounters{}, err
	}
	return OTPCounters{Failures: n, Locked: true}, nil
}

// lockOTP locks an account whose run of passcode failures reached the
// threshold and whose last reservation is not after reservedBefore.
func (s *Store) lockOTP(ctx context.Context, userID string, threshold int, reservedBefore int64) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET otp_locked = TRUE
		WHERE id = ? AND otp_locked = FALSE AND otp_failures >= ? AND otp_reserved_at <= ?`, userID, threshold, reservedBefore)
	if res.Error != nil {
		return false, fmt.Errorf("lock account: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (s *Store) otpCounters(ctx context.Context, userID string) (OTPCounters, error) {
	var u User
	if err := s.db.WithContext(ctx).Select("otp_failures", "otp_locked").First(&u, "id = ?", userID).Error; err != nil {
		return OTPCounters{}, notFound(err)
	}
	return OTPCounters{Failures: u.OTPFailures, Locked: u.OTPLocked}, nil
}

// RecordOTPFailure reserves and confirms one wrong passcode; the
// threshold-th consecutive one locks the account until an administrator
// resets the device; an attempt while locked comes back Refused.
func (s *Store) RecordOTPFailure(ctx context.Context, userID string, threshold int) (OTPCounters, error) {
	n, ok, err := s.ReserveOTPAttempt(ctx, userID, threshold)
	if err != nil {
		return OTPCounters{}, err
	}
	if !ok {
		c, err := s.otpCounters(ctx, userID)
		c.Refused = true
		return c, err
	}
	return s.ConfirmOTPFailure(ctx, userID, threshold, n)
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

// Unlock lifts the password/answer lock of unknown browsers, clears its
// count and the count toward the bound; known browsers keep theirs.
func (s *Store) Unlock(ctx context.Context, userID string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET login_failures = 0, login_lock_level = 0,
		login_locked_until = 0, unknown_failures = 0 WHERE id = ?`, userID)
	if res.Error != nil {
		return fmt.Errorf("unlock: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// UnlockOTP lifts the passcode lock and clears its count; the device stays
// (an administrator who knows the person still holds it).
func (s *Store) UnlockOTP(ctx context.Context, userID string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET otp_failures = 0, otp_locked = FALSE, otp_reserved_at = 0
		WHERE id = ?`, userID)
	if res.Error != nil {
		return fmt.Errorf("unlock passcode: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
