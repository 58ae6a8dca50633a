package signin_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// proofLife is how long an administrator's enrollment proof is valid here.
const proofLife = 24 * time.Hour

// adminReset resets u's device as an administrator would, with the
// enrollment proof proof valid for life.
func (e *env) adminReset(u *store.User, proof string, life time.Duration) {
	e.t.Helper()
	e.secret(proof)
	hash := e.hasher.Hash(mfa.NormalizeRecoveryCode(proof))
	must(e.t, e.store.AdminResetDevice(ctxOf(e.t), u.ID, hash, e.clock.Now().Add(life)), "admin reset")
}

// proofInvalid is a wrong proof: refused, and counted toward no lock.
var proofInvalid = signin.Result{Outcome: signin.Rejected, Problem: templates.MsgProofInvalid}

// TestProof: after an administrator's reset the journey asks for the
// enrollment proof; a wrong or expired one is refused without counting
// toward the lock; the right one passes once and leads to a new password
// and answer, then enrollment.
func TestProof(t *testing.T) {
	t.Parallel()
	const proof = "k7m2-x9qp-4hta"
	backends(t, func(t *testing.T, e *env) {
		t.Run("wrong counted, right passes once", func(t *testing.T) {
			e := e.in(t)
			alice := e.user("alice")
			e.device(alice)
			e.adminReset(alice, proof, proofLife)
			j := e.signIn(alice)
			wantStep(t, j, signin.StepEnrollProof, "after an admin reset")
			r, err := e.svc.Proof(ctxOf(t), j, "k7m2-x9qp-4htb")
			wantResult(t, r, err, proofInvalid, "wrong proof")
			r, err = e.svc.Proof(ctxOf(t), j, "")
			wantResult(t, r, err, signin.Result{Outcome: signin.Invalid, Problem: templates.MsgFieldRequired}, "no proof")
			e.events.reset()
			r, err = e.svc.Proof(ctxOf(t), j, "K7M2 X9QP 4HTA")
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "right proof, typed loosely")
			j = e.reload(j)
			if !j.State.ProofDone {
				t.Fatalf("the journey does not record the proof")
			}
			wantStep(t, j, signin.StepSetup, "after the proof: a new password and answer first")
			if ev := e.events.named(store.EventProofAccepted); len(ev) != 1 {
				t.Fatalf("proof events %v, want one", ev)
			}
			if row := e.userRow(alice); row.OTPFailures != 0 || !row.MustChangePassword {
				t.Fatalf("after the proof: %d failures, must change password %v", row.OTPFailures, row.MustChangePassword)
			}
			other := e.signIn(alice)
			wantStep(t, other, signin.StepEnrollProof, "another browser after the proof")
			r, err = e.svc.Proof(ctxOf(t), other, proof)
			wantResult(t, r, err, proofInvalid, "the proof a second time")
		})
		t.Run("expired proof is refused", func(t *testing.T) {
			e := e.in(t)
			bob := e.user("bob")
			e.adminReset(bob, proof, 10*time.Minute)
			j := e.signIn(bob)
			e.clock.Advance(10 * time.Minute)
			r, err := e.svc.Proof(ctxOf(t), j, proof)
			wantResult(t, r, err, proofInvalid, "proof at its expiry")
			wantStep(t, e.reload(j), signin.StepEnrollProof, "after an expired proof")
		})
	})
}

// TestProofWithLink: the emailed form of the proof applies to the sign-in
// of the browser that waits for it, and is used once.
func TestProofWithLink(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		e.device(alice)
		e.adminReset(alice, "k7m2-x9qp-4hta", proofLife)
		token := credential.NewToken()
		e.secret(token)
		now := e.clock.Now()
		must(t, e.store.CreateLinkToken(ctxOf(t), &store.LinkToken{TokenHash: credential.HashToken(token),
			Purpose: store.LinkProof, UserID: alice.ID, CreatedAt: now, ExpiresAt: now.Add(proofLife)}), "link token")
		j := e.signIn(alice)
		if _, err := e.svc.LinkFlow(ctxOf(t), token, store.LinkProof, browserOf("elsewhere")); !errors.Is(err, signin.ErrWrongBrowser) {
			t.Fatalf("LinkFlow in a browser with no waiting sign-in: got %v, want ErrWrongBrowser", err)
		}
		id, err := e.svc.LinkFlow(ctxOf(t), token, store.LinkProof, j.Flow.BrowserHash)
		if err != nil || id != j.Flow.ID {
			t.Fatalf("LinkFlow = %q, %v; want the waiting sign-in", id, err)
		}
		r, err := e.svc.ProofWithLink(ctxOf(t), j, token)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "proof link")
		wantStep(t, e.reload(j), signin.StepSetup, "after the proof link: a new password and answer first")
		if _, err := e.svc.ProofWithLink(ctxOf(t), e.signIn(alice), token); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("the proof link a second time: got %v, want ErrLinkInvalid", err)
		}
	})
}

// TestProofGuessesNeverLock: whoever holds the password and answer after
// an administrator's reset can guess the enrollment code only a few times
// per window, and no number of guesses locks the account or voids the
// administrator's code (the loop that used to lock the owner out again
// after every reset).
func TestProofGuessesNeverLock(t *testing.T) {
	t.Parallel()
	const proof = "k7m2-x9qp-4hta"
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		e.device(alice)
		e.adminReset(alice, proof, proofLife)
		attacker := e.signIn(alice)
		for i := 1; i <= 20; i++ {
			r, err := e.svc.Proof(ctxOf(t), attacker, "k7m2-x9qp-0000")
			want := proofInvalid
			if i > 5 {
				want = signin.Result{Outcome: signin.Limited, Problem: templates.MsgProofThrottled}
			}
			wantResult(t, r, err, want, fmt.Sprint("guess ", i))
		}
		if row := e.userRow(alice); row.OTPLocked || row.OTPFailures != 0 || row.ProofHash == "" {
			t.Fatalf("guessing the proof locked the account or voided the code: %+v", row)
		}
		wantStep(t, e.reload(attacker), signin.StepEnrollProof, "the guesser is still at the proof")
		owner := e.signIn(alice)
		r, err := e.svc.Proof(ctxOf(t), owner, proof)
		wantResult(t, r, err, signin.Result{Outcome: signin.Limited, Problem: templates.MsgProofThrottled},
			"the owner within the guesser's window")
		e.clock.Advance(15 * time.Minute)
		r, err = e.svc.Proof(ctxOf(t), owner, proof)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "the owner's code once the window passed")
	})
}

// TestNewCredentialsAfterProof: after the proof, the owner's browser sets
// a new password and a new answer before enrolling (the old answer is
// refused), while any other browser, however much it knows, waits at the
// proof step; afterwards the old password no longer signs in.
func TestNewCredentialsAfterProof(t *testing.T) {
	t.Parallel()
	const proof = "k7m2-x9qp-4hta"
	backends(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		e.device(alice)
		e.adminReset(alice, proof, proofLife)
		owner := e.signIn(alice)
		r, err := e.svc.Proof(ctxOf(t), owner, proof)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "proof")
		owner = e.reload(owner)
		wantStep(t, owner, signin.StepSetup, "right after the proof")
		wantStep(t, e.signIn(alice), signin.StepEnrollProof, "another browser while the owner sets up")

		in := signin.SetupInput{NewPassword: "a-brand-new-password", NewPasswordConfirm: "a-brand-new-password",
			Question: "first_pet", Answer: goodAnswer, AnswerConfirm: goodAnswer}
		e.secret(in.NewPassword)
		r, err = e.svc.Setup(ctxOf(t), owner, in)
		wantResult(t, r, err, signin.Result{Outcome: signin.Invalid, Problem: templates.MsgAnswerReused}, "the old answer again")
		in.Answer, in.AnswerConfirm = "Grey Seal", "grey seal"
		e.secret(in.Answer)
		r, err = e.svc.Setup(ctxOf(t), owner, in)
		wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "a new password and answer")
		wantStep(t, e.reload(owner), signin.StepEnroll, "after the new credentials")

		old := e.flow()
		r, err = e.svc.Password(ctxOf(t), old, "alice", passwordOf("alice"))
		wantResult(t, r, err, signin.Result{Outcome: signin.Rejected, Problem: templates.MsgSignInFailed}, "the old password")
	})
}
