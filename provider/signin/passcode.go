package signin

import (
	"context"
	"errors"
	"fmt"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Passcode checks a passcode of the user's device. It is accepted once:
// the verifier records its time step with a conditional update before the
// flow moves on, and a storage failure accepts nothing.
func (s *Service) Passcode(ctx context.Context, j *Journey, input string) (Result, error) {
	u, d := j.User, j.Device
	secret, err := s.sealer.Open(d.Secret, DeviceAD(u.ID, d.ID))
	if err != nil {
		// A secret that does not open (wrong key, or a row moved to
		// another user) must never let anyone through.
		s.log.ErrorContext(ctx, "TOTP secret cannot be decrypted", "user_id", u.ID, "device_id", d.ID, "err", err)
		return Result{}, internal(err)
	}
	if _, err := s.cfg.TOTP.Normalize(input); err != nil {
		// A malformed code is a clear error, not a guess: not counted.
		return invalid(templates.MsgCodeMalformed), nil
	}
	n, ok, err := s.reserveSecondFactor(ctx, j)
	if !ok {
		return moved(), err
	}
	v := mfa.Verifier{TOTP: s.cfg.TOTP, Now: s.now, Store: s.store}
	err = v.Verify(ctx, mfa.Device{ID: d.ID, Secret: secret, LastStep: d.LastStep}, input)
	switch {
	case errors.Is(err, mfa.ErrInvalid), errors.Is(err, mfa.ErrReplayed):
		detail := "wrong passcode"
		if errors.Is(err, mfa.ErrReplayed) {
			detail = "passcode already used"
		}
		return s.secondFactorFailed(ctx, j, n, detail, templates.MsgCodeInvalid)
	case err != nil:
		// Nothing was accepted (fail closed); the reservation stays counted.
		return Result{}, fault(err)
	}
	if err := s.store.RecordOTPSuccess(ctx, u.ID); err != nil {
		return Result{}, fault(err)
	}
	now := s.now()
	if err := s.markFlow(ctx, j, func(f *store.Flow) { f.OTPAt = &now }); err != nil {
		return Result{}, err
	}
	j.State.OTPDone = true
	return passed(), nil
}

// DeviceAD binds a sealed TOTP secret to its user and device, so a row
// copied to another user fails to decrypt.
func DeviceAD(userID, deviceID string) []byte { return []byte("totp:" + userID + ":" + deviceID) }

// reserveSecondFactor reserves one check of a passcode, recovery code or
// enrollment proof before it is made, so that racing requests can never
// check more guesses than the lockout allows. When the account is locked
// (or that many checks are already under way) ok is false: the journey
// must be looked at again.
func (s *Service) reserveSecondFactor(ctx context.Context, j *Journey) (int, bool, error) {
	n, ok, err := s.store.ReserveOTPAttempt(ctx, j.User.ID, s.cfg.OTPAttempts)
	if err != nil {
		return 0, false, fault(err)
	}
	return n, ok, nil
}

// secondFactorFailed confirms reserved attempt n as wrong. At the limit
// the account locks, the person is told (by mail too) and the result is
// Moved (the journey now ends at the locked page); otherwise it is
// Rejected with problem and the tries left. Counting must succeed (fail
// closed).
func (s *Service) secondFactorFailed(ctx context.Context, j *Journey, n int, detail string, problem templates.Message) (Result, error) {
	u := j.User
	counters, err := s.store.ConfirmOTPFailure(ctx, u.ID, s.cfg.OTPAttempts, n)
	if err != nil {
		return Result{}, fault(err)
	}
	step := j.Next()
	s.log.InfoContext(ctx, "sign-in failed", "step", step, "user_id", u.ID, "client_id", j.Flow.ClientID)
	s.record(ctx, j, Event{Name: store.EventSignInFailed, User: u, Step: step,
		Detail: fmt.Sprintf("step %s; %s (%d in a row)", step, detail, counters.Failures)})
	if counters.Locked {
		s.record(ctx, j, Event{Name: store.EventOTPLocked, User: u,
			Detail: fmt.Sprintf("locked after %d failed second-factor attempts", s.cfg.OTPAttempts)})
		j.State.OTPLocked = true
		return moved(), nil
	}
	r := rejected(problem)
	r.TriesLeft = s.cfg.OTPAttempts - counters.Failures
	return r, nil
}
