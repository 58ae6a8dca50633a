package signin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// maxRecoveryCodeLen bounds a typed recovery code or proof before hashing.
const maxRecoveryCodeLen = 64

// A lost device is reset from the passcode step, so the password and the
// answer have passed; they alone never reset a device. Proof of possession
// is required: a recovery code, or a single-use link mailed to the
// account's address and opened in the sign-in's browser.

// CanEmailReset reports whether j's person may have a reset link mailed.
func (s *Service) CanEmailReset(j *Journey) bool {
	return CanReset(j) && s.cfg.SelfServiceReset && s.mailer != nil && j.User.Email != ""
}

// CanReset reports whether j's sign-in offers a lost-device reset: not
// one whose person typed a username nobody vouched for (see typed.go).
func CanReset(j *Journey) bool {
	return j.Flow.FirstFactor != store.FirstFactorTyped && j.User != nil
}

// ResetWithRecoveryCode checks a recovery code. A wrong one counts toward
// the passcode lockout; a right one is used up and the device is reset.
func (s *Service) ResetWithRecoveryCode(ctx context.Context, j *Journey, input string) (Result, error) {
	if !s.cfg.SelfServiceReset || !CanReset(j) {
		return Result{Outcome: Forbidden}, nil
	}
	if input == "" {
		return invalid(templates.MsgFieldRequired), nil
	}
	n, ok, err := s.reserveSecondFactor(ctx, j)
	if !ok {
		return moved(), err
	}
	match, err := s.matchRecoveryCode(ctx, j.User.ID, input)
	if err != nil {
		return Result{}, err
	}
	if match == nil {
		return s.secondFactorFailed(ctx, j, n, "wrong recovery code", templates.MsgRecoveryCodeInvalid)
	}
	return s.resetDevice(ctx, j, "recovery code")
}

// matchRecoveryCode finds and uses up the unused recovery code input is;
// nil when there is none (or another request used it first).
func (s *Service) matchRecoveryCode(ctx context.Context, userID, input string) (*store.RecoveryCode, error) {
	if len(input) > maxRecoveryCodeLen {
		return nil, nil
	}
	codes, err := s.store.UnusedRecoveryCodes(ctx, userID)
	if err != nil {
		return nil, fault(err)
	}
	normalized := mfa.NormalizeRecoveryCode(input)
	for i := range codes {
		if ok, _ := s.hasher.Verify(normalized, codes[i].CodeHash); !ok {
			continue
		}
		used, err := s.store.UseRecoveryCode(ctx, codes[i].ID)
		if err != nil {
			return nil, fault(err)
		}
		if used {
			return &codes[i], nil
		}
		return nil, nil
	}
	return nil, nil
}

// resetDevice removes the lost device once possession was proven; the
// journey then leads to enrollment of a new one in the same sign-in.
func (s *Service) resetDevice(ctx context.Context, j *Journey, method string) (Result, error) {
	err := s.store.SelfResetDevice(ctx, j.Flow.ID, j.User.ID)
	if errors.Is(err, store.ErrStale) {
		return moved(), nil
	}
	if err != nil {
		return Result{}, fault(err)
	}
	s.record(ctx, j, Event{Name: store.EventResetDone, User: j.User,
		Detail: "self-service device reset with " + method + "; sessions and tokens revoked"})
	j.State.ResetDone, j.State.HasDevice, j.State.OTPDone, j.Device = true, false, false, nil
	return passed(), nil
}

// EmailResetLink mails a single-use reset link for j's flow to the
// account's address. The link is built from the configured issuer, never
// from the request's Host header. A new link voids the account's older
// ones; at most ResetMailsPerHour are mailed per account in any hour
// (Limited beyond that, which counts toward no lock).
func (s *Service) EmailResetLink(ctx context.Context, j *Journey) (Result, error) {
	if !s.CanEmailReset(j) {
		return Result{Outcome: Forbidden}, nil
	}
	return s.mailLink(ctx, j, store.LinkReset, "/login/reset/link", s.mailer.ResetLink,
		Event{Name: store.EventResetRequested, User: j.User, Detail: "reset link mailed"})
}

// mailLink mails a single-use link of purpose for j's sign-in to the
// account's address with send, and records e: Limited beyond the hourly
// limit (which counts toward no lock).
func (s *Service) mailLink(ctx context.Context, j *Journey, purpose, path string,
	send func(ctx context.Context, u *store.User, link string, valid time.Duration) error, e Event) (Result, error) {
	link, err := s.issueLink(ctx, j.User, j.Flow.ID, purpose, path)
	if errors.Is(err, store.ErrTooMany) {
		s.log.InfoContext(ctx, "link mail limit reached", "purpose", purpose, "user_id", j.User.ID)
		return Result{Outcome: Limited, Problem: templates.MsgResetMailLimit}, nil
	}
	if err != nil {
		return Result{}, fault(err)
	}
	if err := send(ctx, j.speaking(j.User), link, s.cfg.ResetLinkLifetime); err != nil {
		s.log.ErrorContext(ctx, "link mail failed", "purpose", purpose, "user_id", j.User.ID, "err", err)
		return Result{}, fault(err)
	}
	s.record(ctx, j, e)
	return passed(), nil
}

// issueLink stores a single-use link of purpose for u's sign-in flowID,
// valid for ResetLinkLifetime (a new one voids the older; store.ErrTooMany
// beyond ResetMailsPerHour an hour), and returns its URL: path under the
// configured issuer, never the request's Host header.
func (s *Service) issueLink(ctx context.Context, u *store.User, flowID, purpose, path string) (string, error) {
	token := credential.NewToken()
	now := s.now()
	err := s.store.IssueMailedLink(ctx, &store.LinkToken{TokenHash: credential.HashToken(token), Purpose: purpose,
		UserID: u.ID, FlowID: flowID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetLinkLifetime)}, s.cfg.ResetMailsPerHour)
	if err != nil {
		return "", err
	}
	return s.cfg.Issuer + path + "?" + url.Values{"token": {token}}.Encode(), nil
}

// LinkFlow names the flow an emailed link of purpose applies to, without
// using the link up: a reset, sign-in or first-enrollment link names its
// own sign-in; an administrator's proof link the
// sign-in of r's browser that waits for the proof (r.FlowID is ignored).
func (s *Service) LinkFlow(ctx context.Context, token, purpose, browser string) (string, error) {
	t, err := s.store.PeekLinkToken(ctx, credential.HashToken(token), purpose)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrLinkInvalid
	}
	if err != nil {
		return "", fault(err)
	}
	if purpose != store.LinkProof {
		return t.FlowID, nil // a link the sign-in asked for names it
	}
	f, err := s.store.FlowAwaitingProof(ctx, browser, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrWrongBrowser
	}
	if err != nil {
		return "", fault(err)
	}
	return f.ID, nil
}

// ResetWithLink is the emailed reset link, opened in j's sign-in (see
// LinkFlow) at its passcode step. It works once, before it expires, and
// only for j's account: someone who merely knows the password and answer
// never gets the link, and the person who gets it cannot finish someone
// else's sign-in.
func (s *Service) ResetWithLink(ctx context.Context, j *Journey, token string) (Result, error) {
	if !CanReset(j) {
		return Result{Outcome: Forbidden}, nil
	}
	if err := s.consumeLink(ctx, j, token, store.LinkReset); err != nil {
		return Result{}, err
	}
	return s.resetDevice(ctx, j, "emailed link")
}

// consumeLink uses up an emailed link of purpose for j's account (and,
// for a reset link, j's sign-in: the one that asked for it).
func (s *Service) consumeLink(ctx context.Context, j *Journey, token, purpose string) error {
	hash := credential.HashToken(token)
	t, err := s.store.PeekLinkToken(ctx, hash, purpose)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !t.AppliesTo(j.User.ID, j.Flow.ID)) {
		return ErrLinkInvalid
	}
	if err != nil {
		return fault(err)
	}
	if _, err := s.store.ConsumeLinkToken(ctx, hash, purpose); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrLinkInvalid
		}
		return fault(err)
	}
	return nil
}

// Link codes: an emailed reset link opened in another browser than its
// sign-in's (the phone that reads the mail) becomes a short code, shown
// there, to type in the sign-in's own browser. The code carries the link's
// proof (the mailbox) to the browser that has passed the password and the
// answer; it lives at most linkCodeLifetime, and linkCodeTries wrong codes
// kill it (one in a million a guess).
const (
	linkCodeLifetime = 10 * time.Minute
	linkCodeTries    = 5
	linkCodeDigits   = 6
)

// LinkCode returns a new code to show where the reset link token was
// opened (the link keeps working in its own browser; an earlier code of
// the sign-in dies), and how long the code works. ErrLinkInvalid when the link is not a
// live reset link of a sign-in that is still going on.
func (s *Service) LinkCode(ctx context.Context, token string) (string, time.Duration, error) {
	linkHash := credential.HashToken(token)
	t, err := s.store.PeekLinkToken(ctx, linkHash, store.LinkReset)
	if errors.Is(err, store.ErrNotFound) {
		return "", 0, ErrLinkInvalid
	}
	if err != nil {
		return "", 0, fault(err)
	}
	f, u, _, err := s.rows(ctx, t.FlowID)
	if errors.Is(err, ErrNoRequest) {
		return "", 0, ErrLinkInvalid
	}
	if err != nil {
		return "", 0, err
	}
	if f.DoneAt != nil || f.CodeHash != "" || !f.ExpiresAt.After(s.now()) || u == nil || u.ID != t.UserID {
		return "", 0, ErrLinkInvalid
	}
	code, err := newLinkCode()
	if err != nil {
		return "", 0, internal(err)
	}
	now := s.now()
	expires := now.Add(linkCodeLifetime)
	for _, end := range []time.Time{t.ExpiresAt, f.ExpiresAt} {
		if end.Before(expires) {
			expires = end
		}
	}
	err = s.store.IssueLinkCode(ctx, linkHash, &store.LinkToken{TokenHash: linkCodeHash(f.ID, code), Purpose: store.LinkCode,
		UserID: t.UserID, FlowID: f.ID, CreatedAt: now, ExpiresAt: expires})
	if errors.Is(err, store.ErrNotFound) {
		return "", 0, ErrLinkInvalid
	}
	if err != nil {
		return "", 0, fault(err)
	}
	s.events.Record(ctx, Event{Name: store.EventResetLinkCode, User: u, ClientID: f.ClientID,
		Detail: "reset link opened in another browser; a code to type in the sign-in's browser was shown"})
	return code, expires.Sub(now), nil
}

// ResetWithLinkCode is the code of an emailed reset link, typed in j's
// sign-in at its passcode step: it has the link's effect, once.
func (s *Service) ResetWithLinkCode(ctx context.Context, j *Journey, code string) (Result, error) {
	if !CanReset(j) {
		return Result{Outcome: Forbidden}, nil
	}
	digits := strings.NewReplacer(" ", "", "-", "").Replace(code)
	if len(digits) != linkCodeDigits || strings.Trim(digits, "0123456789") != "" {
		return invalid(templates.MsgLinkCodeInvalid), nil
	}
	ok, err := s.store.UseLinkCode(ctx, j.Flow.ID, linkCodeHash(j.Flow.ID, digits), linkCodeTries)
	if err != nil {
		return Result{}, fault(err)
	}
	if !ok {
		return invalid(templates.MsgLinkCodeInvalid), nil
	}
	return s.resetDevice(ctx, j, "emailed link, by the code it showed in another browser")
}

// linkCodeHash binds a code to its sign-in: the same six digits name
// nothing in any other.
func linkCodeHash(flowID, code string) string {
	return credential.HashToken("link-code\x00" + flowID + "\x00" + code)
}

// newLinkCode is linkCodeDigits random decimal digits.
func newLinkCode() (string, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", v), nil
}
