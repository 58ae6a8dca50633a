package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

var passcodeCases = []testCase{
	{"Passcode/AcceptedOnceMarksFlow", testPasscodeAccepted},
	{"Passcode/WrongCountsAndLocks", testPasscodeWrongLocks},
	{"Passcode/StaleFlowWritesNothing", testPasscodeStaleFlow},
	{"Passcode/VerifyErrorWritesNothing", testPasscodeVerifyError},
	{"Concurrency/PasscodeSameCodeOnce", testRacePasscodeSameCode},
	{"Concurrency/PasscodeWrongCodesExact", testRacePasscodeWrong},
}

// passcodeUser is a user with device d1 (last step 100) signing in with
// flow f1, past the password.
func passcodeUser(t *testing.T, s *store.Store) {
	t.Helper()
	newUser(t, s, "u1", "ann")
	pendingFlow(t, s, "fe")
	must(t, s.EnrollDevice(ctx(t), enrollment("fe", "u1", "d1", 100)), "EnrollDevice")
	newFlow(t, s, "f1")
	must(t, s.IdentifyFlow(ctx(t), "f1", "u1", s.Now()), "IdentifyFlow")
}

// stepCheck is a check whose code matches step.
func stepCheck(threshold int, step int64) store.PasscodeCheck {
	return store.PasscodeCheck{UserID: "u1", FlowID: "f1", Threshold: threshold,
		Verify: func(ctx context.Context, steps mfa.Store) error {
			ok, err := steps.AdvanceStep(ctx, "d1", step)
			if err != nil {
				return err
			}
			if !ok {
				return mfa.ErrReplayed
			}
			return nil
		}}
}

// wrongCheck is a check whose code is wrong.
func wrongCheck(threshold int) store.PasscodeCheck {
	return store.PasscodeCheck{UserID: "u1", FlowID: "f1", Threshold: threshold,
		Verify: func(context.Context, mfa.Store) error { return mfa.ErrInvalid }}
}

func lastStep(t *testing.T, s *store.Store) int64 {
	t.Helper()
	d, err := s.DeviceByUser(ctx(t), "u1")
	must(t, err, "DeviceByUser")
	return d.LastStep
}

func testPasscodeAccepted(t *testing.T, s *store.Store, _ *clock) {
	passcodeUser(t, s)
	out, err := s.CheckPasscode(ctx(t), wrongCheck(5))
	must(t, err, "CheckPasscode (wrong)")
	if out.Rejected == nil || out.Failures != 1 || out.Locked || out.Refused {
		t.Fatalf("wrong code: %+v", out)
	}
	out, err = s.CheckPasscode(ctx(t), stepCheck(5, 101))
	must(t, err, "CheckPasscode")
	if out.Rejected != nil || out.Refused || out.Locked {
		t.Fatalf("right code: %+v", out)
	}
	wantOTPRow(t, s, "u1", 0, false, "after a right code the count starts over")
	if got := lastStep(t, s); got != 101 {
		t.Fatalf("last step %d, want 101", got)
	}
	f, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if f.OTPAt == nil {
		t.Fatalf("the flow does not record the passcode")
	}
	out, err = s.CheckPasscode(ctx(t), stepCheck(5, 101))
	must(t, err, "CheckPasscode (replay)")
	if !errors.Is(out.Rejected, mfa.ErrReplayed) || out.Failures != 1 {
		t.Fatalf("replayed code: %+v", out)
	}
}

func testPasscodeWrongLocks(t *testing.T, s *store.Store, _ *clock) {
	passcodeUser(t, s)
	for i := 1; i <= 3; i++ {
		out, err := s.CheckPasscode(ctx(t), wrongCheck(3))
		must(t, err, "CheckPasscode")
		if out.Failures != i || out.Locked != (i == 3) {
			t.Fatalf("wrong code %d: %+v", i, out)
		}
	}
	out, err := s.CheckPasscode(ctx(t), stepCheck(3, 101))
	must(t, err, "CheckPasscode while locked")
	if !out.Refused || out.Rejected != nil {
		t.Fatalf("a locked account checked a code: %+v", out)
	}
	if got := lastStep(t, s); got != 100 {
		t.Fatalf("a locked account accepted a step: last step %d", got)
	}
	wantOTPRow(t, s, "u1", 3, true, "locked; attempts while locked do not count")
}

func testPasscodeStaleFlow(t *testing.T, s *store.Store, _ *clock) {
	passcodeUser(t, s)
	finish(t, s, "f1", "u1")
	_, err := s.CheckPasscode(ctx(t), stepCheck(5, 101))
	wantErr(t, err, store.ErrStale, "CheckPasscode on a finished flow")
	if got := lastStep(t, s); got != 100 {
		t.Fatalf("a refused flow used up the code's step: last step %d", got)
	}
	wantOTPRow(t, s, "u1", 0, false, "nothing counted for a stale flow")
}

func testPasscodeVerifyError(t *testing.T, s *store.Store, _ *clock) {
	passcodeUser(t, s)
	broken := errors.New("disk on fire")
	c := store.PasscodeCheck{UserID: "u1", FlowID: "f1", Threshold: 5,
		Verify: func(ctx context.Context, steps mfa.Store) error {
			if _, err := steps.AdvanceStep(ctx, "d1", 101); err != nil {
				return err
			}
			return broken
		}}
	_, err := s.CheckPasscode(ctx(t), c)
	wantErr(t, err, broken, "CheckPasscode with a failing check")
	if got := lastStep(t, s); got != 100 {
		t.Fatalf("an aborted check kept its step: last step %d", got)
	}
	f, err := s.FlowByID(ctx(t), "f1")
	must(t, err, "FlowByID")
	if f.OTPAt != nil {
		t.Fatalf("an aborted check marked the flow")
	}
}

func testRacePasscodeSameCode(t *testing.T, s *store.Store, _ *clock) {
	passcodeUser(t, s)
	const n = 20
	outs := make([]store.PasscodeOutcome, n)
	errs := race(n, func(i int) error {
		var err error
		outs[i], err = s.CheckPasscode(context.Background(), stepCheck(n+1, 101))
		return err
	})
	accepted := 0
	for i, err := range errs {
		must(t, err, "CheckPasscode")
		switch {
		case outs[i].Rejected == nil && !outs[i].Refused:
			accepted++
		case !errors.Is(outs[i].Rejected, mfa.ErrReplayed):
			t.Errorf("goroutine %d: %+v", i, outs[i])
		}
	}
	if accepted != 1 {
		t.Fatalf("%d requests accepted the same code, want exactly 1", accepted)
	}
}

func testRacePasscodeWrong(t *testing.T, s *store.Store, _ *clock) {
	passcodeUser(t, s)
	const n, threshold = 30, 5
	outs := make([]store.PasscodeOutcome, n)
	errs := race(n, func(i int) error {
		var err error
		outs[i], err = s.CheckPasscode(context.Background(), wrongCheck(threshold))
		return err
	})
	checked, locked, refused := 0, 0, 0
	for i, err := range errs {
		must(t, err, "CheckPasscode")
		switch o := outs[i]; {
		case o.Refused:
			refused++
		case o.Rejected != nil:
			checked++
			if o.Locked {
				locked++
			}
		}
	}
	if checked != threshold || locked != 1 || refused != n-threshold {
		t.Fatalf("checked %d locked %d refused %d, want %d, 1, %d", checked, locked, refused, threshold, n-threshold)
	}
	wantOTPRow(t, s, "u1", threshold, true, "after the race")
}
