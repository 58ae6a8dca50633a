package signin_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// The password/answer throttle (issue 10, finding 3): known browsers keep
// their own budget, lock levels decay, unknown browsers are bounded, and a
// name that is no account is throttled exactly like one that is.

var (
	wrongPassword = signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}
	lockedMinute  = signin.Result{Outcome: signin.Limited, Problem: templates.MsgTooManyAttemptsMinute, RetryMinutes: 1}
	atBound       = signin.Result{Outcome: signin.Limited, Problem: templates.MsgSignInNeedsLink, OfferLink: true}
)

// deviceOf is the device cookie hash of a test browser.
func deviceOf(name string) string { return credential.HashToken("device-" + name) }

// knownFlow is a new flow in a browser with device cookie device.
func (e *env) knownFlow(device string) *signin.Journey {
	j := e.flow()
	j.DeviceCookie = device
	return j
}

// finishIn signs u in from scratch in a browser with device cookie device
// and finishes the sign-in, which makes the browser a known one.
func (e *env) finishIn(u *store.User, device string) {
	e.t.Helper()
	j := e.signIn(u)
	j.DeviceCookie = device
	_, err := e.svc.Finish(ctxOf(e.t), j, "")
	must(e.t, err, "finish the sign-in of "+u.Username)
}

// password submits a password of name in a new flow of the browser.
func (e *env) password(device, name, pw string) signin.Result {
	e.t.Helper()
	r, err := e.svc.Password(ctxOf(e.t), e.knownFlow(device), name, pw)
	must(e.t, err, "password of "+name)
	return r
}

// lockRun makes wrong passwords from an unknown browser until the
// budget locks, then waits for the lock to end (an hour is the longest).
func (e *env) lockRun(name string) {
	e.t.Helper()
	for i := range e.cfg.LoginLockout.Threshold {
		if r := e.password("", name, "wrong-password"); r != wrongPassword {
			e.t.Fatalf("wrong password %d of %s: %s", i+1, name, show(r))
		}
	}
	r := e.password("", name, "wrong-password")
	if r.Outcome != signin.Limited {
		e.t.Fatalf("after a run of %s: %s, want a lock", name, show(r))
	}
	e.clock.Advance(time.Hour)
}

// TestKnownBrowserKeepsItsOwnBudget: failures from unknown browsers lock
// unknown browsers only; the owner's known browser signs in, and its own
// failures lock it alone.
func TestKnownBrowserKeepsItsOwnBudget(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		home := deviceOf("alice-home")
		e.finishIn(alice, home)
		if ok, err := e.store.IsKnownBrowser(ctxOf(t), alice.ID, home, e.cfg.KnownBrowserLifetime); err != nil || !ok {
			t.Fatalf("a finished sign-in did not make the browser known: %v %v", ok, err)
		}
		for range 30 {
			e.password(deviceOf("attacker"), "alice", "wrong-password")
		}
		if r := e.password(deviceOf("attacker"), "alice", passwordOf("alice")); r != lockedMinute {
			t.Fatalf("unknown browser, right password, after 30 failures: %s", show(r))
		}
		if r := e.password("", "alice", passwordOf("alice")); r != lockedMinute {
			t.Fatalf("a browser without a device cookie: %s", show(r))
		}
		// The owner at home is not affected, and a device cookie that is
		// known for another account is unknown for alice.
		if r := e.password(home, "alice", passwordOf("alice")); r.Outcome != signin.Moved {
			t.Fatalf("the owner's known browser: %s", show(r))
		}
		bob := e.user("bob")
		e.finishIn(bob, deviceOf("bob-home"))
		if r := e.password(deviceOf("bob-home"), "alice", passwordOf("alice")); r != lockedMinute {
			t.Fatalf("bob's browser is not alice's: %s", show(r))
		}
		// The known browser's own failures lock it, not the others'.
		for range 10 {
			e.password(home, "alice", "wrong-password")
		}
		if r := e.password(home, "alice", passwordOf("alice")); r != lockedMinute {
			t.Fatalf("the known browser after its own 10 failures: %s", show(r))
		}
		locks := e.events.named(store.EventLoginLocked)
		if len(locks) != 2 || !strings.Contains(locks[1].Detail, "this known browser") {
			t.Fatalf("lock events %v", locks)
		}
		// Past its lifetime a browser is unknown again.
		e.clock.Advance(e.cfg.KnownBrowserLifetime + time.Hour)
		if ok, _ := e.store.IsKnownBrowser(ctxOf(t), alice.ID, home, e.cfg.KnownBrowserLifetime); ok {
			t.Fatal("a browser is known past its lifetime")
		}
	})
}

// TestLockLevelsDecay: each run of failures locks twice as long as the
// last, and each full quiet period lowers the level by one.
func TestLockLevelsDecay(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		for _, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
			for range 10 {
				e.password("", "alice", "wrong-password")
			}
			if until := e.userRow(alice).LoginLockedUntil; until != e.clock.Now().Add(wait).Unix() {
				t.Fatalf("locked for %ds, want %s", until-e.clock.Now().Unix(), wait)
			}
			e.clock.Advance(wait)
		}
		if lvl := e.userRow(alice).LoginLockLevel; lvl != 3 {
			t.Fatalf("lock level after three runs: %d", lvl)
		}
		// Two quiet hours: level 1, so the next run locks for 2 minutes.
		e.clock.Advance(2*time.Hour + 10*time.Minute)
		for range 10 {
			e.password("", "alice", "wrong-password")
		}
		row := e.userRow(alice)
		if row.LoginLockLevel != 2 || row.LoginLockedUntil != e.clock.Now().Add(2*time.Minute).Unix() {
			t.Fatalf("after decay: level %d, locked for %ds", row.LoginLockLevel, row.LoginLockedUntil-e.clock.Now().Unix())
		}
		if r := e.password("", "alice", "x"); r.Problem != templates.MsgTooManyAttempts || r.RetryMinutes != 2 {
			t.Fatalf("while locked for two minutes: %s", show(r))
		}
		// A run of failures short of the threshold is forgotten too.
		e.clock.Advance(5 * time.Hour)
		for range 9 {
			e.password("", "alice", "wrong-password")
		}
		e.clock.Advance(time.Hour)
		e.password("", "alice", "wrong-password")
		if row := e.userRow(alice); row.LoginLockedUntil > e.clock.Now().Unix() || row.LoginFailures != 1 || row.LoginLockLevel != 0 {
			t.Fatalf("after a quiet hour: failures %d level %d locked until %d", row.LoginFailures, row.LoginLockLevel, row.LoginLockedUntil)
		}
	})
}

// TestUnknownBrowsersAreBounded: after 100 consecutive failures from
// unknown browsers (locks waited out on the frozen clock), the right
// password from an unknown browser is refused unchecked; a known browser
// signs in; an emailed sign-in link opened in the sign-in that asked for
// it lets that sign-in check the password again; in another sign-in it
// does nothing. A name that is no account reaches the same bound and the
// same page, and nothing is mailed for it.
func TestUnknownBrowsersAreBounded(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		home := deviceOf("alice-home")
		e.finishIn(alice, home)
		for range 10 {
			e.lockRun("alice")
			e.lockRun("ghost")
		}
		if n := e.userRow(alice).UnknownFailures; n != 100 {
			t.Fatalf("unknown-browser failures %d, want 100", n)
		}
		for _, name := range []string{"alice", "ghost"} {
			if r := e.password("", name, passwordOf("alice")); r != atBound {
				t.Fatalf("%s, the 101st attempt with the right password: %s", name, show(r))
			}
		}
		if r := e.password(home, "alice", passwordOf("alice")); r.Outcome != signin.Moved {
			t.Fatalf("the owner's known browser at the bound: %s", show(r))
		}

		// The link: asked for in one sign-in, mailed, opened elsewhere and here.
		j := e.flow()
		if r := e.password("", "alice", passwordOf("alice")); r != atBound {
			t.Fatalf("still bounded for unknown browsers: %s", show(r))
		}
		r, err := e.svc.EmailSignInLink(ctxOf(t), j, "Alice")
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "ask for a sign-in link")
		r, err = e.svc.EmailSignInLink(ctxOf(t), e.flow(), "ghost")
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "ask for a link for a name that is no account")
		e.svc.Wait()
		if got := e.mail.mails(); len(got) != 1 || got[0] != "signin-link alice" {
			t.Fatalf("mails %v, want one sign-in link to alice", got)
		}
		token := strings.TrimPrefix(e.mail.links[0], testIssuer+"/login/password/link?token=")
		e.secret(token)
		other := e.flow()
		if _, err := e.svc.SignInWithLink(ctxOf(t), other, token); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("the link in another sign-in: %v", err)
		}
		if r := e.password("", "alice", passwordOf("alice")); r != atBound {
			t.Fatalf("the link did nothing for other sign-ins: %s", show(r))
		}
		r, err = e.svc.SignInWithLink(ctxOf(t), j, token)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "open the link in its sign-in")
		j = e.reload(j)
		r, err = e.svc.Password(ctxOf(t), j, "alice", passwordOf("alice"))
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "the password past the bound, after the link")
		if _, err := e.svc.SignInWithLink(ctxOf(t), e.flow(), token); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("a second use of the link: %v", err)
		}
		// The answer finishes the sign-in and clears the bound.
		j = e.reload(j)
		r, err = e.svc.Question(ctxOf(t), j, goodAnswer)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "answer after the link")
		if n := e.userRow(alice).UnknownFailures; n != 0 {
			t.Fatalf("a sign-in left %d unknown-browser failures", n)
		}
		if r := e.password("", "alice", passwordOf("alice")); r.Outcome != signin.Moved {
			t.Fatalf("an unknown browser after the owner's sign-in: %s", show(r))
		}
	})
}

// TestAdminUnlockClearsTheBound: an administrator's unlock lifts the
// unknown browsers' lock and their bound.
func TestAdminUnlockClearsTheBound(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		for range 10 {
			e.lockRun("alice")
		}
		for range 10 {
			e.password("", "alice", "wrong-password")
		}
		must(t, e.store.Unlock(ctxOf(t), alice.ID), "unlock")
		if r := e.password("", "alice", passwordOf("alice")); r.Outcome != signin.Moved {
			t.Fatalf("after the unlock: %s", show(r))
		}
	})
}

// TestThrottleRacesAreExact: fifty racing wrong passwords on each budget
// (unknown browsers of an account, a known browser, a name that is no
// account) check exactly the threshold, and only unknown browsers' count
// toward the bound.
func TestThrottleRacesAreExact(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		home := deviceOf("alice-home")
		e.finishIn(alice, home)
		e.events.reset()
		for _, try := range []struct{ name, device string }{{"alice", ""}, {"alice", home}, {"ghost", ""}} {
			flows := make([]*signin.Journey, 50)
			for i := range flows {
				flows[i] = e.knownFlow(try.device)
			}
			results := make([]signin.Result, len(flows))
			var wg sync.WaitGroup
			for i, j := range flows {
				wg.Go(func() {
					r, err := e.svc.Password(ctxOf(t), j, try.name, "wrong-password")
					if err != nil {
						t.Errorf("racing password: %v", err)
					}
					results[i] = r
				})
			}
			wg.Wait()
			checked := 0
			for _, r := range results {
				if r == wrongPassword {
					checked++
				}
			}
			if checked != e.cfg.LoginLockout.Threshold {
				t.Fatalf("%s in browser %q: %d racing wrong passwords checked, want %d", try.name, try.device, checked,
					e.cfg.LoginLockout.Threshold)
			}
		}
		if n := e.userRow(alice).UnknownFailures; n != 10 {
			t.Fatalf("unknown-browser failures %d, want 10 (the known browser's do not count)", n)
		}
		if got := len(e.events.named(store.EventLoginLocked)); got != 2 {
			t.Fatalf("%d lock events, want one per account budget", got)
		}
	})
}

// TestBoundAtTheQuestion: when the bound is reached at the question step
// (someone with the password guessing answers), that sign-in is offered
// the link too; opened there, it lets the answer be checked.
func TestBoundAtTheQuestion(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		// 99 failures from unknown browsers, long ago.
		many := store.LoginPolicy{Lockout: mfa.Lockout{Threshold: 1000, Base: time.Minute, Max: time.Hour}}
		for range e.cfg.UnknownBrowserLimit - 1 {
			r, ok, err := e.store.Reserve(ctxOf(t), store.AccountBudget(alice.ID), many)
			if err != nil || !ok {
				t.Fatalf("reserve: %v %v", ok, err)
			}
			_, err = e.store.Confirm(ctxOf(t), store.AccountBudget(alice.ID), many.Lockout, r)
			must(t, err, "confirm")
		}
		e.clock.Advance(2 * time.Hour)
		j := e.flow()
		r, err := e.svc.Password(ctxOf(t), j, "alice", passwordOf("alice"))
		wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "password")
		j = e.reload(j)
		r, err = e.svc.Question(ctxOf(t), j, "wrong answer")
		wantResult(t, r, err, wrongPassword, "the 100th failure, a wrong answer")
		r, err = e.svc.Question(ctxOf(t), j, goodAnswer)
		wantResult(t, r, err, atBound, "the right answer at the bound")
		r, err = e.svc.EmailSignInLink(ctxOf(t), j, "")
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "ask for the link at the question")
		e.svc.Wait()
		if got := e.mail.mails(); len(got) != 1 || got[0] != "signin-link alice" {
			t.Fatalf("mails %v", got)
		}
		token := strings.TrimPrefix(e.mail.links[0], testIssuer+"/login/password/link?token=")
		e.secret(token)
		r, err = e.svc.SignInWithLink(ctxOf(t), j, token)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "open the link at the question")
		j = e.reload(j)
		r, err = e.svc.Question(ctxOf(t), j, goodAnswer)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "the answer after the link")
		if n := e.userRow(alice).UnknownFailures; n != 0 {
			t.Fatalf("%d unknown-browser failures after the sign-in", n)
		}
	})
}
