package signin_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// codeInvalid is a counted wrong passcode with tries left.
func codeInvalid(left int) signin.Result {
	return signin.Result{Outcome: signin.Rejected, Problem: templates.MsgCodeInvalid, TriesLeft: left}
}

// TestPasscodeOnce: the right code passes and the flow records it; the
// same code again, in another flow of the same account, is a counted
// rejection; the next step's code passes.
func TestPasscodeOnce(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		secret, _ := e.device(alice)
		j := e.signIn(alice)
		wantStep(t, j, signin.StepOTP, "device enrolled")
		code := e.code(secret, 0)

		r, err := e.svc.Passcode(ctxOf(t), j, code)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "right code")
		if row := e.flowRow(j); row.OTPAt == nil || row.DoneAt == nil {
			t.Fatalf("the flow does not record the passcode, and the finish it completes, in one write")
		}
		wantStep(t, j, signin.StepDone, "after the passcode")
		d, err := e.store.DeviceByUser(ctxOf(t), alice.ID)
		must(t, err, "device")
		if want := e.cfg.TOTP.Step(e.clock.Now()); d.LastStep != want {
			t.Fatalf("device last step = %d, want %d", d.LastStep, want)
		}

		e.events.reset()
		other := e.signIn(alice)
		r, err = e.svc.Passcode(ctxOf(t), other, code)
		wantResult(t, r, err, codeInvalid(4), "the same code again (replay)")
		if f := e.events.named(store.EventSignInFailed); len(f) != 1 || !strings.Contains(f[0].Detail, "already used") {
			t.Fatalf("replay events %v, want one failure saying the code was used", f)
		}
		if e.flowRow(other).OTPAt != nil {
			t.Fatalf("a replayed code passed the step")
		}

		e.clock.steps(1)
		r, err = e.svc.Passcode(ctxOf(t), other, e.code(secret, 0))
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "the next step's code")
		if got := e.userRow(alice).OTPFailures; got != 0 {
			t.Fatalf("passcode failures after a success = %d, want 0", got)
		}
	})
}

// TestPasscodeEnrollmentCodeNotReusable: the code that verified an
// enrollment cannot sign in again within its step.
func TestPasscodeEnrollmentCodeNotReusable(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		erin := e.user("erin", requireMFA)
		j := e.signIn(erin)
		wantStep(t, j, signin.StepEnroll, "no device, MFA required")
		offer, err := e.svc.PendingSecret(ctxOf(t), j)
		must(t, err, "pending secret")
		code := e.code(offer.Secret, 0)
		er, err := e.svc.Enroll(ctxOf(t), j, "authy", code)
		wantResult(t, er.Result, err, signin.Result{Outcome: signin.Passed}, "enrollment")

		next := e.signIn(erin)
		wantStep(t, next, signin.StepOTP, "enrolled")
		r, err := e.svc.Passcode(ctxOf(t), next, code)
		wantResult(t, r, err, codeInvalid(4), "the enrollment code used to sign in")
	})
}

// TestPasscodeSkew: codes one step either side of now pass; two steps
// away they are wrong (and counted).
func TestPasscodeSkew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		offset int64
		want   signin.Result
	}{
		{"two steps early is refused", -2, codeInvalid(4)},
		{"one step early is accepted", -1, signin.Result{Outcome: signin.Passed}},
		{"current step is accepted", 0, signin.Result{Outcome: signin.Passed}},
		{"one step late is accepted", 1, signin.Result{Outcome: signin.Passed}},
		{"two steps late is refused", 2, codeInvalid(4)},
	}
	backends(t, func(t *testing.T, e *env) {
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				u := e.user(fmt.Sprintf("skew%d", i))
				secret, _ := e.device(u)
				r, err := e.svc.Passcode(ctxOf(t), e.signIn(u), e.code(secret, tc.offset))
				wantResult(t, r, err, tc.want, tc.name)
			})
		}
	})
}

// TestPasscodeMalformed: input that is not a six-digit code is Invalid and
// not counted; separators and full-width digits are accepted.
func TestPasscodeMalformed(t *testing.T) {
	t.Parallel()
	malformed := signin.Result{Outcome: signin.Invalid, Problem: templates.MsgCodeMalformed}
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		secret, _ := e.device(alice)
		j := e.signIn(alice)
		for _, in := range []string{"", "12345", "1234567", "abcdef", "12345x", "１２３４５", strings.Repeat("1", 65)} {
			r, err := e.svc.Passcode(ctxOf(t), j, in)
			wantResult(t, r, err, malformed, fmt.Sprintf("input %q", in))
		}
		if got := e.userRow(alice).OTPFailures; got != 0 {
			t.Fatalf("malformed input was counted: %d failures", got)
		}
		code := e.code(secret, 0)
		wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, code[:3]) + "\u3000" + code[3:]
		r, err := e.svc.Passcode(ctxOf(t), j, wide)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "full-width digits with a space")
	})
}

// TestPasscodeLock: five wrong codes lock the account until an
// administrator resets the device: the fifth is Moved, the journey is at
// the locked page and one lock event is recorded; while locked nothing is
// checked or counted, not even the right code or a recovery code.
func TestPasscodeLock(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		secret, codes := e.device(alice)
		j := e.signIn(alice)
		e.events.reset()
		wrong := "000000"
		if e.code(secret, -1) == wrong || e.code(secret, 0) == wrong || e.code(secret, 1) == wrong {
			wrong = "999999"
		}
		for left := 4; left > 0; left-- {
			r, err := e.svc.Passcode(ctxOf(t), j, wrong)
			wantResult(t, r, err, codeInvalid(left), fmt.Sprintf("wrong code with %d left", left))
		}
		r, err := e.svc.Passcode(ctxOf(t), j, wrong)
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "fifth wrong code")
		j = e.reload(j)
		wantStep(t, j, signin.StepLocked, "after five wrong codes")
		if n := len(e.events.named(store.EventSignInFailed)); n != 5 {
			t.Fatalf("%d failure events, want 5", n)
		}
		if n := len(e.events.named(store.EventOTPLocked)); n != 1 {
			t.Fatalf("%d lock events, want 1", n)
		}

		e.events.reset()
		r, err = e.svc.Passcode(ctxOf(t), j, e.code(secret, 0))
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "right code while locked")
		r, err = e.svc.ResetWithRecoveryCode(ctxOf(t), j, codes[0])
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "recovery code while locked")
		row := e.userRow(alice)
		if row.OTPFailures != 5 || !row.OTPLocked {
			t.Fatalf("while locked: %d failures, locked %v; want 5 and locked", row.OTPFailures, row.OTPLocked)
		}
		if names := e.events.names(); len(names) != 0 {
			t.Fatalf("attempts while locked recorded %v", names)
		}
		if e.flowRow(j).OTPAt != nil {
			t.Fatalf("a code passed while locked")
		}
		if d, _ := e.store.DeviceByUser(ctxOf(t), alice.ID); d == nil || d.LastStep != 0 {
			t.Fatalf("a code was accepted while locked: device %+v", d)
		}
	})
}

// TestPasscodeSecretDoesNotOpen: a secret sealed under another key, or
// copied from another user's device, is an internal error and accepts
// nothing, counts nothing.
func TestPasscodeSecretDoesNotOpen(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		otherKey, err := credential.NewSealer([]byte("another key, another key, 32 byt"))
		must(t, err, "sealer")
		alice, bob := e.user("alice"), e.user("bob")
		secret, _ := e.device(alice)
		e.device(bob)
		aliceDevice, err := e.store.DeviceByUser(ctxOf(t), alice.ID)
		must(t, err, "alice's device")
		bobDevice, err := e.store.DeviceByUser(ctxOf(t), bob.ID)
		must(t, err, "bob's device")
		must(t, e.store.SetDeviceSecret(ctxOf(t), bobDevice.ID, aliceDevice.Secret), "copy alice's secret to bob")
		tests := []struct {
			name string
			svc  *signin.Service
			user *store.User
		}{
			{"wrong key", e.with(func(d *signin.Deps) { d.Sealer = otherKey }), alice},
			{"secret copied from another user's device", e.svc, bob},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				j := e.signIn(tc.user)
				r, err := tc.svc.Passcode(ctxOf(t), j, e.code(secret, 0))
				if !errors.Is(err, signin.ErrInternal) {
					t.Fatalf("got %s, %v; want ErrInternal", show(r), err)
				}
				if e.flowRow(j).OTPAt != nil || e.userRow(tc.user).OTPFailures != 0 {
					t.Fatalf("an unopenable secret passed or counted")
				}
				if d, _ := e.store.DeviceByUser(ctxOf(t), tc.user.ID); d == nil || d.LastStep != 0 {
					t.Fatalf("an unopenable secret advanced the device: %+v", d)
				}
			})
		}
	})
}

// TestPasscodeWithoutDevice: a passcode submitted for a journey whose user
// has no device (a caller at the wrong step) is a conflict, never a crash
// or an accepted code.
func TestPasscodeWithoutDevice(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		u := e.user("nodevice")
		j := e.signIn(u)
		if _, err := e.svc.Passcode(ctxOf(t), j, "123456"); !errors.Is(err, signin.ErrConflict) {
			t.Fatalf("passcode without a device: got %v, want ErrConflict", err)
		}
	})
}
