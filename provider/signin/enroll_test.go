package signin_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// enrolling signs a new account that needs a second factor in, up to the
// enrollment step.
func (e *env) enrolling(name string) (*store.User, *signin.Journey) {
	e.t.Helper()
	u := e.user(name, requireMFA)
	j := e.signIn(u)
	wantStep(e.t, j, signin.StepEnroll, "no device, MFA required")
	return u, j
}

// offer is the flow's pending secret.
func (e *env) offer(j *signin.Journey) []byte {
	e.t.Helper()
	o, err := e.svc.PendingSecret(ctxOf(e.t), j)
	must(e.t, err, "pending secret")
	e.secret(mfa.EncodeSecret(o.Secret))
	return o.Secret
}

// TestEnrollPendingSecretLifetime: the offered secret stays the same for
// its lifetime (the person scans it once), is replaced once it expired,
// and a code of the expired secret restarts the enrollment with the new
// one shown.
func TestEnrollPendingSecretLifetime(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		_, j := e.enrolling("erin")
		first := e.offer(j)
		e.clock.steps(19) // 9.5 minutes
		if again := e.offer(e.reload(j)); !bytes.Equal(again, first) {
			t.Fatalf("the pending secret changed within its lifetime")
		}
		scanned := e.reload(j)
		e.clock.steps(1) // 10 minutes: expired
		er, err := e.svc.Enroll(ctxOf(t), scanned, "authy", e.code(first, 0))
		wantResult(t, er.Result, err, signin.Result{Outcome: signin.Restarted, Problem: templates.MsgEnrollRestarted},
			"code of an expired secret")
		if er.Offer.Secret == nil || bytes.Equal(er.Offer.Secret, first) {
			t.Fatalf("a restarted enrollment does not show a new secret")
		}
		if again := e.offer(e.reload(j)); !bytes.Equal(again, er.Offer.Secret) {
			t.Fatalf("the secret shown on restart is not the one now pending")
		}
		if _, err := e.store.DeviceByUser(ctxOf(t), j.User.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired secret enrolled a device: %v", err)
		}
	})
}

// TestEnrollWrongCodes: a wrong verification code is counted against the
// secret; the fifth replaces it, after which the old secret's codes no
// longer enrol; an unknown app is Invalid and not counted.
func TestEnrollWrongCodes(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		_, j := e.enrolling("erin")
		first := e.offer(j)
		er, err := e.svc.Enroll(ctxOf(t), e.reload(j), "no-such-app", e.code(first, 0))
		wantResult(t, er.Result, err, signin.Result{Outcome: signin.Invalid, Problem: templates.MsgAppRequired}, "unknown app")
		if got := e.flowRow(j).PendingAttempts; got != 0 {
			t.Fatalf("an unknown app was counted: %d", got)
		}
		wrong := "000000"
		if e.code(first, 0) == wrong {
			wrong = "999999"
		}
		for i := 1; i < 5; i++ {
			er, err := e.svc.Enroll(ctxOf(t), e.reload(j), "authy", wrong)
			wantResult(t, er.Result, err, signin.Result{Outcome: signin.Rejected, Problem: templates.MsgCodeInvalid},
				fmt.Sprintf("wrong code %d", i))
			if !bytes.Equal(er.Offer.Secret, first) {
				t.Fatalf("wrong code %d replaced the secret", i)
			}
		}
		er, err = e.svc.Enroll(ctxOf(t), e.reload(j), "authy", wrong)
		wantResult(t, er.Result, err, signin.Result{Outcome: signin.Rejected, Problem: templates.MsgEnrollRestarted}, "fifth wrong code")
		second := er.Offer.Secret
		if bytes.Equal(second, first) || e.flowRow(j).PendingAttempts != 0 {
			t.Fatalf("the fifth wrong code did not replace the secret with a fresh count")
		}
		e.secret(mfa.EncodeSecret(second))
		er, err = e.svc.Enroll(ctxOf(t), e.reload(j), "authy", e.code(first, 0))
		wantResult(t, er.Result, err, signin.Result{Outcome: signin.Rejected, Problem: templates.MsgCodeInvalid},
			"the replaced secret's code")
		er, err = e.svc.Enroll(ctxOf(t), e.reload(j), "authy", e.code(second, 0))
		wantResult(t, er.Result, err, signin.Result{Outcome: signin.Passed}, "the new secret's code")
	})
}

// TestEnrollSuccess: a verified code stores the device with the code's
// step (so it cannot sign in again) and ten recovery codes, shown once:
// after the person acknowledges them they are gone from the flow.
func TestEnrollSuccess(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		erin, j := e.enrolling("erin")
		secret := e.offer(j)
		e.events.reset()
		er, err := e.svc.Enroll(ctxOf(t), e.reload(j), "duo-mobile", e.code(secret, -1))
		wantResult(t, er.Result, err, signin.Result{Outcome: signin.Passed}, "enrollment")
		d, err := e.store.DeviceByUser(ctxOf(t), erin.ID)
		must(t, err, "device")
		if want := e.cfg.TOTP.Step(e.clock.Now()) - 1; d.LastStep != want || d.App != "duo-mobile" {
			t.Fatalf("device step %d app %q, want the code's step %d and duo-mobile", d.LastStep, d.App, want)
		}
		if n, err := e.store.CountRecoveryCodes(ctxOf(t), erin.ID); err != nil || n != mfa.RecoveryCodeCount {
			t.Fatalf("stored recovery codes = %d, %v; want %d", n, err, mfa.RecoveryCodeCount)
		}
		if ev := e.events.named(store.EventEnrolled); len(ev) != 1 || ev[0].App != "duo-mobile" {
			t.Fatalf("enrollment events %v, want one for duo-mobile", ev)
		}

		j = e.reload(j)
		wantStep(t, j, signin.StepRecoveryCodes, "after enrollment")
		codes, err := e.svc.RecoveryCodes(j)
		must(t, err, "recovery codes")
		e.secret(codes...)
		if len(codes) != mfa.RecoveryCodeCount || len(slices.Compact(slices.Sorted(slices.Values(codes)))) != len(codes) {
			t.Fatalf("shown %d recovery codes %v, want %d distinct", len(codes), codes, mfa.RecoveryCodeCount)
		}
		again, err := e.svc.RecoveryCodes(e.reload(j))
		if err != nil || !slices.Equal(again, codes) {
			t.Fatalf("recovery codes before the acknowledgement changed: %v", err)
		}

		r, err := e.svc.AckRecoveryCodes(ctxOf(t), j)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "acknowledge")
		j = e.reload(j)
		wantStep(t, j, signin.StepDone, "after the acknowledgement")
		if j.Flow.PendingCodes != nil {
			t.Fatalf("the flow still holds the sealed recovery codes")
		}
		if _, err := e.svc.RecoveryCodes(j); err == nil {
			t.Fatalf("recovery codes shown again after the acknowledgement")
		}
	})
}
