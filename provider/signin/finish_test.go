package signin_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// finish finishes j and returns the new session's cookie value.
func (e *env) finish(j *signin.Journey, old string) string {
	e.t.Helper()
	v, err := e.svc.Finish(ctxOf(e.t), j, old)
	must(e.t, err, "finish")
	e.secret(v.Session)
	return v.Session
}

// TestFinishTellsTheTruth: a finished flow and its session claim exactly
// the methods performed: the first factor alone is [pwd kba] at the
// password acr; a passcode, or an enrollment in this sign-in, adds otp and
// mfa at the MFA acr.
func TestFinishTellsTheTruth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		journey func(e *env) *signin.Journey
		amr     []string
		acr     string
	}{
		{"first factor only", func(e *env) *signin.Journey { return e.signIn(e.user("alice")) },
			[]string{"pwd", "kba"}, signin.ACRPassword},
		{"passcode", func(e *env) *signin.Journey {
			u := e.user("bob")
			secret, _ := e.device(u)
			j := e.signIn(u)
			r, err := e.svc.Passcode(ctxOf(e.t), j, e.code(secret, 0))
			wantResult(e.t, r, err, signin.Result{Outcome: signin.Passed}, "passcode")
			return j // the passcode's write finished the flow; Finish completes it
		}, []string{"pwd", "kba", "otp", "mfa"}, signin.ACRMFA},
		{"enrolled in this sign-in", func(e *env) *signin.Journey {
			_, j := e.enrolling("carl")
			er, err := e.svc.Enroll(ctxOf(e.t), j, "other", e.code(e.offer(j), 0))
			wantResult(e.t, er.Result, err, signin.Result{Outcome: signin.Passed}, "enroll")
			r, err := e.svc.AckRecoveryCodes(ctxOf(e.t), e.reload(j))
			wantResult(e.t, r, err, signin.Result{Outcome: signin.Passed}, "acknowledge")
			return e.reload(j)
		}, []string{"pwd", "kba", "otp", "mfa"}, signin.ACRMFA},
	}
	backends(t, func(t *testing.T, e *env) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e := e.in(t)
				j := tc.journey(e)
				wantStep(t, j, signin.StepDone, tc.name)
				e.events.reset()
				v := e.finish(j, "")
				f := e.flowRow(j)
				if f.DoneAt == nil || !slices.Equal(f.AMR, tc.amr) || f.ACR != tc.acr {
					t.Fatalf("finished flow: done %v, amr %s, acr %q; want amr %s, acr %q",
						f.DoneAt != nil, join(f.AMR), f.ACR, join(tc.amr), tc.acr)
				}
				s, err := e.store.SessionByID(ctxOf(t), credential.HashToken(v))
				must(t, err, "session")
				if s.UserID != j.User.ID || !slices.Equal(s.AMR, tc.amr) || s.ACR != tc.acr {
					t.Fatalf("session of %q: amr %s, acr %q; want amr %s, acr %q", s.UserID, join(s.AMR), s.ACR, join(tc.amr), tc.acr)
				}
				if ev := e.events.named(store.EventSignIn); len(ev) != 1 || ev[0].Detail != "amr "+strings.Join(tc.amr, " ") {
					t.Fatalf("sign-in events %v, want one naming amr %s", ev, join(tc.amr))
				}
			})
		}
	})
}

// TestFinishOnlyWhenDone: a journey with a step still due cannot finish,
// and nothing is recorded.
func TestFinishOnlyWhenDone(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		e.device(alice)
		j := e.signIn(alice)
		wantStep(t, j, signin.StepOTP, "passcode due")
		if _, err := e.svc.Finish(ctxOf(t), j, ""); !errors.Is(err, signin.ErrConflict) {
			t.Fatalf("finish with the passcode due: got %v, want ErrConflict", err)
		}
		if f := e.flowRow(j); f.DoneAt != nil {
			t.Fatalf("an unfinished journey was marked done")
		}
		if ev := e.events.named(store.EventSignIn); len(ev) != 0 {
			t.Fatalf("an unfinished journey recorded %v", ev)
		}
	})
}

// TestFinishNewSession: every sign-in starts a session with a fresh
// value (a planted cookie is never promoted) and ends the one it replaces.
func TestFinishNewSession(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		first := e.finish(e.signIn(alice), "")
		second := e.finish(e.signIn(alice), first)
		if second == first || second == "" {
			t.Fatalf("the second sign-in kept the session value")
		}
		if _, err := e.store.SessionByID(ctxOf(t), credential.HashToken(first)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the replaced session still exists: %v", err)
		}
		planted := "planted-cookie-value"
		third := e.finish(e.signIn(alice), planted)
		if third == planted {
			t.Fatalf("a planted cookie value was promoted")
		}
		for _, v := range []string{second, third} {
			if _, err := e.store.SessionByID(ctxOf(t), credential.HashToken(v)); err != nil {
				t.Fatalf("a new session is missing: %v", err)
			}
		}
	})
}
