package signin

import (
	"context"
	"errors"
	"fmt"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Passcode checks a passcode of the user's device in one store transaction
// (store.CheckPasscode): the attempt is reserved, the code checked, its
// time step recorded by one conditional update (so it is accepted once)
// and the flow marked; a wrong code stays counted and the OTPAttempts-th
// locks the account; a storage failure accepts nothing.
func (s *Service) Passcode(ctx context.Context, j *Journey, input string) (Result, error) {
	if j.Flow.FirstFactor == store.FirstFactorTyped {
		// A typed name's passcode spends a password's budget (a decoy's
		// too); see typed.go.
		return s.typedPasscode(ctx, j, input)
	}
	u, d := j.User, j.Device
	if u == nil || d == nil {
		// Only a journey at the passcode step has a device to check.
		return Result{}, ErrConflict
	}
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
	// When the passcode is the sign-in's last step, the flow is finished
	// in the passcode's own transaction (Finish completes it).
	finish := s.finishWithPasscode(j)
	check := store.PasscodeCheck{UserID: u.ID, FlowID: j.Flow.ID,
		Threshold: s.cfg.OTPAttempts, Verify: func(ctx context.Context, steps mfa.Store) error {
			v := mfa.Verifier{TOTP: s.cfg.TOTP, Now: s.now, Store: steps}
			return v.Verify(ctx, mfa.Device{ID: d.ID, Secret: secret, LastStep: d.LastStep}, input)
		}}
	if finish != nil {
		check.Finish = &finish.result
	}
	out, err := s.store.CheckPasscode(ctx, check)
	switch {
	case err != nil:
		// Nothing was accepted (fail closed).
		return Result{}, flowWriteError(err)
	case out.Refused:
		return moved(), nil
	case out.Rejected != nil:
		detail := "wrong passcode"
		if errors.Is(out.Rejected, mfa.ErrReplayed) {
			detail = "passcode already used"
		}
		return s.secondFactorRejected(ctx, j, store.OTPCounters{Failures: out.Failures, Locked: out.Locked},
			detail, templates.MsgCodeInvalid), nil
	}
	j.State.OTPDone = true
	j.finished = finish
	return passed(), nil
}

// finishWithPasscode prepares the finish of j when an accepted passcode
// completes the sign-in (nil when another step follows, or the finish
// would fail, which the ordinary finish then reports).
func (s *Service) finishWithPasscode(j *Journey) *pendingFinish {
	after := *j
	after.State.OTPDone = true
	if after.Next() != StepDone {
		return nil
	}
	p, err := s.prepareFinish(&after)
	if err != nil {
		return nil
	}
	return p
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
	counters, err := s.store.ConfirmOTPFailure(ctx, j.User.ID, s.cfg.OTPAttempts, n)
	if err != nil {
		return Result{}, fault(err)
	}
	return s.secondFactorRejected(ctx, j, counters, detail, problem), nil
}

// secondFactorRejected records a wrong second factor that left counters.
func (s *Service) secondFactorRejected(ctx context.Context, j *Journey, counters store.OTPCounters, detail string,
	problem templates.Message) Result {
	u, step := j.User, j.Next()
	s.log.InfoContext(ctx, "sign-in failed", "step", step, "user_id", u.ID, "client_id", j.Flow.ClientID)
	s.record(ctx, j, Event{Name: store.EventSignInFailed, User: u, Step: step,
		Detail: fmt.Sprintf("step %s; %s (%d in a row)", step, detail, counters.Failures)})
	if counters.Locked {
		s.record(ctx, j, Event{Name: store.EventOTPLocked, User: u,
			Detail: fmt.Sprintf("locked after %d failed second-factor attempts", s.cfg.OTPAttempts)})
		j.State.OTPLocked = true
		return moved()
	}
	r := rejected(problem)
	r.TriesLeft = s.cfg.OTPAttempts - counters.Failures
	return r
}
