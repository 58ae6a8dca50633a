package signin

import (
	"context"
	"errors"

	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// PasswordSource is where an account's password is kept, as the account
// page tells the person. An account a connector created has no otpgate
// password: a directory's is changed in the directory (its current
// password still proves a security question change here, checked by the
// directory on the same budgets as a sign-in); an upstream provider's
// is never seen by otpgate, and such an account answers no question.
type PasswordSource struct {
	// Ours: otpgate's own password, changed on the account page.
	Ours bool
	// Directory: the directory connector's password (Subject is the
	// account's identity there).
	Directory bool
	Subject   string
	// Name is the directory's or upstream's display name ("" when the
	// account's connector is no longer configured).
	Name string
	// Question: the account answers the security question at sign-in,
	// so the account page offers to change it.
	Question bool
}

// PasswordSourceOf is where u's password is kept.
func (s *Service) PasswordSourceOf(ctx context.Context, u *store.User) (PasswordSource, error) {
	if u.PasswordHash != "" {
		return PasswordSource{Ours: true, Question: s.cfg.QuestionEnabled}, nil
	}
	links, err := s.selfStore().LinksOf(ctx, u.ID)
	if err != nil {
		return PasswordSource{}, fault(err)
	}
	var src PasswordSource
	for _, l := range links {
		if s.directory != nil && l.Provider == connector.LinkProvider(s.directory.ID()) {
			return PasswordSource{Directory: true, Subject: l.Subject, Name: s.directory.Name(), Question: s.directoryQuestion()}, nil
		}
		for _, up := range s.upstreams {
			if l.Provider == connector.LinkProvider(up.ID()) && src.Name == "" {
				src.Name = up.Name()
			}
		}
	}
	return src, nil
}

// elsewhere is the refusal of a password change of an account whose
// password is not otpgate's.
func elsewhere() Result {
	return Result{Outcome: Forbidden, Problem: templates.MsgAccountPasswordElsewhere}
}

// checkDirectoryPassword checks password with the directory as the
// person's current one: the directory must vouch for this account's own
// identity (src.Subject), not merely for the name. A refusal by the
// directory's password policy (expired, must change, locked) is no proof:
// it comes back as policy, whose PasswordRight says whether it counts as a
// wrong password.
func (s *Service) checkDirectoryPassword(ctx context.Context, u *store.User, src PasswordSource, password string) (good bool, policy *connector.PolicyError, err error) {
	id, err := s.directory.Login(ctx, u.Username, password)
	switch {
	case errors.Is(err, connector.ErrUnavailable):
		return false, nil, err
	case errors.As(err, &policy):
		return false, policy, nil
	case err != nil:
		return false, nil, nil
	}
	return id.Subject == src.Subject, nil, nil
}
