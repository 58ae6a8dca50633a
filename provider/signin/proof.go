package signin

import (
	"context"
	"errors"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// After an administrator resets a device, the next enrollment needs the
// one-time proof the reset issued (handed over by the administrator), so
// that someone who knows only the password and the answer cannot enrol
// their own device in the gap.

// Proof checks the enrollment code of an administrator's reset. Wrong or
// expired codes count toward the passcode lockout, which bounds guessing.
func (s *Service) Proof(ctx context.Context, j *Journey, input string) (Result, error) {
	if input == "" {
		return invalid(templates.MsgFieldRequired), nil
	}
	n, ok, err := s.reserveSecondFactor(ctx, j)
	if !ok {
		return moved(), err
	}
	u := j.User
	good := false
	if len(input) <= maxRecoveryCodeLen && u.ProofExpiresAt != nil && u.ProofExpiresAt.After(s.now()) {
		good, _ = s.hasher.Verify(mfa.NormalizeRecoveryCode(input), u.ProofHash)
	}
	if good {
		err := s.consumeProof(ctx, j)
		if err == nil {
			if err := s.store.RecordOTPSuccess(ctx, u.ID); err != nil {
				return Result{}, fault(err)
			}
			s.record(ctx, j, Event{Name: store.EventProofAccepted, User: u, Detail: "enrollment code accepted"})
			return passed(), nil
		}
		if !errors.Is(err, ErrLinkInvalid) {
			return Result{}, err
		}
	}
	return s.secondFactorFailed(ctx, j, n, "wrong or expired enrollment code", templates.MsgProofInvalid)
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
	return nil
}
