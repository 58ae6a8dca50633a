package signin_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/otpgate/otpgate/provider/credential"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// argon2Bytes is what one argon2id run with the cheap parameters
// allocates (its memory, 1 MiB): time-independent evidence that a hash
// was checked.
const argon2Bytes = 1 << 20

// allocated runs f and returns the bytes the process allocated meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestPasswordFailuresLookAlike: an unknown user, a wrong password and a
// disabled account get one result and one problem; a locked account and
// a locked name that is no account get the same "too many attempts"; each
// costs an argon2id check (so they take similar time); none identifies
// the flow. Not parallel: it measures the process's
// allocations.
func TestPasswordFailuresLookAlike(t *testing.T) {
	backendsInTurn(t, func(t *testing.T, e *env) {
		e.user("alice")
		e.user("dora", func(u *store.User) { u.Disabled = true })
		locked := e.user("lena")
		for range e.cfg.LoginLockout.Threshold {
			_, err := e.store.RecordLoginFailure(ctxOf(t), locked.ID, e.cfg.LoginLockout)
			must(t, err, "lock lena")
			_, err = e.svc.Password(ctxOf(t), e.flow(), "ghost", "wrong-password")
			must(t, err, "lock the name ghost")
		}
		// bella and the name "phantom" reached the bound of failures from
		// unknown browsers (and no lock holds).
		bella := e.user("bella")
		for _, b := range []store.Budget{store.AccountBudget(bella.ID), store.NameBudget(e.nameHash("phantom"))} {
			many := store.LoginPolicy{Lockout: mfa.Lockout{Threshold: 1000, Base: time.Minute, Max: time.Hour}}
			for range e.cfg.UnknownBrowserLimit {
				r, ok, err := e.store.Reserve(ctxOf(t), b, many)
				must(t, err, "reserve")
				if !ok {
					t.Fatal("refused while reaching the bound")
				}
				_, err = e.store.Confirm(ctxOf(t), b, many.Lockout, r)
				must(t, err, "confirm")
			}
		}
		bound := signin.Result{Outcome: signin.Limited, Problem: templates.MsgSignInNeedsLink, OfferLink: true}
		failed := signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}
		throttled := signin.Result{Outcome: signin.Limited, Problem: templates.MsgTooManyAttemptsMinute, RetryMinutes: 1}
		tests := []struct {
			name, username, password, detail string
			want                             signin.Result
		}{
			{"unknown user is not revealed", "nobody", passwordOf("nobody"), "unknown or disabled account", failed},
			{"wrong password", "alice", "not-" + passwordOf("alice"), "step password", failed},
			{"disabled account is not revealed, even with its password", "dora", passwordOf("dora"), "unknown or disabled account", failed},
			{"locked account, even with its password", "lena", passwordOf("lena"), "account temporarily locked", throttled},
			{"locked name that is no account looks the same", "Ghost ", passwordOf("lena"), "unknown or disabled account", throttled},
			{"account at the bound, even with its password", "bella", passwordOf("bella"), "at the bound", bound},
			{"name that is no account at the bound looks the same", "PHANTOM", passwordOf("bella"), "at the bound", bound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				e.events.reset()
				j := e.flow()
				var (
					r   signin.Result
					err error
				)
				n := allocated(func() { r, err = e.svc.Password(ctxOf(t), j, tc.username, tc.password) })
				wantResult(t, r, err, tc.want, tc.name)
				if n < argon2Bytes {
					t.Errorf("allocated %d bytes, want at least one argon2id run (%d): the hash was not checked", n, argon2Bytes)
				}
				if f := e.flowRow(j); f.UserID != "" || f.PasswordAt != nil {
					t.Errorf("a failed password identified the flow: user %q", f.UserID)
				}
				failed := e.events.named(store.EventSignInFailed)
				if len(failed) != 1 || failed[0].Step != signin.StepPassword || !strings.Contains(failed[0].Detail, tc.detail) {
					t.Errorf("events %v, want one %s at the password step with %q", failed, store.EventSignInFailed, tc.detail)
				}
			})
		}
		t.Run("control: refused input is not hashed", func(t *testing.T) {
			e := e.in(t)
			n := allocated(func() { _, _ = e.svc.Password(ctxOf(t), e.flow(), "alice", "") })
			if n >= argon2Bytes {
				t.Errorf("an empty password allocated %d bytes: the measure cannot tell a hash from none", n)
			}
		})
	})
}

// TestPasswordInputBounds: missing fields are Invalid; over-long ones are
// refused like any wrong password, before any hashing and without
// counting.
func TestPasswordInputBounds(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		tests := []struct {
			name, username, password string
			want                     signin.Result
		}{
			{"missing username", "  ", "x", signin.Result{Outcome: signin.Invalid, Problem: templates.MsgFieldRequired}},
			{"missing password", "alice", "", signin.Result{Outcome: signin.Invalid, Problem: templates.MsgFieldRequired}},
			{"over-long username refused", strings.Repeat("a", 129), "x", signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}},
			{"over-long password refused, not counted", "alice", strings.Repeat("p", 1025), signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				r, err := e.svc.Password(ctxOf(t), e.flow(), tc.username, tc.password)
				wantResult(t, r, err, tc.want, tc.name)
				if got := e.userRow(alice).LoginFailures; got != 0 {
					t.Errorf("login failures = %d, want 0: refused input was counted", got)
				}
			})
		}
		r, err := e.svc.Password(ctxOf(t), e.flow(), "ALICE ", passwordOf("alice"))
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "username is case- and space-insensitive")
	})
}

// TestPasswordLockout: ten wrong passwords lock the account for the base
// wait, the next run for twice as long; attempts while locked are refused
// without counting or extending the lock, even with the right password.
func TestPasswordLockout(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		wrong := func(what string) {
			t.Helper()
			r, err := e.svc.Password(ctxOf(t), e.flow(), "alice", "wrong-password-123")
			wantResult(t, r, err, signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}, what)
		}
		for run, wait := range []time.Duration{time.Minute, 2 * time.Minute} {
			e.events.reset()
			for i := range 10 {
				wrong(fmt.Sprintf("run %d, wrong password %d", run, i+1))
			}
			lockedAt := e.clock.Now()
			row := e.userRow(alice)
			if want := lockedAt.Add(wait).Unix(); row.LoginLockedUntil != want || row.LoginFailures != 0 {
				t.Fatalf("run %d: locked until %d with %d failures, want %d (a %s wait) and a new run",
					run, row.LoginLockedUntil, row.LoginFailures, want, wait)
			}
			locks := e.events.named(store.EventLoginLocked)
			if len(locks) != 1 || !strings.Contains(locks[0].Detail, lockedAt.Add(wait).Format(time.RFC3339)) {
				t.Fatalf("run %d: lock events %v, want one naming the end of the lock", run, locks)
			}

			e.clock.Advance(wait - time.Second)
			r, err := e.svc.Password(ctxOf(t), e.flow(), "alice", "wrong-password-123")
			throttled := signin.Result{Outcome: signin.Limited, Problem: templates.MsgTooManyAttemptsMinute, RetryMinutes: 1}
			wantResult(t, r, err, throttled, "wrong password while locked")
			r, err = e.svc.Password(ctxOf(t), e.flow(), "alice", passwordOf("alice"))
			wantResult(t, r, err, throttled, "right password while locked")
			if after := e.userRow(alice); after.LoginLockedUntil != row.LoginLockedUntil || after.LoginFailures != 0 {
				t.Fatalf("attempts while locked changed the lock: until %d, failures %d", after.LoginLockedUntil, after.LoginFailures)
			}
			e.clock.Advance(time.Second)
		}
		r, err := e.svc.Password(ctxOf(t), e.flow(), "alice", passwordOf("alice"))
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "right password once the lock ended")
	})
}

// TestPasswordReleasesReservation: with the question to come, a right
// password gives its reserved attempt back (the run of failures is kept
// until the answer); with the question off it ends the run.
func TestPasswordReleasesReservation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []option
		before int // wrong passwords first
		want   int
	}{
		{"question on: the run continues until the answer", nil, 3, 3},
		{"question off: a right password ends the run", []option{withoutQuestion}, 3, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			backends(t, func(t *testing.T, e *env) {
				alice := e.user("alice")
				for range tc.before {
					_, err := e.svc.Password(ctxOf(t), e.flow(), "alice", "wrong-password-123")
					must(t, err, "wrong password")
				}
				j := e.flow()
				r, err := e.svc.Password(ctxOf(t), j, "alice", passwordOf("alice"))
				wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "right password")
				if got := e.userRow(alice).LoginFailures; got != tc.want {
					t.Fatalf("login failures after a right password = %d, want %d", got, tc.want)
				}
				if e.cfg.QuestionEnabled {
					r, err = e.svc.Question(ctxOf(t), e.reload(j), goodAnswer)
					wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "right answer")
					if got := e.userRow(alice).LoginFailures; got != 0 {
						t.Fatalf("login failures after the answer = %d, want 0", got)
					}
				}
			}, tc.opts...)
		})
	}
}

// TestPasswordFlowKeepsItsAccount: a flow identifies one account for
// good: another account's right password in it is a conflict.
func TestPasswordFlowKeepsItsAccount(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		j := e.signIn(alice)
		r, err := e.svc.Password(ctxOf(t), j, "bob", passwordOf("bob"))
		if !errors.Is(err, signin.ErrConflict) {
			t.Fatalf("second account's password: got %s, %v; want ErrConflict", show(r), err)
		}
		j = e.reload(j)
		if j.User.ID != alice.ID || j.Flow.UserID != alice.ID {
			t.Fatalf("flow now belongs to %q, want %q", j.Flow.UserID, alice.ID)
		}
		if got := e.userRow(bob).LoginFailures; got != 0 {
			t.Errorf("bob's reservation was kept: %d failures", got)
		}
		// Alice's own password again starts her steps afresh.
		r, err = e.svc.Password(ctxOf(t), j, "alice", passwordOf("alice"))
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "same account again")
		wantStep(t, e.reload(j), signin.StepQuestion, "after a new password step")
	})
}

// TestPasswordFullWidth: a password is compared in its NFKC form, so one
// typed with full-width characters equals its half-width form; a hash
// stored before passwords were normalised (of the full-width form as
// typed) still verifies and is replaced by the normalised one.
func TestPasswordFullWidth(t *testing.T) {
	t.Parallel()
	const half, full = "wharf-staple-orbit-9", "ｗｈａｒｆ－ｓｔａｐｌｅ－ｏｒｂｉｔ－９"
	backends(t, func(t *testing.T, e *env) {
		e.secret(half, full)
		e.user("nora", func(u *store.User) { u.PasswordHash = e.hasher.Hash(half) })
		j := e.flow()
		r, err := e.svc.Password(ctxOf(t), j, "nora", full)
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "full-width against a normalised hash")
		old := e.user("olly", func(u *store.User) { u.PasswordHash = e.hasher.Hash(full) })
		j = e.flow()
		r, err = e.svc.Password(ctxOf(t), j, "olly", full)
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "full-width against a hash stored as typed")
		stored := e.userRow(old).PasswordHash
		if ok, legacy, _ := e.hasher.VerifyPassword(context.Background(), half, stored); !ok || legacy {
			t.Fatalf("the legacy hash was not replaced by the normalised one: ok %v legacy %v", ok, legacy)
		}
		j = e.flow()
		r, err = e.svc.Password(ctxOf(t), j, "olly", half)
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "half-width after the upgrade")
	})
}

// TestPasswordWhenHashingIsFull: with every hashing slot taken for longer
// than the wait, a password check is answered ErrBusy (503, retry) and
// nothing is counted against the account.
func TestPasswordWhenHashingIsFull(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		g := credential.NewGate(1, 20*time.Millisecond)
		e.hasher.Limit(g)
		t.Cleanup(func() { e.hasher.Limit(nil) })
		release, err := g.Acquire(ctxOf(t))
		must(t, err, "take the only slot")
		j := e.flow()
		_, err = e.svc.Password(ctxOf(t), j, "alice", "a-wrong-password-1")
		if !errors.Is(err, signin.ErrBusy) {
			t.Fatalf("password while hashing is full: %v, want ErrBusy", err)
		}
		if row := e.userRow(alice); row.LoginFailures != 0 {
			t.Fatalf("a check that never ran counted %d failures", row.LoginFailures)
		}
		release()
		r, err := e.svc.Password(ctxOf(t), e.reload(j), "alice", passwordOf("alice"))
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "password once a slot is free")
	})
}
