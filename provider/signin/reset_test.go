package signin_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// recoveryInvalid is a counted wrong recovery code with tries left.
func recoveryInvalid(left int) signin.Result {
	return signin.Result{Outcome: signin.Rejected, Problem: templates.MsgRecoveryCodeInvalid, TriesLeft: left}
}

// TestResetWithRecoveryCode: a right recovery code removes the lost
// device and leads to enrollment in the same sign-in; a wrong or used one
// is counted toward the passcode lock; with self-service off the step is
// Forbidden and nothing is counted.
func TestResetWithRecoveryCode(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		t.Run("right code resets the device", func(t *testing.T) {
			e := e.in(t)
			alice := e.user("alice")
			_, codes := e.device(alice)
			j := e.signIn(alice)
			e.events.reset()
			r, err := e.svc.ResetWithRecoveryCode(ctxOf(t), j, strings.ToUpper(codes[3]))
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "right recovery code, upper case")
			wantStep(t, e.reload(j), signin.StepEnroll, "after the reset")
			if _, err := e.store.DeviceByUser(ctxOf(t), alice.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the lost device is still there: %v", err)
			}
			if ev := e.events.named(store.EventResetDone); len(ev) != 1 || !strings.Contains(ev[0].Detail, "recovery code") {
				t.Fatalf("reset events %v, want one naming the recovery code", ev)
			}
		})
		t.Run("wrong and used codes count toward the passcode lock", func(t *testing.T) {
			e := e.in(t)
			bob := e.user("bob")
			_, codes := e.device(bob)
			j := e.signIn(bob)
			used, err := e.store.UnusedRecoveryCodes(ctxOf(t), bob.ID)
			must(t, err, "recovery codes")
			for _, rc := range used {
				if ok, _ := e.hasher.Verify(mfa.NormalizeRecoveryCode(codes[0]), rc.CodeHash); ok {
					_, err := e.store.UseRecoveryCode(ctxOf(t), rc.ID)
					must(t, err, "use code")
				}
			}
			r, err := e.svc.ResetWithRecoveryCode(ctxOf(t), j, "2345-6789-abcd")
			wantResult(t, r, err, recoveryInvalid(4), "wrong recovery code")
			r, err = e.svc.ResetWithRecoveryCode(ctxOf(t), j, codes[0])
			wantResult(t, r, err, recoveryInvalid(3), "used recovery code")
			for left := 2; left > 0; left-- {
				r, err = e.svc.Passcode(ctxOf(t), j, "000000")
				if err != nil || r.Outcome != signin.Rejected || r.TriesLeft != left {
					t.Fatalf("wrong passcode after wrong recovery codes: got %s, %v; want %d left", show(r), err, left)
				}
			}
			r, err = e.svc.ResetWithRecoveryCode(ctxOf(t), j, strings.Repeat("x", 65))
			wantResult(t, r, err, signin.Result{Outcome: signin.Moved}, "fifth wrong second factor")
			wantStep(t, e.reload(j), signin.StepLocked, "after five wrong second factors")
			if _, err := e.store.DeviceByUser(ctxOf(t), bob.ID); err != nil {
				t.Fatalf("wrong codes removed the device: %v", err)
			}
		})
		t.Run("self-service off: forbidden, not counted", func(t *testing.T) {
			e := e.in(t)
			cara := e.user("cara")
			_, codes := e.device(cara)
			j := e.signIn(cara)
			cfg := e.cfg
			cfg.SelfServiceReset = false
			off := signin.New(cfg, e.deps)
			r, err := off.ResetWithRecoveryCode(ctxOf(t), j, codes[0])
			wantResult(t, r, err, signin.Result{Outcome: signin.Forbidden}, "recovery code")
			r, err = off.EmailResetLink(ctxOf(t), j)
			wantResult(t, r, err, signin.Result{Outcome: signin.Forbidden}, "emailed link")
			if row := e.userRow(cara); row.OTPFailures != 0 {
				t.Fatalf("a forbidden reset was counted")
			}
			if _, err := e.store.DeviceByUser(ctxOf(t), cara.ID); err != nil {
				t.Fatalf("a forbidden reset removed the device: %v", err)
			}
		})
	})
}

// TestEmailResetLink: a link is mailed only when mail is on and the
// account has an address; it is built from the configured issuer.
func TestEmailResetLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []option
		email string
		want  signin.Outcome
	}{
		{"mail on, address known: mailed", nil, "alice@example.com", signin.Passed},
		{"mail off: forbidden", []option{withoutMail}, "alice@example.com", signin.Forbidden},
		{"no address: forbidden", nil, "", signin.Forbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			backends(t, func(t *testing.T, e *env) {
				alice := e.user("alice", func(u *store.User) { u.Email = tc.email })
				e.device(alice)
				j := e.signIn(alice)
				r, err := e.svc.EmailResetLink(ctxOf(t), j)
				wantResult(t, r, err, signin.Result{Outcome: tc.want}, tc.name)
				mailed := len(e.mail.links) == 1
				if mailed != (tc.want == signin.Passed) {
					t.Fatalf("mailed %d links", len(e.mail.links))
				}
				if !mailed {
					return
				}
				if !strings.HasPrefix(e.mail.links[0], testIssuer+"/login/reset/link?token=") {
					t.Fatalf("link %q is not built from the issuer", e.mail.links[0])
				}
				if ev := e.events.named(store.EventResetRequested); len(ev) != 1 {
					t.Fatalf("reset request events %v, want one", ev)
				}
			}, tc.opts...)
		})
	}
}

// TestResetWithLink: an emailed link names its sign-in, works only for
// its account, once, and before it expires.
func TestResetWithLink(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		e.device(alice)
		e.device(bob)
		mailed := func(j *signin.Journey) string {
			t.Helper()
			r, err := e.svc.EmailResetLink(ctxOf(t), j)
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "mail a link")
			u, err := url.Parse(e.mail.links[len(e.mail.links)-1])
			must(t, err, "parse link")
			token := u.Query().Get("token")
			e.secret(token)
			return token
		}
		j := e.signIn(alice)
		token := mailed(j)
		id, err := e.svc.LinkFlow(ctxOf(t), token, store.LinkReset, "")
		if err != nil || id != j.Flow.ID {
			t.Fatalf("LinkFlow = %q, %v; want the sign-in that asked for it", id, err)
		}
		_, err = e.svc.ResetWithLink(ctxOf(t), e.signIn(bob), token)
		if !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("another account's link: got %v, want ErrLinkInvalid", err)
		}
		if _, err := e.store.DeviceByUser(ctxOf(t), bob.ID); err != nil {
			t.Fatalf("another account's link removed bob's device: %v", err)
		}
		other := e.signIn(alice)
		if _, err := e.svc.ResetWithLink(ctxOf(t), other, token); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("the link in another sign-in of the same account: got %v, want ErrLinkInvalid", err)
		}
		r, err := e.svc.ResetWithLink(ctxOf(t), j, token)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "the link in its own sign-in (not used up by the refusals)")
		wantStep(t, e.reload(j), signin.StepEnroll, "after the reset")
		if ev := e.events.named(store.EventResetDone); len(ev) != 1 || !strings.Contains(ev[0].Detail, "emailed link") {
			t.Fatalf("reset events %v, want one naming the emailed link", ev)
		}
		if _, err := e.svc.ResetWithLink(ctxOf(t), e.reload(j), token); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("the link a second time: got %v, want ErrLinkInvalid", err)
		}
		if _, err := e.svc.LinkFlow(ctxOf(t), token, store.LinkReset, ""); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("LinkFlow of a used link: got %v, want ErrLinkInvalid", err)
		}

		late := e.signIn(bob)
		expiring := mailed(late)
		e.clock.Advance(e.cfg.ResetLinkLifetime)
		if _, err := e.svc.ResetWithLink(ctxOf(t), late, expiring); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("a link at its expiry: got %v, want ErrLinkInvalid", err)
		}
		older := mailed(late)
		e.clock.Advance(e.cfg.ResetLinkLifetime - time.Second)
		newer := mailed(late)
		if _, err := e.svc.ResetWithLink(ctxOf(t), late, older); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("an older link after a newer one was mailed: got %v, want ErrLinkInvalid", err)
		}
		if _, err := e.svc.ResetWithLink(ctxOf(t), late, newer); err != nil {
			t.Fatalf("the newest link within its lifetime: %v", err)
		}
	})
}

// TestResetMailLimit: at most ResetMailsPerHour reset links are mailed for
// an account in any hour, whichever of its sign-ins asks; beyond that the
// answer is Limited, nothing is mailed, and no lock counts it.
func TestResetMailLimit(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		e.device(alice)
		for i := range e.cfg.ResetMailsPerHour {
			r, err := e.svc.EmailResetLink(ctxOf(t), e.signIn(alice))
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, fmt.Sprint("mail ", i+1))
			e.clock.Advance(time.Minute)
		}
		r, err := e.svc.EmailResetLink(ctxOf(t), e.signIn(alice))
		wantResult(t, r, err, signin.Result{Outcome: signin.Limited, Problem: templates.MsgResetMailLimit}, "one mail too many")
		if got := len(e.mail.links); got != e.cfg.ResetMailsPerHour {
			t.Fatalf("%d links mailed, want %d", got, e.cfg.ResetMailsPerHour)
		}
		if u := e.userRow(alice); u.OTPFailures != 0 || u.OTPLocked || u.LoginFailures != 0 || u.LoginLockedUntil != 0 {
			t.Fatalf("the mail limit counted toward a lock: %+v", u)
		}
		e.clock.Advance(time.Hour)
		r, err = e.svc.EmailResetLink(ctxOf(t), e.signIn(alice))
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "a mail an hour later")
	})
}

// TestAbandonedResetLocksNobodyOut: after a self-service reset that its
// browser abandoned before enrolling, other browsers wait at the proof
// step; whatever they type there is throttled and never counts toward the
// lock (finding 6 of "Whoever holds a stolen password and answer").
func TestAbandonedResetLocksNobodyOut(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		_, codes := e.device(alice)
		r, err := e.svc.ResetWithRecoveryCode(ctxOf(t), e.signIn(alice), codes[0])
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "reset, then abandoned")
		other := e.signIn(alice)
		wantStep(t, other, signin.StepEnrollProof, "another browser")
		for i := range 12 {
			if _, err := e.svc.Proof(ctxOf(t), other, fmt.Sprint("guess-", i)); err != nil {
				t.Fatal(err)
			}
		}
		if row := e.userRow(alice); row.OTPLocked || row.OTPFailures != 0 {
			t.Fatalf("guesses at the waiting step counted toward the lock: locked %v failures %d", row.OTPLocked, row.OTPFailures)
		}
	})
}
