package signin_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// Someone who phished the password and the answer (one factor) must not
// enrol the first device of an account: mfa.enrollment_proof asks for a
// proof they lack. These tests fail with the trust-on-first-use journey
// (finding 1 of the lifecycle review).

// selfEnrolling is a flow that asks for the multi-factor acr, as an
// attacker adds acr_values to enrol their own authenticator on an account
// nothing requires to use one.
func selfEnrolling(f *store.Flow) { f.ACRValues = signin.ACRMFA }

// signInFlow passes u's password and answer in a flow made by mods.
func (e *env) signInFlow(u *store.User, mods ...func(*store.Flow)) *signin.Journey {
	e.t.Helper()
	j := e.flow(mods...)
	r, err := e.svc.Password(ctxOf(e.t), j, u.Username, passwordOf(u.Username))
	wantResult(e.t, r, err, signin.Result{Outcome: signin.Moved}, "password of "+u.Username)
	j = e.reload(j)
	r, err = e.svc.Question(ctxOf(e.t), j, goodAnswer)
	wantResult(e.t, r, err, signin.Result{Outcome: signin.Passed}, "answer of "+u.Username)
	return e.reload(j)
}

// enrollCode issues an administrator's first-enrollment code for u.
func (e *env) enrollCode(u *store.User, code string) {
	e.t.Helper()
	e.secret(code)
	hash := e.hasher.Hash(mfa.NormalizeRecoveryCode(code))
	must(e.t, e.store.IssueEnrollmentCode(ctxOf(e.t), u.ID, hash, e.clock.Now().Add(proofLife)), "issue enrollment code")
}

// TestFirstEnrollmentNeedsAdminProof: with mfa.enrollment_proof = admin,
// neither acr_values nor an administrator's require-mfa lets the password
// and answer enrol a device; the administrator's code does, once, in the
// browser that typed it, and renews nothing.
func TestFirstEnrollmentNeedsAdminProof(t *testing.T) {
	t.Parallel()
	const code = "m3k9-p2xw-7qtn"
	backends(t, func(t *testing.T, e *env) {
		t.Run("acr_values on an account nothing requires", func(t *testing.T) {
			e := e.in(t)
			mallory := e.user("mallory")
			j := e.signInFlow(mallory, selfEnrolling)
			wantStep(t, j, signin.StepEnrollProof, "self-enrollment through acr_values")
			if !j.FirstEnrollment {
				t.Fatal("the proof step does not know it guards a first enrollment")
			}
			if e.svc.CanEmailEnrollProof(j) {
				t.Fatal("policy admin offers an emailed proof")
			}
			r, err := e.svc.EmailEnrollLink(ctxOf(t), j)
			wantResult(t, r, err, signin.Result{Outcome: signin.Forbidden}, "mail under policy admin")
			for _, guess := range []string{"m3k9-p2xw-7qtn", "0000-0000-0000"} {
				r, err = e.svc.Proof(ctxOf(t), j, guess)
				wantResult(t, r, err, proofInvalid, "a code nobody issued")
			}
			wantStep(t, e.reload(j), signin.StepEnrollProof, "after guesses")
			if len(e.mail.links) != 0 {
				t.Fatalf("mailed %v", e.mail.links)
			}
			if row := e.userRow(mallory); row.OTPLocked || row.OTPFailures != 0 {
				t.Fatalf("proof guesses counted toward the lock: %+v", row)
			}
		})
		t.Run("the administrator's code, once, in one browser", func(t *testing.T) {
			e := e.in(t)
			olga := e.user("olga", requireMFA)
			attacker := e.signIn(olga)
			wantStep(t, attacker, signin.StepEnrollProof, "required by an administrator, no device")
			e.enrollCode(olga, code)
			owner := e.signIn(olga)
			r, err := e.svc.Proof(ctxOf(t), owner, strings.ToUpper(code))
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "the administrator's code")
			owner = e.reload(owner)
			wantStep(t, owner, signin.StepEnroll, "after the code: enrollment, no new password")
			if row := e.userRow(olga); row.MustChangePassword || row.ProofHash != "" {
				t.Fatalf("a first-enrollment code renewed credentials or stayed valid: %+v", row)
			}
			wantStep(t, e.reload(attacker), signin.StepEnrollProof, "the other browser after the owner's code")
			r, err = e.svc.Proof(ctxOf(t), attacker, code)
			wantResult(t, r, err, proofInvalid, "the code a second time")
		})
		t.Run("an account with a device needs no code", func(t *testing.T) {
			e := e.in(t)
			pat := e.user("pat", requireMFA)
			e.device(pat)
			err := e.store.IssueEnrollmentCode(ctxOf(t), pat.ID, e.hasher.Hash("x"), e.clock.Now().Add(time.Hour))
			if !errors.Is(err, store.ErrStale) {
				t.Fatalf("code for an account with a device: %v, want ErrStale", err)
			}
			wantStep(t, e.signIn(pat), signin.StepOTP, "an account with a device")
		})
		t.Run("no second factor asked, no proof asked", func(t *testing.T) {
			e := e.in(t)
			wantStep(t, e.signIn(e.user("quinn")), signin.StepDone, "password-only account")
		})
	}, withEnrollmentProof(signin.EnrollProofAdmin))
}

// TestFirstEnrollmentNeedsEmailedProof: with mfa.enrollment_proof =
// email, the page mails a single-use link bound to the sign-in that asked
// (and so to its browser); it works once, only there, and the enrollment
// that follows is held for that browser.
func TestFirstEnrollmentNeedsEmailedProof(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, e *env) {
		t.Run("link", func(t *testing.T) {
			e := e.in(t)
			rosa := e.user("rosa")
			j := e.signInFlow(rosa, selfEnrolling)
			wantStep(t, j, signin.StepEnrollProof, "self-enrollment under policy email")
			if !e.svc.CanEmailEnrollProof(j) {
				t.Fatal("policy email offers no emailed proof")
			}
			r, err := e.svc.EmailEnrollLink(ctxOf(t), j)
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "mail the link")
			if got := e.mail.mails(); len(got) != 1 || got[0] != "enroll-link rosa" {
				t.Fatalf("mails %v", got)
			}
			link := e.mail.links[0]
			if !strings.HasPrefix(link, testIssuer+"/login/enroll-proof/link?token=") {
				t.Fatalf("link %q", link)
			}
			u, err := url.Parse(link)
			must(t, err, "parse link")
			token := u.Query().Get("token")
			e.secret(token)

			other := e.signInFlow(rosa, selfEnrolling)
			if _, err := e.svc.EnrollWithLink(ctxOf(t), other, token); !errors.Is(err, signin.ErrLinkInvalid) {
				t.Fatalf("the link in another sign-in: %v", err)
			}
			id, err := e.svc.LinkFlow(ctxOf(t), token, store.LinkEnroll, browserOf(j.Flow.ID))
			if err != nil || id != j.Flow.ID {
				t.Fatalf("LinkFlow = %q, %v; want the sign-in that asked", id, err)
			}
			r, err = e.svc.EnrollWithLink(ctxOf(t), e.reload(j), token)
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "the link in its sign-in")
			wantStep(t, e.reload(j), signin.StepEnroll, "after the link: enrollment")
			if row := e.userRow(rosa); row.MustChangePassword {
				t.Fatal("an emailed first-enrollment proof renewed the password")
			}
			if _, err := e.svc.EnrollWithLink(ctxOf(t), e.reload(j), token); !errors.Is(err, signin.ErrLinkInvalid) {
				t.Fatalf("the link a second time: %v", err)
			}
			other = e.reload(other)
			wantStep(t, other, signin.StepEnrollProof, "another browser while the owner enrols")
			if !other.FirstEnrollment || !e.svc.CanEmailEnrollProof(other) {
				t.Fatal("a browser held at the proof step is not offered the emailed proof")
			}
			if ev := e.events.named(store.EventProofAccepted); len(ev) != 1 {
				t.Fatalf("proof events %v, want one", ev)
			}
		})
		t.Run("expired link", func(t *testing.T) {
			e := e.in(t)
			sam := e.user("sam", requireMFA)
			j := e.signIn(sam)
			r, err := e.svc.EmailEnrollLink(ctxOf(t), j)
			wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "mail the link")
			u, _ := url.Parse(e.mail.links[len(e.mail.links)-1])
			e.secret(u.Query().Get("token"))
			e.clock.Advance(e.cfg.ResetLinkLifetime)
			if _, err := e.svc.EnrollWithLink(ctxOf(t), e.reload(j), u.Query().Get("token")); !errors.Is(err, signin.ErrLinkInvalid) {
				t.Fatalf("an expired link: %v", err)
			}
			wantStep(t, e.reload(j), signin.StepEnrollProof, "after an expired link")
		})
		t.Run("mails are bounded and shared with reset links", func(t *testing.T) {
			e := e.in(t)
			tess := e.user("tess", requireMFA)
			j := e.signIn(tess)
			for i := range e.cfg.ResetMailsPerHour {
				r, err := e.svc.EmailEnrollLink(ctxOf(t), j)
				wantResult(t, r, err, signin.Result{Outcome: signin.Passed}, "mail "+string(rune('1'+i)))
			}
			r, err := e.svc.EmailEnrollLink(ctxOf(t), j)
			if err != nil || r.Outcome != signin.Limited {
				t.Fatalf("mail beyond the limit: %+v, %v", r, err)
			}
			for _, l := range e.mail.links {
				u, _ := url.Parse(l)
				e.secret(u.Query().Get("token"))
			}
			if row := e.userRow(tess); row.LoginLockedUntil != 0 || row.OTPLocked {
				t.Fatalf("the mail limit locked the account: %+v", row)
			}
		})
		t.Run("no address: the administrator's code only", func(t *testing.T) {
			e := e.in(t)
			uma := e.user("uma", requireMFA, func(u *store.User) { u.Email = "" })
			j := e.signIn(uma)
			wantStep(t, j, signin.StepEnrollProof, "no address")
			r, err := e.svc.EmailEnrollLink(ctxOf(t), j)
			wantResult(t, r, err, signin.Result{Outcome: signin.Forbidden}, "mail without an address")
		})
	}, withEnrollmentProof(signin.EnrollProofEmail))
}
