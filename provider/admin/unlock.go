package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// UnlockResult is what Unlock did.
type UnlockResult struct {
	User *store.User
	// WasLocked is true when a password/answer lock was in force.
	WasLocked bool
	// StillOTPLocked is true when the user remains locked for passcodes:
	// only a device reset lifts that lock.
	StillOTPLocked bool
}

// Unlock lifts the temporary password/answer lock of the account's
// unknown browsers and clears their failure count and their count toward
// the bound (after which they need an emailed sign-in link); known
// browsers keep their own budgets. The passcode lock is left: that takes
// ResetDevice.
func (s *Service) Unlock(ctx context.Context, actor, username string) (*UnlockResult, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	res := &UnlockResult{User: u, WasLocked: u.LoginLockedUntil > s.store.Now().Unix(), StillOTPLocked: u.OTPLocked}
	detail := "no password/answer lock was in place; failure count cleared"
	if res.WasLocked {
		detail = "password/answer lock until " + time.Unix(u.LoginLockedUntil, 0).UTC().Format(time.RFC3339) +
			" lifted; failure count cleared"
	}
	if u.UnknownFailures > 0 {
		detail += fmt.Sprintf("; %d consecutive failures from unknown browsers cleared", u.UnknownFailures)
	}
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error { return s.userUpdate(s.store.Unlock(ctx, u.ID), u) },
		event: userEvent(store.EventUnlock, u, detail),
	})
	if err != nil {
		return nil, err
	}
	u.LoginFailures, u.LoginLockLevel, u.LoginLockedUntil, u.UnknownFailures = 0, 0, 0, 0
	return res, nil
}

// UnlockPasscode lifts the passcode lock and keeps the device: for an
// administrator who has confirmed with the person that the failures were
// theirs (a phone clock, a wrong account in the app). Whoever failed the
// passcodes had passed the password and answer; when that may not have
// been the person, ResetDevice (and new credentials) is the answer instead.
func (s *Service) UnlockPasscode(ctx context.Context, actor, username string) (*UnlockResult, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	res := &UnlockResult{User: u, WasLocked: u.OTPLocked}
	detail := "no passcode lock was in place; passcode failure count cleared; device kept"
	if u.OTPLocked {
		detail = fmt.Sprintf("passcode lock lifted after %d failed passcodes; device kept", u.OTPFailures)
	}
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error { return s.userUpdate(s.store.UnlockOTP(ctx, u.ID), u) },
		event: userEvent(store.EventUnlockOTP, u, detail),
	})
	if err != nil {
		return nil, err
	}
	u.OTPFailures, u.OTPLocked = 0, false
	return res, nil
}
