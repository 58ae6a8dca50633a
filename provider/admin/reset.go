package admin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/store"
)

// ResetResult is what a device reset hands back to the administrator.
type ResetResult struct {
	User *store.User
	// EnrollmentCode is the one-time proof the user presents before
	// enrolling a new device. It is returned here once and stored only as
	// a hash; it is never audited or logged.
	EnrollmentCode string
	// ValidUntil is when the code (and the mailed link) expire.
	ValidUntil time.Time
	// HadDevice is false when no device was enrolled.
	HadDevice bool
	// Mailed is true when a single-use link with the code's effect was
	// mailed to the user.
	Mailed bool
}

// ResetDevice removes a user's device and recovery codes, clears the
// passcode lock, revokes every session and token and voids unexchanged
// codes and unused links (store.AdminResetDevice), and issues a one-time
// enrollment code valid for lifetime. When mail is on and the user has an
// address, a single-use link with the same effect is mailed to them.
//
// When only the mail fails, the result is returned with the error (a
// *MailError when sending failed): the reset stands and the code is valid.
func (s *Service) ResetDevice(ctx context.Context, actor, username string, lifetime time.Duration) (*ResetResult, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := CheckProofLifetime(lifetime); err != nil {
		return nil, err
	}
	u, err := s.User(ctx, username)
	if err != nil {
		return nil, err
	}
	res, proofHash, err := s.newProof(u, lifetime)
	if err != nil {
		return nil, err
	}
	res.HadDevice = true
	if _, err := s.store.DeviceByUser(ctx, u.ID); errors.Is(err, store.ErrNotFound) {
		res.HadDevice = false
	} else if err != nil {
		return nil, fmt.Errorf("load device: %w", err)
	}
	stored, err := s.storeProof(ctx, actor, res, func(ctx context.Context) error {
		// AdminResetDevice revokes in its own transaction.
		return s.userUpdate(s.store.AdminResetDevice(ctx, u.ID, proofHash, res.ValidUntil), u)
	}, userEvent(store.EventAdminResetOTP, u, resetDetail(u, res)), mail.ProofLink)
	if err != nil && !stored {
		return nil, err
	}
	u.ProofHash, u.ProofExpiresAt, u.ProofRenews, u.OTPLocked, u.OTPFailures = proofHash, &res.ValidUntil, true, false, 0
	return res, err
}

// IssueEnrollmentCode issues the one-time proof of a user's first
// enrollment (mfa.enrollment_proof = admin, or any policy when the person
// cannot receive mail): valid for lifetime, single-use, returned once and
// stored as a hash; a single-use link with the same effect is mailed to
// the user's address when there is one. Unlike a reset's, it removes
// nothing and does not make the person choose a new password and answer.
// A user who already has a device is ErrHasDevice.
func (s *Service) IssueEnrollmentCode(ctx context.Context, actor, username string, lifetime time.Duration) (*ResetResult, error) {
	if err := CheckProofLifetime(lifetime); err != nil {
		return nil, err
	}
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	res, proofHash, err := s.newProof(u, lifetime)
	if err != nil {
		return nil, err
	}
	stored, err := s.storeProof(ctx, actor, res, func(ctx context.Context) error {
		err := s.store.IssueEnrollmentCode(ctx, u.ID, proofHash, res.ValidUntil)
		if errors.Is(err, store.ErrStale) {
			return fmt.Errorf("%w: %q", ErrHasDevice, u.Username)
		}
		return s.userUpdate(err, u)
	}, userEvent(store.EventAdminUser, u, "enrollment code issued, valid until "+
		res.ValidUntil.UTC().Format(time.RFC3339)), mail.FirstDeviceLink)
	if err != nil && !stored {
		return nil, err
	}
	u.ProofHash, u.ProofExpiresAt, u.ProofRenews = proofHash, &res.ValidUntil, false
	return res, err
}

// newProof makes a one-time enrollment code for u, valid for lifetime
// from now, and the hash that is stored of it.
func (s *Service) newProof(u *store.User, lifetime time.Duration) (*ResetResult, string, error) {
	codes, err := mfa.NewRecoveryCodes(s.rand, 1)
	if err != nil {
		return nil, "", fmt.Errorf("enrollment code: %w", err)
	}
	res := &ResetResult{User: u, EnrollmentCode: codes[0], ValidUntil: s.store.Now().Add(lifetime).Truncate(time.Second)}
	return res, s.hasher.Hash(mfa.NormalizeRecoveryCode(res.EnrollmentCode)), nil
}

// storeProof runs apply (which stores res's proof) as an audited change,
// then mails the user a link with the proof's effect in text (when mail
// is on). stored reports, with an error, that the proof was stored and
// audited all the same: only the mail failed, and the proof is valid.
func (s *Service) storeProof(ctx context.Context, actor string, res *ResetResult, apply func(context.Context) error,
	event store.AuditEvent, text func(to, link string, valid time.Duration, loc mail.Locale) mail.Message) (stored bool, err error) {
	err = s.run(ctx, actor, change{apply: apply, event: event,
		notify: func(ctx context.Context) error {
			stored = true
			return s.mailProofLink(ctx, res.User, s.store.Now(), res, text)
		},
	})
	return stored, err
}

// resetDetail is the audit detail of a device reset (never the code).
func resetDetail(u *store.User, res *ResetResult) string {
	detail := "device and recovery codes removed"
	if !res.HadDevice {
		detail = "no device was enrolled"
	}
	if u.OTPLocked {
		detail += "; passcode lock cleared"
	}
	return detail + "; sessions and tokens revoked; enrollment code issued, valid until " +
		res.ValidUntil.UTC().Format(time.RFC3339)
}

// mailProofLink mails the user a single-use link that proves possession
// like the enrollment code does; nothing when the user has no address.
// A failure to store the link is returned as is; a failure to send, as a
// *MailError.
func (s *Service) mailProofLink(ctx context.Context, u *store.User, now time.Time, res *ResetResult,
	text func(to, link string, valid time.Duration, loc mail.Locale) mail.Message) error {
	if u.Email == "" {
		return nil
	}
	token, err := s.newToken()
	if err != nil {
		return err
	}
	if err := s.store.CreateLinkToken(ctx, &store.LinkToken{TokenHash: credential.HashToken(token), Purpose: store.LinkProof,
		UserID: u.ID, CreatedAt: now, ExpiresAt: res.ValidUntil}); err != nil {
		return fmt.Errorf("store enrollment link: %w", err)
	}
	link := s.issuer + "/login/proof?" + url.Values{"token": {token}}.Encode()
	if err := s.mail.Send(ctx, text(u.Email, link, res.ValidUntil.Sub(now), s.mailLocale(u))); err != nil {
		return &MailError{Err: err}
	}
	res.Mailed = true
	return nil
}
