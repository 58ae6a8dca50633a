package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

var lockoutCases = []testCase{
	{"Lockout/LoginThresholdAndDoublingWaits", testLoginLockout},
	{"Lockout/OTPThreshold", testOTPLockout},
	{"Concurrency/LoginFailuresExact", testRaceLoginFailures},
	{"Concurrency/OTPFailuresExact", testRaceOTPFailures},
	{"Concurrency/LoginFailuresAcrossUsers", testRaceLoginFailuresAcrossUsers},
}

const (
	loginThreshold = 10
	otpThreshold   = 5
)

// loginLockout is the default password/answer policy: ten failures lock
// for 60 s, doubling up to an hour.
var loginLockout = mfa.Lockout{Threshold: loginThreshold, Base: time.Minute, Max: time.Hour}

// wantLoginRow checks the stored password/answer counters of a user.
func wantLoginRow(t *testing.T, s *store.Store, userID string, failures, level int, until int64, what string) {
	t.Helper()
	u, err := s.UserByID(ctx(t), userID)
	must(t, err, what+": UserByID")
	if u.LoginFailures != failures || u.LoginLockLevel != level || u.LoginLockedUntil != until {
		t.Fatalf("%s: stored failures %d, level %d, locked until %d; want %d, %d, %d",
			what, u.LoginFailures, u.LoginLockLevel, u.LoginLockedUntil, failures, level, until)
	}
}

// wantOTPRow checks the stored passcode counters of a user.
func wantOTPRow(t *testing.T, s *store.Store, userID string, failures int, locked bool, what string) {
	t.Helper()
	u, err := s.UserByID(ctx(t), userID)
	must(t, err, what+": UserByID")
	if u.OTPFailures != failures || u.OTPLocked != locked {
		t.Fatalf("%s: stored passcode failures %d, locked %v; want %d, %v", what, u.OTPFailures, u.OTPLocked, failures, locked)
	}
}

func loginFailure(t *testing.T, s *store.Store, userID string, want store.LoginCounters, what string) {
	t.Helper()
	got, err := s.RecordLoginFailure(ctx(t), userID, loginLockout)
	must(t, err, what+": RecordLoginFailure")
	if got != want {
		t.Fatalf("%s: RecordLoginFailure = %+v, want %+v", what, got, want)
	}
}

func otpFailure(t *testing.T, s *store.Store, userID string, want store.OTPCounters, what string) {
	t.Helper()
	got, err := s.RecordOTPFailure(ctx(t), userID, otpThreshold)
	must(t, err, what+": RecordOTPFailure")
	if got != want {
		t.Fatalf("%s: RecordOTPFailure = %+v, want %+v", what, got, want)
	}
}

// lockLogin records failures until the threshold-th consecutive one,
// starting from `from` failures at lock level `level` with the lock
// (if any) ending at `until`, and checks that the last one locks for wait.
// It returns the new lock's end.
func lockLogin(t *testing.T, s *store.Store, c *clock, userID string, from, level int, until int64, wait int64) int64 {
	t.Helper()
	for i := from + 1; i < loginThreshold; i++ {
		loginFailure(t, s, userID, store.LoginCounters{Failures: i, LockLevel: level, LockedUntil: until},
			fmt.Sprintf("failure %d at level %d", i, level))
	}
	now := c.Now().Unix()
	end := now + wait
	what := fmt.Sprintf("failure %d at level %d", loginThreshold, level)
	loginFailure(t, s, userID, store.LoginCounters{Failures: 0, LockLevel: level + 1, LockedUntil: end}, what)
	wantLoginRow(t, s, userID, 0, level+1, end, what)
	got := store.LoginCounters{LockedUntil: end}
	if !got.LoginLocked(c.Now()) {
		t.Fatalf("%s: LoginLocked(now) = false for a lock until now+%d", what, wait)
	}
	return end
}

func testLoginLockout(t *testing.T, s *store.Store, c *clock) {
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")
	start := c.Now().Unix()

	// Nine failures count without locking.
	for i := 1; i < loginThreshold; i++ {
		loginFailure(t, s, "u1", store.LoginCounters{Failures: i}, fmt.Sprintf("failure %d", i))
	}
	wantLoginRow(t, s, "u1", 9, 0, 0, "after 9 failures")
	if (store.LoginCounters{Failures: 9}).LoginLocked(c.Now()) {
		t.Fatal("LoginLocked after 9 failures")
	}
	// The tenth locks for 60 s and starts a new count.
	until := lockLogin(t, s, c, "u1", loginThreshold-1, 0, 0, 60)
	if until != start+60 {
		t.Fatalf("first lock ends at %d, want now+60 (%d)", until, start+60)
	}
	// Attempts while locked are refused and neither counted nor extending the lock.
	locked := store.LoginCounters{Failures: 0, LockLevel: 1, LockedUntil: until, Refused: true}
	loginFailure(t, s, "u1", locked, "failure while locked")
	wantLoginRow(t, s, "u1", 0, 1, until, "after a refused failure")
	c.Advance(59 * time.Second)
	loginFailure(t, s, "u1", locked, "failure at now+59s")
	loginFailure(t, s, "u1", locked, "second failure at now+59s")
	wantLoginRow(t, s, "u1", 0, 1, until, "after refused failures at now+59s")
	// A success while locked changes nothing (the level is not reset).
	must(t, s.RecordLoginSuccess(ctx(t), "u1"), "RecordLoginSuccess while locked")
	wantLoginRow(t, s, "u1", 0, 1, until, "after a success while locked")
	// The other user is not affected.
	loginFailure(t, s, "u2", store.LoginCounters{Failures: 1}, "other user's failure")

	// At the lock's end counting resumes; the next lock is twice as long.
	c.Advance(time.Second)
	if (store.LoginCounters{LockedUntil: until}).LoginLocked(c.Now()) {
		t.Fatal("LoginLocked at the end of the lock")
	}
	loginFailure(t, s, "u1", store.LoginCounters{Failures: 1, LockLevel: 1, LockedUntil: until}, "first failure after the lock")
	until = lockLogin(t, s, c, "u1", 1, 1, until, 120)
	c.Advance(120 * time.Second)

	// The waits keep doubling up to the one-hour cap.
	for i, wait := range []int64{240, 480, 960, 1920, 3600, 3600} {
		level := i + 2
		loginFailure(t, s, "u1", store.LoginCounters{Failures: 1, LockLevel: level, LockedUntil: until},
			fmt.Sprintf("first failure at level %d", level))
		until = lockLogin(t, s, c, "u1", 1, level, until, wait)
		c.Advance(time.Duration(wait-1) * time.Second)
		loginFailure(t, s, "u1", store.LoginCounters{Failures: 0, LockLevel: level + 1, LockedUntil: until, Refused: true},
			fmt.Sprintf("failure one second before the end of the %d s lock", wait))
		c.Advance(time.Second)
	}
	wantLoginRow(t, s, "u1", 0, 8, until, "after eight locks")

	// A success while unlocked resets the count and the level: the next lock is 60 s again.
	loginFailure(t, s, "u1", store.LoginCounters{Failures: 1, LockLevel: 8, LockedUntil: until}, "failure before a success")
	loginFailure(t, s, "u1", store.LoginCounters{Failures: 2, LockLevel: 8, LockedUntil: until}, "failure before a success")
	must(t, s.RecordLoginSuccess(ctx(t), "u1"), "RecordLoginSuccess")
	wantLoginRow(t, s, "u1", 0, 0, until, "after a success")
	loginFailure(t, s, "u1", store.LoginCounters{Failures: 1, LockedUntil: until}, "failure after a success")
	until = lockLogin(t, s, c, "u1", 1, 0, until, 60)

	// Unlock clears everything, while locked.
	must(t, s.Unlock(ctx(t), "u1"), "Unlock")
	wantLoginRow(t, s, "u1", 0, 0, 0, "after Unlock")
	loginFailure(t, s, "u1", store.LoginCounters{Failures: 1}, "failure after Unlock")
	loginFailure(t, s, "u1", store.LoginCounters{Failures: 2}, "failure after Unlock")
	must(t, s.Unlock(ctx(t), "u1"), "Unlock with a count")
	wantLoginRow(t, s, "u1", 0, 0, 0, "after Unlock with a count")
	lockLogin(t, s, c, "u1", 0, 0, 0, 60)

	// The other user still has exactly its one failure.
	wantLoginRow(t, s, "u2", 1, 0, 0, "other user")

	// Unknown users: a failure or Unlock reports ErrNotFound; a success is a no-op.
	_, err := s.RecordLoginFailure(ctx(t), "nobody", loginLockout)
	wantErr(t, err, store.ErrNotFound, "RecordLoginFailure of an unknown user")
	must(t, s.RecordLoginSuccess(ctx(t), "nobody"), "RecordLoginSuccess of an unknown user")
	wantErr(t, s.Unlock(ctx(t), "nobody"), store.ErrNotFound, "Unlock of an unknown user")
}

func testOTPLockout(t *testing.T, s *store.Store, _ *clock) {
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")

	for i := 1; i < otpThreshold; i++ {
		otpFailure(t, s, "u1", store.OTPCounters{Failures: i}, fmt.Sprintf("passcode failure %d", i))
	}
	wantOTPRow(t, s, "u1", 4, false, "after 4 failures")
	// Before locking, a success resets the count.
	must(t, s.RecordOTPSuccess(ctx(t), "u1"), "RecordOTPSuccess")
	wantOTPRow(t, s, "u1", 0, false, "after a success")
	otpFailure(t, s, "u2", store.OTPCounters{Failures: 1}, "other user's failure")

	for i := 1; i < otpThreshold; i++ {
		otpFailure(t, s, "u1", store.OTPCounters{Failures: i}, fmt.Sprintf("passcode failure %d after the success", i))
	}
	otpFailure(t, s, "u1", store.OTPCounters{Failures: otpThreshold, Locked: true}, "fifth failure")
	wantOTPRow(t, s, "u1", otpThreshold, true, "after the fifth failure")

	// Further attempts are refused and not counted.
	refused := store.OTPCounters{Failures: otpThreshold, Locked: true, Refused: true}
	otpFailure(t, s, "u1", refused, "failure while locked")
	otpFailure(t, s, "u1", refused, "second failure while locked")
	wantOTPRow(t, s, "u1", otpThreshold, true, "after refused failures")

	// Neither a right passcode nor a password unlock lifts the passcode lock.
	must(t, s.RecordOTPSuccess(ctx(t), "u1"), "RecordOTPSuccess while locked")
	wantOTPRow(t, s, "u1", otpThreshold, true, "after a success while locked")
	must(t, s.Unlock(ctx(t), "u1"), "Unlock")
	wantOTPRow(t, s, "u1", otpThreshold, true, "after a password Unlock")

	// An administrator's device reset does.
	must(t, s.AdminResetDevice(ctx(t), "u1", "proof", s.Now().Add(time.Hour)), "AdminResetDevice")
	wantOTPRow(t, s, "u1", 0, false, "after AdminResetDevice")
	otpFailure(t, s, "u1", store.OTPCounters{Failures: 1}, "failure after the reset")

	wantOTPRow(t, s, "u2", 1, false, "other user")

	_, err := s.RecordOTPFailure(ctx(t), "nobody", otpThreshold)
	wantErr(t, err, store.ErrNotFound, "RecordOTPFailure of an unknown user")
	must(t, s.RecordOTPSuccess(ctx(t), "nobody"), "RecordOTPSuccess of an unknown user")
}

// testRaceLoginFailures: 50 wrong passwords at once count exactly: ten
// are counted (the tenth locks), forty are refused, none fails.
func testRaceLoginFailures(t *testing.T, s *store.Store, c *clock) {
	const n = 50
	newUser(t, s, "u1", "ann")
	until := c.Now().Unix() + 60
	got := make([]store.LoginCounters, n)
	errs := race(n, func(i int) error {
		var err error
		got[i], err = s.RecordLoginFailure(ctx(t), "u1", loginLockout)
		return err
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d concurrent RecordLoginFailure calls succeeded", ok, n)
	}
	var counted []int
	locks := 0
	for i, r := range got {
		switch {
		case r.Refused:
			// Refused either after the lock, or while the threshold's worth
			// of attempts was still in flight (never locked by a refusal).
			if r != (store.LoginCounters{LockLevel: 1, LockedUntil: until, Refused: true}) &&
				r != (store.LoginCounters{Failures: loginThreshold, Refused: true}) {
				t.Errorf("goroutine %d: refused with %+v", i, r)
			}
		case r.LockLevel == 1:
			locks++
			counted = append(counted, r.Failures)
			if r.Failures != 0 || r.LockedUntil != until {
				t.Errorf("goroutine %d: locking failure reported %+v", i, r)
			}
		default:
			counted = append(counted, r.Failures)
			if r.LockLevel != 0 || r.LockedUntil != 0 {
				t.Errorf("goroutine %d: counted failure reported %+v", i, r)
			}
		}
	}
	slices.Sort(counted)
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(counted, want) || locks != 1 {
		t.Fatalf("counted failures reported counts %v (%d locking); want %v with exactly one locking", counted, locks, want)
	}
	wantLoginRow(t, s, "u1", 0, 1, until, "after 50 concurrent failures")
}

// testRaceOTPFailures: 50 wrong passcodes at once: exactly five are
// counted, reporting 1…5, and only the fifth locks.
func testRaceOTPFailures(t *testing.T, s *store.Store, _ *clock) {
	const n = 50
	newUser(t, s, "u1", "ann")
	got := make([]store.OTPCounters, n)
	errs := race(n, func(i int) error {
		var err error
		got[i], err = s.RecordOTPFailure(ctx(t), "u1", otpThreshold)
		return err
	})
	if ok, _ := tally(t, errs, nil); ok != n {
		t.Fatalf("%d of %d concurrent RecordOTPFailure calls succeeded", ok, n)
	}
	var counted []int
	for i, r := range got {
		if r.Refused {
			if r != (store.OTPCounters{Failures: otpThreshold, Locked: true, Refused: true}) &&
				r != (store.OTPCounters{Failures: otpThreshold, Refused: true}) { // threshold still in flight
				t.Errorf("goroutine %d: refused with %+v", i, r)
			}
			continue
		}
		counted = append(counted, r.Failures)
		if r.Locked != (r.Failures == otpThreshold) {
			t.Errorf("goroutine %d: counted failure reported %+v", i, r)
		}
	}
	slices.Sort(counted)
	if want := []int{1, 2, 3, 4, 5}; !slices.Equal(counted, want) {
		t.Fatalf("counted passcode failures reported %v, want %v (%d refused)", counted, want, n-len(counted))
	}
	wantOTPRow(t, s, "u1", otpThreshold, true, "after 50 concurrent failures")
}

// testRaceLoginFailuresAcrossUsers: two users' counters stay exact and
// independent under concurrent failures.
func testRaceLoginFailuresAcrossUsers(t *testing.T, s *store.Store, c *clock) {
	const per = 25
	users := []string{"u1", "u2"}
	newUser(t, s, "u1", "ann")
	newUser(t, s, "u2", "bob")
	newUser(t, s, "u3", "cat")
	got := make([]store.LoginCounters, per*len(users))
	errs := race(len(got), func(i int) error {
		var err error
		got[i], err = s.RecordLoginFailure(ctx(t), users[i%len(users)], loginLockout)
		return err
	})
	if ok, _ := tally(t, errs, nil); ok != len(got) {
		t.Fatalf("%d of %d concurrent RecordLoginFailure calls succeeded", ok, len(got))
	}
	until := c.Now().Unix() + 60
	for u, id := range users {
		counted, refused := 0, 0
		for i := u; i < len(got); i += len(users) {
			if got[i].Refused {
				refused++
			} else {
				counted++
			}
		}
		if counted != loginThreshold || refused != per-loginThreshold {
			t.Errorf("user %s: %d counted, %d refused; want %d and %d", id, counted, refused, loginThreshold, per-loginThreshold)
		}
		wantLoginRow(t, s, id, 0, 1, until, "user "+id)
	}
	wantLoginRow(t, s, "u3", 0, 0, 0, "uninvolved user")
}
