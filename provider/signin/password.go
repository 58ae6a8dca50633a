package signin

import (
	"context"
	"errors"
	"strings"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Input bounds: longer values are refused before any hashing.
const (
	maxUsernameLen = 128
	maxPasswordLen = 1024
)

// Password checks a username and password. Every failure (unknown user,
// wrong password, disabled or locked account) gets the same result and
// the same cost: an unknown user is checked against a dummy hash. A pass
// identifies the account for this flow (for good) and starts its
// second-factor steps afresh; the result is Moved.
func (s *Service) Password(ctx context.Context, j *Journey, username, password string) (Result, error) {
	return s.PasswordFrom(ctx, j, "", username, password)
}

// PasswordFrom is Password with the password page's choice of source:
// with a directory connector, its password is checked unless otpgate's
// own passwords are allowed beside it and source is SourceLocal.
func (s *Service) PasswordFrom(ctx context.Context, j *Journey, source, username, password string) (Result, error) {
	username = strings.TrimSpace(username)
	if username == "" || password == "" {
		return invalid(templates.MsgFieldRequired), nil
	}
	if len(username) > maxUsernameLen || len(password) > maxPasswordLen {
		return rejected(templates.MsgSignInFailed), nil
	}
	if s.DirectoryActive(source) {
		return s.directoryPassword(ctx, j, username, password)
	}
	u, err := s.userNamed(ctx, j, username)
	if err != nil {
		return Result{}, fault(err)
	}
	if u != nil && u.Disabled {
		u = nil
	}
	// Reserve the attempt before checking it, so that racing requests can
	// never check more guesses than the lockout allows; a name that is no
	// account reserves from its own counters, so that it is throttled the
	// same way.
	att, err := s.reserveLogin(ctx, j, u, username)
	if err != nil {
		return Result{}, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	// The hash is checked in every case, so that unknown, disabled and
	// locked accounts cost the same time as a wrong password. A browser
	// that signed in to the account before hashes ahead of the others.
	good, legacy, err := s.hasher.VerifyPassword(hashPriority(ctx, att), password, hash)
	if errors.Is(err, credential.ErrBusy) {
		return Result{}, s.busy(ctx, att)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash unreadable", "user_id", u.ID, "err", err)
	}
	if !att.ok {
		return s.throttled(ctx, j, u, StepPassword, att), nil
	}
	if !good || u == nil {
		return rejected(templates.MsgSignInFailed), s.loginFailed(ctx, j, u, StepPassword, att)
	}
	if s.cfg.QuestionEnabled {
		err = s.store.Release(ctx, att.budget) // the question is still to come
	} else {
		err = s.loginPassed(ctx, u, att)
	}
	if err != nil {
		return Result{}, fault(err)
	}
	s.rehash(ctx, u, password, legacy)
	if err := s.identify(ctx, j, u); err != nil {
		return Result{}, err
	}
	j.User = u // the journey now names u (read in this request)
	return moved(), nil
}

// rehash stores a new hash of a right password when the hashing
// parameters rose or the hash predates password normalisation (legacy);
// a failure only costs the upgrade.
func (s *Service) rehash(ctx context.Context, u *store.User, password string, legacy bool) {
	if !legacy && !s.hasher.NeedsRehash(u.PasswordHash) {
		return
	}
	err := s.store.UpdatePasswordHash(ctx, u.ID, u.PasswordHash, s.hasher.Hash(credential.NormalizePassword(password)))
	if err != nil && !errors.Is(err, store.ErrStale) {
		s.log.WarnContext(ctx, "password rehash failed", "user_id", u.ID, "err", err)
	}
}

// identify records that the password of u passed in j's flow, and moves
// the browser to j.NewBinding in the same write. A flow identifies one
// account for good, and nothing proven earlier in it carries over a new
// password step.
func (s *Service) identify(ctx context.Context, j *Journey, u *store.User) error {
	rb := j.rebinding()
	if err := s.store.IdentifyAndRebind(ctx, j.Flow.ID, u.ID, s.now(), rb); err != nil {
		return flowWriteError(err)
	}
	return s.rebound(ctx, j, u, rb)
}

// hashPriority is ctx marked for the hashing gate when att spends a known
// browser's budget: the owner's browser is served before guessers.
func hashPriority(ctx context.Context, att attempt) context.Context {
	if att.known {
		return credential.Prioritize(ctx)
	}
	return ctx
}

// busy gives back the attempt a check that found no hashing slot had
// reserved (nothing was checked, so nothing counts) and answers ErrBusy.
func (s *Service) busy(ctx context.Context, att attempt) error {
	if att.ok {
		if err := s.store.Release(ctx, att.budget); err != nil {
			return fault(err)
		}
	}
	s.log.WarnContext(ctx, "sign-in check refused: hashing at capacity")
	return ErrBusy
}
