package mfa

import (
	"context"
	"fmt"
	"time"
)

// Store records accepted steps.
type Store interface {
	// AdvanceStep sets the device's last accepted step to step if, and only
	// if, the stored one is lower, in one conditional update, and reports
	// whether it did.
	AdvanceStep(ctx context.Context, deviceID string, step int64) (bool, error)
}

// Device is what verification needs to know of an enrolled device.
type Device struct {
	ID       string
	Secret   []byte
	LastStep int64
}

// Verifier checks passcodes against enrolled devices.
type Verifier struct {
	TOTP  TOTP
	Now   func() time.Time
	Store Store
}

// Verify accepts code for d exactly once: it must match a step after the
// device's last accepted one, and that step must be recorded before any
// other request records it. A code that loses the race is ErrReplayed.
// It returns ErrMalformed, ErrInvalid, ErrReplayed, or a storage error
// (then nothing was accepted: fail closed).
func (v *Verifier) Verify(ctx context.Context, d Device, input string) error {
	code, err := v.TOTP.Normalize(input)
	if err != nil {
		return err
	}
	step, err := v.TOTP.Match(d.Secret, code, v.Now(), d.LastStep)
	if err != nil {
		return err
	}
	ok, err := v.Store.AdvanceStep(ctx, d.ID, step)
	if err != nil {
		return fmt.Errorf("mfa: record step: %w", err)
	}
	if !ok {
		return ErrReplayed
	}
	return nil
}
