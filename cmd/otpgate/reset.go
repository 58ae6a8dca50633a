package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/otpgate/otpgate/provider/admin"
)

// userResetOTP removes a user's device and recovery codes, clears the
// passcode lock, revokes every session and token, and prints a one-time
// enrollment code that the user must present before enrolling again.
func (c *cli) userResetOTP(ctx context.Context, args []string) error {
	const cmd = "user reset-otp"
	fs := c.flags(cmd)
	lifetime := fs.Duration("proof-lifetime", admin.DefaultProofLifetime, "how long the enrollment code stays valid")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if err := admin.CheckProofLifetime(*lifetime); err != nil {
		return adminError(cmd, "", err)
	}
	return c.userAction(ctx, cmd, pos, true, func(svc *admin.Service, _ *runtime, name string) error {
		res, err := svc.ResetDevice(ctx, c.auditActor(), name, *lifetime)
		if res == nil {
			return err
		}
		fmt.Fprintf(c.stdout, "device of %s reset; sessions and tokens revoked\n", res.User.Username)
		return c.handOverCode(res, err, "the device was reset and the code above is valid")
	})
}

// handOverCode prints, once, the enrollment code of res for the
// administrator to pass on, and whether a link was also mailed; err is the
// action's, whose failed mail is reported after valid (what holds even so).
func (c *cli) handOverCode(res *admin.ResetResult, err error, valid string) error {
	u := res.User
	if _, perr := fmt.Fprintf(c.stdout, "enrollment code for %s (give it to them; shown once, valid until %s): %s\n",
		u.Username, displayTime(res.ValidUntil), res.EnrollmentCode); perr != nil {
		return perr
	}
	if res.Mailed {
		if _, perr := fmt.Fprintf(c.stdout, "an enrollment link was also mailed to %s\n", u.Email); perr != nil {
			return perr
		}
	}
	var mailErr *admin.MailError
	if errors.As(err, &mailErr) {
		return fmt.Errorf("%s, but the enrollment mail failed: %w", valid, mailErr.Err)
	}
	return err
}

// userUnlock lifts the temporary password/answer lock. The passcode lock
// is not lifted here: that takes a device reset.
func (c *cli) userUnlock(ctx context.Context, args []string) error {
	const cmd = "user unlock"
	fs := c.flags(cmd)
	passcode := fs.Bool("passcode", false, "also lift the passcode lock and keep the device (only when you know the failed passcodes were the person's own)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	return c.userAction(ctx, cmd, pos, false, func(svc *admin.Service, _ *runtime, name string) error {
		res, err := svc.Unlock(ctx, c.auditActor(), name)
		if err != nil {
			return err
		}
		u := res.User
		fmt.Fprintf(c.stdout, "unlocked %s\n", u.Username)
		if !res.StillOTPLocked {
			return nil
		}
		if !*passcode {
			fmt.Fprintf(c.stdout, "%s is still locked for passcodes; reset the device with otpgate user reset-otp %s, "+
				"or, if the failed passcodes were %s's own, lift it with otpgate user unlock --passcode %s\n",
				u.Username, u.Username, u.Username, u.Username)
			return nil
		}
		if _, err := svc.UnlockPasscode(ctx, c.auditActor(), name); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "lifted the passcode lock of %s; the device is kept. Whoever failed the passcodes knew the password and the answer: "+
			"if that may not have been %s, reset the device and set a temporary password instead\n", u.Username, u.Username)
		return nil
	})
}

// displayTime is how show and reset print a moment.
func displayTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") }
