package signin_test

import (
	"errors"
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

// proofInvalid is a counted wrong proof with tries left.
func proofInvalid(left int) signin.Result {
	return signin.Result{Outcome: signin.Rejected, Problem: templates.MsgProofInvalid, TriesLeft: left}
}

// TestProof: after an administrator's reset the journey asks for the
// enrollment proof; a wrong one is counted, the right one passes once and
// leads to enrollment; an expired one is counted like a wrong one.
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
			wantResult(t, r, err, proofInvalid(4), "wrong proof")
			r, err = e.svc.Proof(ctxOf(t), j, "")
			wantResult(t, r, err, signin.Result{Outcome: signin.Invalid, Problem: templates.MsgFieldRequired}, "no proof")
			e.events.reset()
			r, err = e.svc.Proof(ctxOf(t), j, "K7M2 X9QP 4HTA")
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "right proof, typed loosely")
			j = e.reload(j)
			if !j.State.ProofDone {
				t.Fatalf("the journey does not record the proof")
			}
			wantStep(t, j, signin.StepEnroll, "after the proof")
			if ev := e.events.named(store.EventProofAccepted); len(ev) != 1 {
				t.Fatalf("proof events %v, want one", ev)
			}
			if got := e.userRow(alice).OTPFailures; got != 0 {
				t.Fatalf("a right proof left %d failures", got)
			}
			other := e.signIn(alice)
			wantStep(t, other, signin.StepEnrollProof, "another browser after the proof")
			r, err = e.svc.Proof(ctxOf(t), other, proof)
			wantResult(t, r, err, proofInvalid(4), "the proof a second time")
		})
		t.Run("expired proof is counted", func(t *testing.T) {
			e := e.in(t)
			bob := e.user("bob")
			e.adminReset(bob, proof, 10*time.Minute)
			j := e.signIn(bob)
			e.clock.Advance(10 * time.Minute)
			r, err := e.svc.Proof(ctxOf(t), j, proof)
			wantResult(t, r, err, proofInvalid(4), "proof at its expiry")
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
		wantStep(t, e.reload(j), signin.StepEnroll, "after the proof link")
		if _, err := e.svc.ProofWithLink(ctxOf(t), e.signIn(alice), token); !errors.Is(err, signin.ErrLinkInvalid) {
			t.Fatalf("the proof link a second time: got %v, want ErrLinkInvalid", err)
		}
	})
}
