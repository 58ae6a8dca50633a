package signin

import (
	"context"
	"errors"
	"fmt"

	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// A directory connector (LDAP, Active Directory) checks the password
// page's password in place of otpgate's hash. Everything around it stays:
// the attempt is reserved on the same budgets first (a directory's own
// lockout is not the only guard), the account is found by the
// directory's stable identifier (created on the first sign-in, its email
// and display name kept up to date), and the passcode step follows as for
// any account. The security question is off for directory users unless
// Config.DirectoryQuestion.

// DirectoryActive reports whether the password page's password is the
// directory's for this sign-in (choice: the source the page's form
// chose, "" for the default).
func (s *Service) DirectoryActive(choice string) bool {
	if s.directory == nil {
		return false
	}
	return !s.cfg.LocalPasswords || choice != SourceLocal
}

// SourceLocal is the password page's choice of otpgate's own password
// beside a directory (Config.LocalPasswords).
const SourceLocal = "local"

// Directory is the directory connector (nil when none).
func (s *Service) Directory() connector.PasswordConnector { return s.directory }

// directoryPassword is Password checked by the directory.
func (s *Service) directoryPassword(ctx context.Context, j *Journey, username, password string) (Result, error) {
	dir := s.directory
	j.via = dir.ID()
	named, err := s.userNamed(ctx, j, username)
	if err != nil {
		return Result{}, fault(err)
	}
	if named != nil && named.Disabled {
		named = nil
	}
	att, err := s.reserveLogin(ctx, j, named, username)
	if err != nil {
		return Result{}, err
	}
	if !att.ok {
		return s.throttled(ctx, j, named, StepPassword, att), nil
	}
	id, err := dir.Login(ctx, username, password)
	var policy *connector.PolicyError
	switch {
	case errors.Is(err, connector.ErrUnavailable):
		// Nothing was decided about the person: the attempt is given back.
		if rerr := s.store.Release(ctx, att.budget); rerr != nil {
			s.log.ErrorContext(ctx, "throttling reservation not released", "err", rerr)
		}
		s.log.ErrorContext(ctx, "directory unavailable", "connector", dir.ID(), "err", err)
		return Result{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case errors.As(err, &policy):
		return s.directoryRefused(ctx, j, named, att, policy)
	case err != nil:
		return rejected(templates.MsgSignInFailed), s.loginFailed(ctx, j, named, StepPassword, att)
	}
	u, err := s.linkedAccount(ctx, j, dir.ID(), id)
	if errors.Is(err, errUsernameTaken) {
		// The password was right: nothing to count, and the person is told.
		if err := s.store.Release(ctx, att.budget); err != nil {
			return Result{}, fault(err)
		}
		return rejected(templates.MsgDirectoryAccountTaken), nil
	}
	if err != nil {
		return Result{}, err
	}
	if u.Disabled {
		return rejected(templates.MsgSignInFailed), s.loginFailed(ctx, j, nil, StepPassword, att)
	}
	if s.directoryQuestion() {
		err = s.store.Release(ctx, att.budget) // the question is still to come
	} else {
		err = s.loginPassed(ctx, u, att)
	}
	if err != nil {
		return Result{}, fault(err)
	}
	rb := j.rebinding()
	if err := s.store.IdentifyVia(ctx, j.Flow.ID, u.ID, dir.ID(), s.now(), rb); err != nil {
		return Result{}, flowWriteError(err)
	}
	if err := s.rebound(ctx, j, u, rb); err != nil {
		return Result{}, err
	}
	j.Flow.Connector = dir.ID()
	j.User = u
	return moved(), nil
}

// directoryRefused answers a refusal by the directory's password policy:
// the person is told why. A right but expired (or reset) password counts
// as no failure; a locked directory account counts as one.
func (s *Service) directoryRefused(ctx context.Context, j *Journey, u *store.User, att attempt, p *connector.PolicyError) (Result, error) {
	msg := directoryPolicyMessage(p)
	if !p.PasswordRight {
		return rejected(msg), s.loginFailed(ctx, j, u, StepPassword, att)
	}
	if err := s.store.Release(ctx, att.budget); err != nil {
		return Result{}, fault(err)
	}
	s.record(ctx, j, Event{Name: store.EventSignInFailed, User: u, Step: StepPassword,
		Detail: "step password; directory password policy: " + string(p.Reason)})
	return rejected(msg), nil
}

// newUserID is a new account id, as administrators' accounts get.
func (s *Service) newUserID() (string, error) { return store.NewUserID(s.rand) }

// directoryQuestion reports whether directory users answer the security
// question.
func (s *Service) directoryQuestion() bool { return s.cfg.QuestionEnabled && s.cfg.DirectoryQuestion }

// directoryPolicyMessage tells the person why the directory's password
// policy refused a password.
func directoryPolicyMessage(p *connector.PolicyError) templates.Message {
	msg := map[connector.PolicyReason]templates.Message{
		connector.PasswordExpired: templates.MsgDirectoryPasswordExpired,
		connector.MustChange:      templates.MsgDirectoryMustChange,
		connector.AccountLocked:   templates.MsgDirectoryLocked,
	}[p.Reason]
	if msg == "" {
		msg = templates.MsgSignInFailed
	}
	return msg
}
