package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/store"
)

// Enrollment codes (the proof a user presents before enrolling a new
// device after an administrator's reset) live this long by default, and
// at most maxProofLifetime.
const (
	defaultProofLifetime = 72 * time.Hour
	maxProofLifetime     = 30 * 24 * time.Hour
)

// userResetOTP removes a user's device and recovery codes, clears the
// passcode lock, revokes every session and token, and issues a one-time
// enrollment code that the user must present before enrolling again.
func (c *cli) userResetOTP(ctx context.Context, args []string) error {
	const cmd = "user reset-otp"
	fs := c.flags(cmd)
	lifetime := fs.Duration("proof-lifetime", defaultProofLifetime, "how long the enrollment code stays valid")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if *lifetime < time.Minute || *lifetime > maxProofLifetime {
		return fmt.Errorf("%s: --proof-lifetime must be between 1m and 720h (30 days)", cmd)
	}
	rt, u, err := c.loadUser(ctx, cmd, pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	codes, err := mfa.NewRecoveryCodes(rand.Reader, 1)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	proof := codes[0]
	hadDevice := true
	if _, err := rt.store.DeviceByUser(ctx, u.ID); errors.Is(err, store.ErrNotFound) {
		hadDevice = false
	} else if err != nil {
		return err
	}
	until := rt.store.Now().Add(*lifetime).Truncate(time.Second)
	if err := rt.store.AdminResetDevice(ctx, u.ID, rt.hasher.Hash(mfa.NormalizeRecoveryCode(proof)), until); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s: no user named %q", cmd, u.Username)
		}
		return err
	}
	detail := "device and recovery codes removed"
	if !hadDevice {
		detail = "no device was enrolled"
	}
	if u.OTPLocked {
		detail += "; passcode lock cleared"
	}
	detail += "; sessions and tokens revoked; enrollment code issued, valid until " + until.UTC().Format(time.RFC3339)
	if err := c.record(ctx, rt, cmd, userEvent(store.EventAdminResetOTP, u, detail)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "device of %s reset; sessions and tokens revoked\n", u.Username)
	return c.deliverProof(ctx, rt, u, proof, until)
}

// deliverProof hands the enrollment code of an administrator's reset to
// the user: it is printed (once) for the administrator to pass on, and when
// mail is on (or in development mode, where mail goes to the log) a
// single-use link with the same effect is mailed to the account's address.
func (c *cli) deliverProof(ctx context.Context, rt *runtime, u *store.User, proof string, until time.Time) error {
	if _, err := fmt.Fprintf(c.stdout, "enrollment code for %s (give it to them; shown once, valid until %s): %s\n",
		u.Username, displayTime(until), proof); err != nil {
		return err
	}
	sender, err := newMailer(rt.cfg, rt.log)
	if err != nil || sender == nil || u.Email == "" {
		return err
	}
	token := credential.NewToken()
	now := rt.store.Now()
	if err := rt.store.CreateLinkToken(ctx, &store.LinkToken{TokenHash: credential.HashToken(token), Purpose: store.LinkProof,
		UserID: u.ID, CreatedAt: now, ExpiresAt: until}); err != nil {
		return err
	}
	link := rt.cfg.EffectiveIssuer() + "/login/proof?" + url.Values{"token": {token}}.Encode()
	if err := sender.Send(ctx, mail.ProofLink(u.Email, link, until.Sub(now))); err != nil {
		return fmt.Errorf("the device was reset and the code above is valid, but the enrollment mail failed: %w", err)
	}
	_, err = fmt.Fprintf(c.stdout, "an enrollment link was also mailed to %s\n", u.Email)
	return err
}

// userUnlock lifts the temporary password/answer lock. The passcode lock
// is not lifted here: that takes a device reset.
func (c *cli) userUnlock(ctx context.Context, args []string) error {
	const cmd = "user unlock"
	pos, err := c.parse(c.flags(cmd), args)
	if err != nil {
		return err
	}
	rt, u, err := c.loadUser(ctx, cmd, pos)
	if err != nil {
		return err
	}
	defer rt.Close()
	detail := "no password/answer lock was in place; failure count cleared"
	if u.LoginLockedUntil > rt.store.Now().Unix() {
		detail = "password/answer lock until " + time.Unix(u.LoginLockedUntil, 0).UTC().Format(time.RFC3339) + " lifted; failure count cleared"
	}
	if err := rt.store.Unlock(ctx, u.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s: no user named %q", cmd, u.Username)
		}
		return err
	}
	if err := c.record(ctx, rt, cmd, userEvent(store.EventUnlock, u, detail)); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "unlocked %s\n", u.Username)
	if u.OTPLocked {
		fmt.Fprintf(c.stdout, "%s is still locked for passcodes; reset the device with otpgate user reset-otp %s\n", u.Username, u.Username)
	}
	return nil
}
