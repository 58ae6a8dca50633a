package signin

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// Past the bound of consecutive failures from unknown browsers, a browser
// that is not a known browser of the account goes on only with a
// single-use sign-in link mailed to the account's address, opened in the
// browser of the sign-in that asked for it (or after an administrator's
// unlock). The link lets that sign-in check the password again, still
// under the temporary locks. Asking for it gets the same answer whether
// the name is an account, and whether anything was sent.

// EmailSignInLink mails a sign-in link for j's sign-in to the account
// named username (or the account j identified), if it is an enabled
// account with an address whose unknown browsers reached the bound, and
// if fewer than ResetMailsPerHour such links went out in the last hour.
// The result is Passed in every one of these cases (Forbidden only when
// mail is off, a server setting): nothing tells them apart.
func (s *Service) EmailSignInLink(ctx context.Context, j *Journey, username string) (Result, error) {
	if s.mailer == nil {
		return Result{Outcome: Forbidden}, nil
	}
	u := j.User
	if u == nil {
		username = strings.TrimSpace(username)
		if username == "" || len(username) > maxUsernameLen {
			return passed(), nil
		}
		found, err := s.store.UserByUsername(ctx, username)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Result{}, fault(err)
		}
		u = found
	}
	if u == nil || u.Disabled || u.Email == "" {
		return passed(), nil
	}
	c, err := s.store.Counters(ctx, store.AccountBudget(u.ID))
	if err != nil {
		return Result{}, fault(err)
	}
	if c.Unknown < s.cfg.UnknownBrowserLimit {
		return passed(), nil
	}
	life := s.cfg.ResetLinkLifetime
	link, err := s.issueLink(ctx, u, j.Flow.ID, store.LinkSignIn, "/login/password/link")
	if errors.Is(err, store.ErrTooMany) {
		s.log.InfoContext(ctx, "sign-in link mail limit reached", "user_id", u.ID)
		return passed(), nil
	}
	if err != nil {
		return Result{}, fault(err)
	}
	// The mail goes out after the answer, so that its time tells nothing
	// either; a failure is logged and the person may ask again.
	ctx = context.WithoutCancel(ctx)
	to := j.speaking(u)
	sent := Event{Name: store.EventSignInLinkSent, User: u, IP: j.IP, ClientID: j.Flow.ClientID,
		Detail: "sign-in link mailed (unknown browsers at the bound)"}
	s.background.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, mailTimeout)
		defer cancel()
		if err := s.mailer.SignInLink(ctx, to, link, life); err != nil {
			s.log.ErrorContext(ctx, "sign-in link mail failed", "user_id", u.ID, "err", err)
			return
		}
		s.events.Record(ctx, sent)
	})
	return passed(), nil
}

// mailTimeout bounds a mail sent after the answer.
const mailTimeout = time.Minute

// Wait returns when the mails sent after their answers went out (for
// tests and a graceful stop).
func (s *Service) Wait() { s.background.Wait() }

// SignInWithLink is the emailed sign-in link, opened in j's sign-in (the
// one that asked for it, in its browser) at the password step: from then
// on this sign-in may check the account's password past the bound. It
// works once, before it expires.
func (s *Service) SignInWithLink(ctx context.Context, j *Journey, token string) (Result, error) {
	hash := credential.HashToken(token)
	t, err := s.store.PeekLinkToken(ctx, hash, store.LinkSignIn)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.FlowID != j.Flow.ID) {
		return Result{}, ErrLinkInvalid
	}
	if err != nil {
		return Result{}, fault(err)
	}
	if _, err := s.store.ConsumeLinkToken(ctx, hash, store.LinkSignIn); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Result{}, ErrLinkInvalid
		}
		return Result{}, fault(err)
	}
	if err := s.store.AcceptSignInLink(ctx, j.Flow.ID, t.UserID); err != nil {
		return Result{}, flowWriteError(err)
	}
	j.Flow.SignInLinkUser = t.UserID
	s.record(ctx, j, Event{Name: store.EventSignInLinkOpened, Detail: "sign-in link opened; the password may be checked past the bound"})
	return passed(), nil
}

// rememberBrowser makes j's browser a known browser of its account after
// a finished sign-in; a failure only costs the browser its own budget.
func (s *Service) rememberBrowser(ctx context.Context, j *Journey) {
	if j.DeviceCookie == "" {
		return
	}
	if err := s.store.RememberBrowser(ctx, j.User.ID, j.DeviceCookie); err != nil {
		s.log.WarnContext(ctx, "could not remember the browser", "user_id", j.User.ID, "err", err)
	}
}
