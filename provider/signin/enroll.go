package signin

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Enrollment limits: a pending secret is offered for this long, and is
// replaced by a new one after this many wrong verification codes.
const (
	pendingLifetime    = 10 * time.Minute
	maxPendingAttempts = 5
)

// PendingAD is the associated data of a flow's sealed pending secret.
func PendingAD(flowID string) []byte { return []byte("pending-totp:" + flowID) }

// CodesAD is the associated data of a flow's sealed new recovery codes.
func CodesAD(flowID string) []byte { return []byte("recovery-codes:" + flowID) }

// Offer is the secret an enrollment shows, as an authenticator app's key.
type Offer struct {
	Secret []byte
	Key    *otp.Key
}

// PendingSecret returns the secret j's flow offers for enrollment,
// creating a new one when there is none or it expired. The secret is
// generated here and never accepted from the client.
func (s *Service) PendingSecret(ctx context.Context, j *Journey) (Offer, error) {
	secret, err := s.pendingSecret(ctx, j, false)
	if err != nil {
		return Offer{}, err
	}
	return s.offer(j, secret)
}

func (s *Service) offer(j *Journey, secret []byte) (Offer, error) {
	key, err := s.cfg.TOTP.Key(s.cfg.TOTPIssuer, j.User.Username, secret)
	if err != nil {
		return Offer{}, internal(err)
	}
	return Offer{Secret: secret, Key: key}, nil
}

// pendingSecret is PendingSecret, or a fresh secret when restart is set
// (too many wrong codes). j.Flow follows the write.
func (s *Service) pendingSecret(ctx context.Context, j *Journey, restart bool) ([]byte, error) {
	f, now := j.Flow, s.now()
	if !restart && f.PendingSecret != nil && f.PendingExpiresAt != nil && f.PendingExpiresAt.After(now) {
		secret, err := s.sealer.Open(f.PendingSecret, PendingAD(f.ID))
		if err == nil {
			return secret, nil
		}
		s.log.ErrorContext(ctx, "pending TOTP secret cannot be opened; issuing a new one", "err", err)
	}
	secret, err := mfa.NewSecret(s.rand)
	if err != nil {
		return nil, internal(err)
	}
	sealed := s.sealer.Seal(secret, PendingAD(f.ID))
	expires := now.Add(pendingLifetime)
	if err := s.store.OfferSecret(ctx, f.ID, sealed, expires); err != nil {
		return nil, flowWriteError(err)
	}
	f.PendingSecret, f.PendingExpiresAt, f.PendingAttempts = sealed, &expires, 0
	return secret, nil
}

// EnrollResult is Enroll's answer: the step's result and, unless the
// device was enrolled, the secret to show again.
type EnrollResult struct {
	Result
	Offer Offer
}

// Enroll verifies the first code of the pending secret for app. Success
// stores the device (its last step set to the code's step, so the same
// code cannot sign in again) and ten recovery codes; too many wrong codes
// replace the secret; a secret that expired meanwhile is replaced and
// shown (Restarted).
func (s *Service) Enroll(ctx context.Context, j *Journey, app, input string) (EnrollResult, error) {
	scanned := j.Flow.PendingSecret
	secret, err := s.pendingSecret(ctx, j, false)
	if err != nil {
		return EnrollResult{}, err
	}
	retry := func(r Result) (EnrollResult, error) {
		o, err := s.offer(j, secret)
		return EnrollResult{Result: r, Offer: o}, err
	}
	if j.Flow.PendingAttempts == 0 && scanned != nil && !bytes.Equal(j.Flow.PendingSecret, scanned) {
		// The secret the person scanned had expired: show the new one.
		return retry(restartedWith(templates.MsgEnrollRestarted))
	}
	if !templates.AppKnown(app) {
		return retry(invalid(templates.MsgAppRequired))
	}
	now := s.now()
	code, err := s.cfg.TOTP.Normalize(input)
	var step int64
	if err == nil {
		step, err = s.cfg.TOTP.Match(secret, code, now, 0)
	}
	if err != nil {
		return s.enrollFailed(ctx, j, secret, err)
	}
	r, err := s.enrollDevice(ctx, j, app, secret, step)
	return EnrollResult{Result: r}, err
}

// enrollDevice stores the verified device and its recovery codes.
func (s *Service) enrollDevice(ctx context.Context, j *Journey, app string, secret []byte, step int64) (Result, error) {
	u, now := j.User, s.now()
	deviceID := "d_" + strings.ToLower(credential.NewToken()[:26])
	codes, err := mfa.NewRecoveryCodes(s.rand, mfa.RecoveryCodeCount)
	if err != nil {
		return Result{}, internal(err)
	}
	hashes := make([]string, len(codes))
	for i, rc := range codes {
		hashes[i] = s.hasher.Hash(mfa.NormalizeRecoveryCode(rc))
	}
	err = s.store.EnrollDevice(ctx, store.Enrollment{
		FlowID: j.Flow.ID,
		Device: &store.Device{ID: deviceID, UserID: u.ID, App: app, LastStep: step, EnrolledAt: now,
			Secret: s.sealer.Seal(secret, DeviceAD(u.ID, deviceID))},
		CodeHashes:  hashes,
		SealedCodes: s.sealer.Seal([]byte(strings.Join(codes, "\n")), CodesAD(j.Flow.ID)),
	})
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrConflict) {
		// Another request enrolled first: a fresh look tells what is next.
		return moved(), nil
	}
	if err != nil {
		return Result{}, fault(err)
	}
	// A verified code is a second-factor success: the count starts over.
	if err := s.store.RecordOTPSuccess(ctx, u.ID); err != nil {
		return Result{}, fault(err)
	}
	s.log.InfoContext(ctx, "device enrolled", "user_id", u.ID, "app", app)
	s.record(ctx, j, Event{Name: store.EventEnrolled, User: u, App: app,
		Detail: "authenticator app " + app + " enrolled; 10 recovery codes issued"})
	j.State.EnrolledNow, j.State.HasDevice = true, true
	return passed(), nil
}

// enrollFailed counts a wrong or malformed verification code; at the limit
// the secret is replaced and the person must scan again.
func (s *Service) enrollFailed(ctx context.Context, j *Journey, secret []byte, cause error) (EnrollResult, error) {
	wrong, err := s.store.CountWrongEnrollCode(ctx, j.Flow.ID)
	if err != nil {
		return EnrollResult{}, flowWriteError(err)
	}
	j.Flow.PendingAttempts = wrong
	r := rejected(templates.MsgCodeInvalid)
	if wrong >= maxPendingAttempts {
		if secret, err = s.pendingSecret(ctx, j, true); err != nil {
			return EnrollResult{}, err
		}
		r = rejected(templates.MsgEnrollRestarted)
	} else if errors.Is(cause, mfa.ErrMalformed) {
		r = invalid(templates.MsgCodeMalformed)
	}
	o, err := s.offer(j, secret)
	return EnrollResult{Result: r, Offer: o}, err
}

// RecoveryCodes are the codes of the enrollment j's flow just made, shown
// once; they are kept sealed on the flow only until AckRecoveryCodes.
func (s *Service) RecoveryCodes(j *Journey) ([]string, error) {
	plain, err := s.sealer.Open(j.Flow.PendingCodes, CodesAD(j.Flow.ID))
	if err != nil {
		return nil, internal(err)
	}
	return strings.Split(string(plain), "\n"), nil
}

// AckRecoveryCodes is the journey's final Submit: the codes are forgotten
// and the sign-in continues.
func (s *Service) AckRecoveryCodes(ctx context.Context, j *Journey) (Result, error) {
	if err := s.markFlow(ctx, j, store.StepCodesAck); err != nil {
		return Result{}, err
	}
	j.State.CodesAcked = true
	return passed(), nil
}
