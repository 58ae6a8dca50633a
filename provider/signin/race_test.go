package signin_test

import (
	"sync"
	"testing"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// race runs f(i) for i in [0, n) on n goroutines released together and
// returns their results.
func race(n int, f func(i int) (signin.Result, error)) ([]signin.Result, []error) {
	results, errs := make([]signin.Result, n), make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			results[i], errs[i] = f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return results, errs
}

// journeys signs u in n times, each in its own flow and browser, up to
// the passcode step.
func (e *env) journeys(u *store.User, n int) []*signin.Journey {
	e.t.Helper()
	js := make([]*signin.Journey, n)
	for i := range js {
		js[i] = e.signIn(u)
		wantStep(e.t, js[i], signin.StepOTP, "racer's journey")
	}
	return js
}

// TestPasscodeRaceOneWinner: the same right code sent at once in twenty
// flows of one account is accepted exactly once, on the database.
func TestPasscodeRaceOneWinner(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		secret, _ := e.device(alice)
		js := e.journeys(alice, 20)
		code := e.code(secret, 0)
		results, errs := race(len(js), func(i int) (signin.Result, error) {
			return e.svc.Passcode(ctxOf(t), js[i], code)
		})
		passed, marked := 0, 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("racer %d: unexpected error: %v", i, errs[i])
			}
			switch r.Outcome {
			case signin.Passed:
				passed++
			case signin.Rejected, signin.Moved:
			default:
				t.Fatalf("racer %d: got %s, want Passed, Rejected or Moved", i, show(r))
			}
			if e.flowRow(js[i]).OTPAt != nil {
				marked++
			}
		}
		if passed != 1 || marked != 1 {
			t.Fatalf("%d racers passed and %d flows record the passcode, want exactly 1 of each", passed, marked)
		}
		d, err := e.store.DeviceByUser(ctxOf(t), alice.ID)
		must(t, err, "device")
		if want := e.cfg.TOTP.Step(e.clock.Now()); d.LastStep != want {
			t.Fatalf("device last step = %d, want %d", d.LastStep, want)
		}
	})
}

// TestPasscodeRaceExactLock: thirty wrong codes sent at once are checked
// and counted exactly five times, and the account locks once.
func TestPasscodeRaceExactLock(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		secret, _ := e.device(alice)
		// One journey per racer, as each request loads its own.
		js := e.journeys(alice, 30)
		wrong := "000000"
		for off := int64(-1); off <= 1; off++ {
			if e.code(secret, off) == wrong {
				wrong = "999999"
			}
		}
		e.events.reset()
		results, errs := race(30, func(i int) (signin.Result, error) {
			return e.svc.Passcode(ctxOf(t), js[i], wrong)
		})
		rejected := map[int]bool{}
		moved := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("racer %d: unexpected error: %v", i, errs[i])
			}
			switch r.Outcome {
			case signin.Rejected:
				rejected[r.TriesLeft] = true
			case signin.Moved:
				moved++
			default:
				t.Fatalf("racer %d: got %s, want Rejected or Moved", i, show(r))
			}
		}
		if len(rejected) != 4 || !rejected[1] || !rejected[4] || moved != 26 {
			t.Fatalf("tries left reported %v and %d moved; want 4,3,2,1 once each and 26 moved", rejected, moved)
		}
		row := e.userRow(alice)
		if row.OTPFailures != 5 || !row.OTPLocked {
			t.Fatalf("after the race: %d failures, locked %v; want exactly 5 and locked", row.OTPFailures, row.OTPLocked)
		}
		failed, locks := e.events.named(store.EventSignInFailed), e.events.named(store.EventOTPLocked)
		if len(failed) != 5 || len(locks) != 1 {
			t.Fatalf("%d failure and %d lock events, want 5 and 1", len(failed), len(locks))
		}
	})
}
