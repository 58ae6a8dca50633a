package signin

import (
	"context"
	"strings"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// A factor-only client that names nobody has the person type a username
// (store.FirstFactorTyped), then the passcode. A username is no proof, so
// whoever knows one must neither learn from these pages whether it is an
// account nor keep its owner out:
//
//   - every name leads to the same passcode page: an account ready for a
//     passcode gets a real check, any other name (none, disabled, locked,
//     no device, a device waiting for a proof) a decoy whose every code
//     fails (State.Decoy); the person enrols, recovers and is unlocked in
//     a sign-in that names them, never here;
//   - passcode guesses spend the budgets a password spends (see
//     throttle.go: a known browser's own, the account's unknown-browser
//     budget with its temporary locks and bound, a name's own), never the
//     passcode lockout, which only an administrator undoes; a decoy
//     spends them the same way.

// Username records the username typed at a typed flow's username step.
// Every name gets the same result: Passed, on to the passcode page.
func (s *Service) Username(ctx context.Context, j *Journey, username string) (Result, error) {
	if !j.State.AskName {
		return Result{}, ErrConflict
	}
	username = strings.TrimSpace(username)
	if username == "" {
		return invalid(templates.MsgFieldRequired), nil
	}
	if len(username) > maxUsernameLen {
		return invalid(templates.MsgBadRequest), nil
	}
	u, err := s.userNamed(ctx, j, username)
	if err != nil {
		return Result{}, fault(err)
	}
	userID := ""
	if u != nil && !u.Disabled {
		userID = u.ID
	}
	if err := s.store.NameFlow(ctx, j.Flow.ID, userID, username, s.now()); err != nil {
		return Result{}, flowWriteError(err)
	}
	// The journey goes on from a fresh read, where a decoy is decided.
	return moved(), nil
}

// typedPasscode is Passcode in a typed flow: the attempt is reserved on
// the name's budget like a password, and a decoy's code is never right
// (its check runs all the same, see typedCheck).
func (s *Service) typedPasscode(ctx context.Context, j *Journey, input string) (Result, error) {
	if j.State.AskName {
		return Result{}, ErrConflict // no name typed yet: no passcode step
	}
	if _, err := s.cfg.TOTP.Normalize(input); err != nil {
		return invalid(templates.MsgCodeMalformed), nil
	}
	u := j.User
	att, err := s.reserveLogin(ctx, j, u, j.Flow.LoginHint)
	if err != nil {
		return Result{}, err
	}
	if !att.ok {
		return s.throttled(ctx, j, u, StepOTP, att), nil
	}
	check, finish, err := s.typedCheck(ctx, j, input)
	if err != nil {
		return Result{}, err
	}
	out, err := s.store.CheckPasscode(ctx, check)
	if err != nil {
		// Nothing was accepted, and the reservation stays counted as a
		// failure (fail closed).
		return Result{}, flowWriteError(err)
	}
	if out.Rejected != nil {
		return rejected(templates.MsgCodeInvalid), s.loginFailed(ctx, j, u, StepOTP, att)
	}
	if err := s.loginPassed(ctx, u, att); err != nil {
		return Result{}, err
	}
	j.State.OTPDone = true
	j.finished = finish
	return passed(), nil
}

// typedCheck is the passcode check of a typed flow: the device's, or for
// a decoy one that rejects every code in the same transaction, so that a
// decoy costs what a wrong code does.
func (s *Service) typedCheck(ctx context.Context, j *Journey, input string) (store.PasscodeCheck, *pendingFinish, error) {
	check := store.PasscodeCheck{FlowID: j.Flow.ID, Budgeted: true}
	if j.User != nil {
		check.UserID = j.User.ID
	}
	d := j.Device
	if j.State.Decoy || d == nil {
		check.Verify = func(context.Context, mfa.Store) error { return mfa.ErrInvalid }
		return check, nil, nil
	}
	secret, err := s.sealer.Open(d.Secret, DeviceAD(j.User.ID, d.ID))
	if err != nil {
		s.log.ErrorContext(ctx, "TOTP secret cannot be decrypted", "user_id", j.User.ID, "device_id", d.ID, "err", err)
		return check, nil, internal(err)
	}
	check.Verify = func(ctx context.Context, steps mfa.Store) error {
		v := mfa.Verifier{TOTP: s.cfg.TOTP, Now: s.now, Store: steps}
		return v.Verify(ctx, mfa.Device{ID: d.ID, Secret: secret, LastStep: d.LastStep}, input)
	}
	finish := s.finishWithPasscode(j)
	if finish != nil {
		check.Finish = &finish.result
	}
	return check, finish, nil
}
