package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/otpgate/otpgate/mfa"
)

// The person's own changes on the account page. Each is one transaction;
// the ones that need a passcode take it in the same transaction as the
// change (CheckAccountPasscode), so that a code is accepted once and the
// change happens only with it.

// AccountChange is one change the person makes to their account, written
// in the transaction that accepted its proof. Its values are built by the
// sign-in service (RecoveryCodesChange, PasswordChange, QuestionChange).
type AccountChange interface {
	apply(tx *gorm.DB, userID string, now time.Time) error
}

// RecoveryCodesChange replaces every recovery code (used or not) with new
// ones, given as hashes: the old codes die with the same write.
type RecoveryCodesChange struct{ Hashes []string }

func (c RecoveryCodesChange) apply(tx *gorm.DB, userID string, now time.Time) error {
	return replaceRecoveryCodes(tx, userID, c.Hashes, now)
}

// PasswordChange replaces the password hash, only if it is still OldHash
// (the one the caller verified; ErrStale otherwise), and ends every other
// session of the person and revokes their tokens: KeepSession (this
// browser's) stays.
type PasswordChange struct {
	OldHash, NewHash string
	KeepSession      string
}

func (c PasswordChange) apply(tx *gorm.DB, userID string, now time.Time) error {
	res := tx.Model(&User{}).Where("id = ? AND password_hash = ?", userID, c.OldHash).
		Updates(map[string]any{"password_hash": c.NewHash, "must_change_password": false})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	// A new password asks for the passcode again in every browser.
	if err := forgetBrowsers(tx, userID); err != nil {
		return err
	}
	return revokeOthers(tx, userID, c.KeepSession, now)
}

// QuestionChange replaces the security question and its answer's hash.
type QuestionChange struct{ Question, AnswerHash string }

func (c QuestionChange) apply(tx *gorm.DB, userID string, _ time.Time) error {
	res := tx.Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"question": c.Question, "answer_hash": c.AnswerHash})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}

// DeviceOfferChange writes nothing: the passcode alone is spent, as the
// proof for a new device's key (which the sign-in service seals into the
// page, bound to the session and the current device).
type DeviceOfferChange struct{}

func (DeviceOfferChange) apply(*gorm.DB, string, time.Time) error { return nil }

// revokeOthers ends the user's sessions but keep and revokes every
// refresh and access token of the user.
func revokeOthers(tx *gorm.DB, userID, keep string, now time.Time) error {
	if err := tx.Where("user_id = ? AND id <> ?", userID, keep).Delete(&Session{}).Error; err != nil {
		return err
	}
	if err := tx.Model(&RefreshToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error; err != nil {
		return err
	}
	return tx.Model(&AccessToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", now).Error
}

// AccountPasscodeCheck is a passcode typed on the account page to prove a
// change.
type AccountPasscodeCheck struct {
	UserID string
	// Threshold is the sign-in's: that many consecutive wrong passcodes
	// lock the account. The account page counts on the same counter but
	// stops one short of it and never locks (AccountAttemptLimit).
	Threshold int
	// Verify is as in PasscodeCheck.
	Verify func(ctx context.Context, steps mfa.Store) error
	// Change is written in the same transaction when the code is accepted.
	Change AccountChange
}

// AccountAttemptLimit is how far the account page may run the passcode
// counter of an account whose sign-in locks at threshold: one short of
// the lock, so that a signed-in browser alone (a borrowed laptop) can
// never lock its owner out, while the guesses stay bounded by the same
// count (a new session needs a passcode).
func AccountAttemptLimit(threshold int) int { return threshold - 1 }

// CheckAccountPasscode is CheckPasscode for the account page: the attempt
// is reserved on the sign-in's passcode counter (below
// AccountAttemptLimit), the code checked and its time step recorded by one
// conditional update (accepted once, whichever page sees it first), and
// Change written, all in one transaction. A wrong code stays counted; the
// one that reaches the limit is Exhausted, and none locks. When Change
// finds its precondition gone (ErrStale), nothing is written.
func (s *Store) CheckAccountPasscode(ctx context.Context, c AccountPasscodeCheck) (PasscodeOutcome, error) {
	if !lookupable(c.UserID) {
		return PasscodeOutcome{}, ErrStale
	}
	var out PasscodeOutcome
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = PasscodeOutcome{}
		return s.reserveAndVerify(ctx, tx, c.UserID, AccountAttemptLimit(c.Threshold), false, c.Verify, &out, now, func(tx *gorm.DB) error {
			if err := tx.Exec(`UPDATE users SET otp_failures = 0 WHERE id = ?`, c.UserID).Error; err != nil {
				return err
			}
			return c.Change.apply(tx, c.UserID, now)
		})
	})
	return s.passcodeOutcome(ctx, c.UserID, c.Threshold, out, err, now)
}

// ReserveAccountOTPAttempt reserves one second-factor attempt of the
// account page (a recovery code) on the passcode counter, below
// AccountAttemptLimit(threshold); it never locks. n is the count with
// this attempt; ok is false when the account is locked or at the limit.
// A wrong attempt simply stays counted; a right one calls
// RecordOTPSuccess.
func (s *Store) ReserveAccountOTPAttempt(ctx context.Context, userID string, threshold int) (n int, ok bool, err error) {
	var rows []int
	err = s.db.WithContext(ctx).Raw(`UPDATE users SET otp_failures = otp_failures + 1, otp_reserved_at = ?
		WHERE id = ? AND otp_locked = FALSE AND otp_failures < ?
		RETURNING otp_failures`, s.now().Unix(), userID, AccountAttemptLimit(threshold)).Scan(&rows).Error
	if err != nil {
		return 0, false, fmt.Errorf("reserve account page attempt: %w", err)
	}
	if len(rows) == 0 {
		return 0, false, nil
	}
	return rows[0], true, nil
}

// reserveAndVerify is the heart of a passcode check in tx: reserve the
// attempt (out.Refused when the account is locked or at limit), check the
// code, and run accepted on success; a wrong code stays counted and, with
// lock, locks at limit (otherwise it is Exhausted there).
func (s *Store) reserveAndVerify(ctx context.Context, tx *gorm.DB, userID string, limit int, lock bool,
	verify func(context.Context, mfa.Store) error, out *PasscodeOutcome, now time.Time, accepted func(*gorm.DB) error) error {
	var rows []int
	err := tx.Raw(`UPDATE users SET otp_failures = otp_failures + 1, otp_reserved_at = ?
		WHERE id = ? AND otp_locked = FALSE AND otp_failures < ? RETURNING otp_failures`,
		now.Unix(), userID, limit).Scan(&rows).Error
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		out.Refused = true
		return nil
	}
	verr := verify(ctx, txSteps{tx: tx, s: s})
	switch {
	case verr == nil:
		return accepted(tx)
	case errors.Is(verr, mfa.ErrInvalid), errors.Is(verr, mfa.ErrReplayed):
		out.Rejected, out.Failures = verr, rows[0]
		if rows[0] < limit {
			return nil
		}
		if !lock {
			out.Exhausted = true
			return nil
		}
		out.Locked = true
		return tx.Exec(`UPDATE users SET otp_locked = TRUE WHERE id = ?`, userID).Error
	default:
		return verr
	}
}

// passcodeOutcome finishes a passcode check's answer after its
// transaction.
func (s *Store) passcodeOutcome(ctx context.Context, userID string, threshold int, out PasscodeOutcome, err error, now time.Time) (PasscodeOutcome, error) {
	if errors.Is(err, ErrStale) {
		return PasscodeOutcome{}, ErrStale
	}
	if err != nil {
		return PasscodeOutcome{}, fmt.Errorf("check passcode: %w", err)
	}
	if out.Refused {
		// A run stuck at the threshold by a crash between reserving and
		// confirming (recovery codes, proofs) is turned into a lock here.
		if _, err := s.lockOTP(ctx, userID, threshold, now.Unix()-staleRunSeconds); err != nil {
			return PasscodeOutcome{}, err
		}
	}
	return out, nil
}

// ChangeAccount writes a change that needs no passcode (the person has no
// device: the current password was the proof).
func (s *Store) ChangeAccount(ctx context.Context, userID string, c AccountChange) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return c.apply(tx, userID, now) })
	if err != nil && !errors.Is(err, ErrStale) {
		return fmt.Errorf("change account: %w", err)
	}
	return err
}

// Replacement is a verified new device that takes the place of the
// current one.
type Replacement struct {
	// OldDeviceID is the device the replacement was proven with: if it is
	// no longer the user's device (replaced meanwhile, reset), nothing is
	// written (ErrStale).
	OldDeviceID string
	Device      *Device
	CodeHashes  []string
	// KeepSession is this browser's session; the user's others end and
	// their tokens are revoked.
	KeepSession string
}

// ReplaceDevice swaps the user's device for r.Device in one transaction:
// the old device (and its secret) is deleted only if it is still
// r.OldDeviceID, the new one stored, the recovery codes replaced, the
// passcode count cleared, other sessions ended and tokens revoked.
func (s *Store) ReplaceDevice(ctx context.Context, r Replacement) error {
	now := s.now()
	userID := r.Device.UserID
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND user_id = ?", r.OldDeviceID, userID).Delete(&Device{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		if err := refuseLocked(tx, userID); err != nil {
			return err
		}
		if err := tx.Create(r.Device).Error; err != nil {
			return conflict(err)
		}
		if err := replaceRecoveryCodes(tx, userID, r.CodeHashes, now); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE users SET otp_failures = 0 WHERE id = ?`, userID).Error; err != nil {
			return err
		}
		// No browser remembered for the old device skips the new one.
		if err := forgetBrowsers(tx, userID); err != nil {
			return err
		}
		return revokeOthers(tx, userID, r.KeepSession, now)
	})
	if err != nil && !errors.Is(err, ErrStale) && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("replace device: %w", err)
	}
	return err
}

// EndOtherSessions ends every session of the user but keep and returns
// how many ended.
func (s *Store) EndOtherSessions(ctx context.Context, userID, keep string) (int64, error) {
	res := s.db.WithContext(ctx).Where("user_id = ? AND id <> ?", userID, keep).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("end other sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
