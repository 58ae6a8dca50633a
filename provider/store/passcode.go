package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/otpgate/otpgate/mfa"
)

// PasscodeCheck is one passcode typed in a sign-in.
type PasscodeCheck struct {
	UserID, FlowID string
	// Threshold consecutive wrong passcodes lock the account until an
	// administrator resets the device.
	Threshold int
	// Verify checks the code, recording the accepted time step through
	// steps (bound to the transaction). nil accepts the code; mfa.ErrInvalid
	// or mfa.ErrReplayed reject it (counted); any other error aborts and
	// nothing is written.
	Verify func(ctx context.Context, steps mfa.Store) error
	// Finish, when set, finishes the flow with this result in the same
	// transaction, in place of marking its passcode step: the passcode was
	// the sign-in's last step. The accepted passcode is recorded with it.
	Finish *FlowResult
	// Budgeted: the attempt was reserved on a throttling budget (a typed
	// name's flow, FirstFactorTyped) and is not counted toward the
	// passcode lockout; a locked account rejects it (mfa.ErrInvalid)
	// without checking the code.
	Budgeted bool
}

// PasscodeOutcome is what a passcode check did.
type PasscodeOutcome struct {
	// Refused: the account was locked, or at its limit; nothing was checked.
	Refused bool
	// Rejected is why a wrong code was refused (mfa.ErrInvalid or
	// mfa.ErrReplayed); nil when the code was accepted or not checked.
	Rejected error
	// Failures is the count of consecutive wrong codes after a rejection.
	Failures int
	// Locked: this rejection reached the threshold and locked the account.
	Locked bool
	// Exhausted: this rejection used up the last attempt the account page
	// may make (CheckAccountPasscode, which never locks).
	Exhausted bool
}

// CheckPasscode reserves, checks and records one passcode in one
// transaction: the attempt is counted before the code is checked (so
// racing requests never check more than Threshold guesses); an accepted
// code advances the device's last step (one conditional update: a code is
// accepted once), clears the count and marks the flow's passcode step; a
// rejected one stays counted and the Threshold-th locks the account. If
// the flow is no longer the user's unfinished flow, nothing is written
// (ErrStale); a storage failure writes nothing (fail closed).
func (s *Store) CheckPasscode(ctx context.Context, c PasscodeCheck) (PasscodeOutcome, error) {
	if !lookupable(c.UserID, c.FlowID) {
		return PasscodeOutcome{}, ErrStale
	}
	var out PasscodeOutcome
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		out = PasscodeOutcome{}
		if c.Budgeted {
			return s.budgetedPasscode(ctx, tx, c, &out, now)
		}
		return s.reserveAndVerify(ctx, tx, c.UserID, c.Threshold, true, c.Verify, &out, now, func(tx *gorm.DB) error {
			return s.passcodeAccepted(tx, c, now)
		})
	})
	return s.passcodeOutcome(ctx, c.UserID, c.Threshold, out, err, now)
}

// budgetedPasscode is CheckPasscode's transaction for an attempt reserved
// elsewhere (PasscodeCheck.Budgeted): nothing counts here, and a locked
// account's code is rejected unchecked.
func (s *Store) budgetedPasscode(ctx context.Context, tx *gorm.DB, c PasscodeCheck, out *PasscodeOutcome, now time.Time) error {
	var locked []bool
	if err := tx.Raw(`SELECT otp_locked FROM users WHERE id = ?`, c.UserID).Scan(&locked).Error; err != nil {
		return err
	}
	if len(locked) == 0 || locked[0] {
		out.Rejected = mfa.ErrInvalid
		return nil
	}
	verr := c.Verify(ctx, txSteps{tx: tx, s: s})
	switch {
	case verr == nil:
		return s.passcodeAccepted(tx, c, now)
	case errors.Is(verr, mfa.ErrInvalid), errors.Is(verr, mfa.ErrReplayed):
		out.Rejected = verr
		return nil
	default:
		return verr
	}
}

// passcodeAccepted clears the count and marks the flow's passcode step,
// or finishes the flow (c.Finish).
func (s *Store) passcodeAccepted(tx *gorm.DB, c PasscodeCheck, now time.Time) error {
	if err := tx.Exec(`UPDATE users SET otp_failures = 0 WHERE id = ?`, c.UserID).Error; err != nil {
		return err
	}
	if c.Finish != nil {
		if c.Finish.UserID != c.UserID {
			return ErrStale
		}
		return finishFlow(tx, c.FlowID, *c.Finish, true, now, true)
	}
	res := tx.Model(&Flow{}).Where("id = ? AND user_id = ? AND done_at IS NULL", c.FlowID, c.UserID).
		Update("otp_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}

// txSteps records accepted time steps inside a transaction.
type txSteps struct {
	tx *gorm.DB
	s  *Store
}

func (t txSteps) AdvanceStep(_ context.Context, deviceID string, step int64) (bool, error) {
	return t.s.advanceStep(t.tx, deviceID, step)
}
