package signin

import (
	"context"
	"errors"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// After an administrator resets a device, the next enrollment needs the
// one-time proof the reset issued (handed over by the administrator), so
// that someone who knows only the password and the answer cannot enrol
// their own device in the gap.

// Proof guesses are throttled per account, never counted toward the
// passcode lock: at most proofAttempts checks in any proofWindow. The proof
// has 59 bits or more, so this bound makes guessing it hopeless without
// letting anyone lock the owner out or void the administrator's code.
const (
	proofAttempts = 5
	proofWindow   = 15 * time.Minute
)

// Proof checks the enrollment code of an administrator's reset. A wrong or
// expired code is Rejected; beyond the throttle the answer is Limited.
// Neither locks the account or voids the code. A right code makes the
// account choose a new password and answer next (before enrolling).
func (s *Service) Proof(ctx context.Context, j *Journey, input string) (Result, error) {
	if input == "" {
		return invalid(templates.MsgFieldRequired), nil
	}
	u := j.User
	ok, err := s.store.ReserveProofAttempt(ctx, u.ID, proofAttempts, proofWindow)
	if err != nil {
		return Result{}, fault(err)
	}
	if !ok {
		s.record(ctx, j, Event{Name: store.EventSignInFailed, User: u, Step: StepEnrollProof,
			Detail: "step enroll-proof; enrollment code attempts throttled"})
		return Result{Outcome: Limited, Problem: templates.MsgProofThrottled}, nil
	}
	good := false
	if len(input) <= maxRecoveryCodeLen && u.ProofExpiresAt != nil && u.ProofExpiresAt.After(s.now()) {
		good, _ = s.hasher.Verify(mfa.NormalizeRecoveryCode(input), u.ProofHash)
	}
	if good {
		err := s.consumeProof(ctx, j)
		if err == nil {
			s.record(ctx, j, Event{Name: store.EventProofAccepted, User: u, Detail: "enrollment code accepted"})
			return passed(), nil
		}
		if !errors.Is(err, ErrLinkInvalid) {
			return Result{}, err
		}
	}
	s.record(ctx, j, Event{Name: store.EventSignInFailed, User: u, Step: StepEnrollProof,
		Detail: "step enroll-proof; wrong or expired enrollment code"})
	return rejected(templates.MsgProofInvalid), nil
}

// ProofWithLink is the emailed form of an administrator's enrollment
// proof, opened in the browser of j's sign-in, which waits for the proof
// (see LinkFlow); opened anywhere else it does nothing and is not used
// up, so a person who only knows the password and the answer gains
// nothing from it.
func (s *Service) ProofWithLink(ctx context.Context, j *Journey, token string) (Result, error) {
	if err := s.consumeLink(ctx, j, token, store.LinkProof); err != nil {
		return Result{}, err
	}
	if err := s.consumeProof(ctx, j); err != nil {
		return Result{}, err
	}
	s.record(ctx, j, Event{Name: store.EventProofAccepted, User: j.User, Detail: "enrollment link accepted"})
	return passed(), nil
}

// consumeProof marks the proof presented in j's flow; a proof another
// request used first is ErrLinkInvalid.
func (s *Service) consumeProof(ctx context.Context, j *Journey) error {
	err := s.store.ConsumeProof(ctx, j.Flow.ID, j.User.ID, j.User.ProofHash)
	if errors.Is(err, store.ErrStale) {
		return errors.Join(ErrLinkInvalid, err)
	}
	if err != nil {
		return fault(err)
	}
	j.State.ProofDone = true
	j.State.MustSetup = j.State.MustSetup || j.User.ProofRenews
	return nil
}

// CanEmailEnrollProof reports whether j's person may have the proof of a
// first enrollment mailed: the policy is email, mail is on, the account
// has an address, and j waits at the proof of a first enrollment.
func (s *Service) CanEmailEnrollProof(j *Journey) bool {
	return s.enrollmentProof(j.Flow) == EnrollProofEmail && s.mailer != nil && j.User != nil && j.User.Email != "" &&
		j.FirstEnrollment
}

// EmailEnrollLink mails a single-use link that proves the person holds
// the account's mailbox, bound to j's sign-in (and so to its browser). It
// shares the reset links' hourly limit per account (Limited beyond it,
// which counts toward no lock), and a new link voids the older ones.
func (s *Service) EmailEnrollLink(ctx context.Context, j *Journey) (Result, error) {
	if !s.CanEmailEnrollProof(j) {
		return Result{Outcome: Forbidden}, nil
	}
	return s.mailLink(ctx, j, store.LinkEnroll, "/login/enroll-proof/link", s.mailer.EnrollLink,
		Event{Name: store.EventProofRequested, User: j.User, Detail: "enrollment link mailed"})
}

// EnrollWithLink is the emailed proof of a first enrollment, opened in
// the sign-in that asked for it (see LinkFlow). It works once, before it
// expires; the enrollment that follows is held for this browser.
func (s *Service) EnrollWithLink(ctx context.Context, j *Journey, token string) (Result, error) {
	err := s.store.ConsumeEnrollLink(ctx, credential.HashToken(token), j.Flow.ID, j.User.ID)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrStale) {
		return Result{}, errors.Join(ErrLinkInvalid, err)
	}
	if err != nil {
		return Result{}, fault(err)
	}
	j.State.ProofDone = true
	s.record(ctx, j, Event{Name: store.EventProofAccepted, User: j.User, Detail: "enrollment link accepted"})
	return passed(), nil
}
