package signin

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Password and answer checks are throttled per budget, so that failures
// cannot be turned against the account's owner (device cookies, OWASP):
//
//   - a known browser of the account (its device cookie's hash is stored
//     for the account after a finished sign-in, and it signed in within
//     KnownBrowserLifetime) spends its own budget, which nothing else
//     touches, and is never held by the bound;
//   - every other browser spends the account's unknown-browser budget,
//     which also counts consecutive failures toward the bound: from
//     UnknownBrowserLimit on, unknown browsers are refused without their
//     password counting, until a sign-in (any browser), an administrator's
//     unlock, or an emailed sign-in link opened in this sign-in's browser;
//   - a name that is no enabled account spends a budget of its own, keyed
//     by an HMAC of the normalised name, under exactly the same rules, so
//     that no page, status or message tells the two apart.
//
// Each budget locks after LoginLockout.Threshold consecutive failures for
// LoginLockout.LockFor(level) and decays by one level per full
// LoginLockDecay without an attempt. The hash is verified in every case.

// attempt is a reserved password or answer check.
type attempt struct {
	ok       bool // reserved: the budget is neither locked nor at the bound
	budget   store.Budget
	known    bool // the budget is a known browser's
	reserved store.LoginCounters
}

// reserveLogin reserves one password or answer check of u (nil: the name
// is no enabled account) from j's browser.
func (s *Service) reserveLogin(ctx context.Context, j *Journey, u *store.User, username string) (attempt, error) {
	p := store.LoginPolicy{Lockout: s.cfg.LoginLockout, Decay: s.cfg.LoginLockDecay, Bound: s.cfg.UnknownBrowserLimit}
	att := attempt{budget: store.NameBudget(s.nameHash(username))}
	userID := ""
	if u != nil {
		userID = u.ID
	}
	// Looked up for a name that is no account too (it matches nothing), so
	// that both cost the same statements.
	known, err := s.store.IsKnownBrowser(ctx, userID, j.DeviceCookie, s.cfg.KnownBrowserLifetime)
	if err != nil {
		return attempt{}, fault(err)
	}
	if u != nil {
		switch {
		case known:
			att.budget, att.known, p.Bound = store.BrowserBudget(u.ID, j.DeviceCookie), true, 0
		case j.Flow.SignInLinkUser == u.ID:
			att.budget, p.Bound = store.AccountBudget(u.ID), 0 // the emailed link was opened here
		default:
			att.budget = store.AccountBudget(u.ID)
		}
	}
	reserved, ok, err := s.store.Reserve(ctx, att.budget, p)
	if err != nil {
		return attempt{}, fault(err)
	}
	att.ok, att.reserved = ok, reserved
	return att, nil
}

// nameHash keys the counters of a name that is no account: the HMAC of
// the lower-cased, trimmed name under a key every replica derives from
// the encryption key.
func (s *Service) nameHash(username string) string {
	m := hmac.New(sha256.New, s.nameKey[:])
	m.Write([]byte(strings.ToLower(strings.TrimSpace(username))))
	return hex.EncodeToString(m.Sum(nil))
}

// throttled is the answer to an attempt its budget refused: how long to
// wait, or, at the bound, that this browser needs the emailed link (or an
// administrator). It is the same for an account and a name that is none.
func (s *Service) throttled(ctx context.Context, j *Journey, u *store.User, step Step, att attempt) Result {
	detail := "step " + string(step)
	if u == nil {
		detail += "; unknown or disabled account"
	}
	r := Result{Outcome: Limited}
	switch {
	case att.reserved.AtBound && !att.reserved.LoginLocked(s.now()):
		// While a temporary lock also holds, its wait is what the person
		// is told first: a link opened meanwhile would meet the lock.
		detail += "; unknown browsers at the bound of consecutive failures"
		r.Problem, r.OfferLink = templates.MsgSignInNeedsAdmin, false
		// A typed username's sign-in is never opened by a mailed link:
		// the name is all its person showed.
		if s.mailer != nil && j.Flow.FirstFactor != store.FirstFactorTyped {
			r.Problem, r.OfferLink = templates.MsgSignInNeedsLink, true
		}
	default:
		detail += "; account temporarily locked"
		if att.known {
			detail += " for this known browser"
		}
		r.Problem, r.RetryMinutes = templates.MsgTooManyAttempts, retryMinutes(att.reserved, s.now())
		if r.RetryMinutes == 1 {
			r.Problem = templates.MsgTooManyAttemptsMinute
		}
	}
	s.log.InfoContext(ctx, "sign-in refused", "step", step, "client_id", j.Flow.ClientID)
	s.record(ctx, j, Event{Name: store.EventSignInFailed, User: u, Step: step, Detail: detail})
	return r
}

// retryMinutes is the wait until c's lock ends, in whole minutes rounded
// up (at least one: a run at the threshold is about to lock).
func retryMinutes(c store.LoginCounters, now time.Time) int {
	left := time.Unix(c.LockedUntil, 0).Sub(now)
	n := int((left + time.Minute - 1) / time.Minute)
	return max(n, 1)
}

// loginFailed confirms a wrong password or answer on its budget and
// records it. Counting must succeed: if it cannot be written, the attempt
// fails with an error (fail closed).
func (s *Service) loginFailed(ctx context.Context, j *Journey, u *store.User, step Step, att attempt) error {
	detail := "step " + string(step)
	counters, err := s.store.Confirm(ctx, att.budget, s.cfg.LoginLockout, att.reserved)
	if err != nil {
		return fault(err)
	}
	switch {
	case u == nil:
		detail += "; unknown or disabled account"
	case counters.LoginLocked(s.now()) && att.reserved.Failures >= s.cfg.LoginLockout.Threshold:
		who := "unknown browsers"
		if att.known {
			who = "this known browser"
		}
		s.record(ctx, j, Event{Name: store.EventLoginLocked, User: u, Detail: fmt.Sprintf(
			"%s locked until %s after %d failed passwords or answers", who,
			time.Unix(counters.LockedUntil, 0).UTC().Format(time.RFC3339), s.cfg.LoginLockout.Threshold)})
	}
	s.log.InfoContext(ctx, "sign-in failed", "step", step, "client_id", j.Flow.ClientID)
	s.record(ctx, j, Event{Name: store.EventSignInFailed, User: u, Step: step, Detail: detail})
	return nil
}

// loginPassed ends a right check of u's first factor: the budget's count
// and level start afresh, and so does the count toward the bound,
// whichever browser it was.
func (s *Service) loginPassed(ctx context.Context, u *store.User, att attempt) error {
	if err := s.store.Succeed(ctx, att.budget); err != nil {
		return fault(err)
	}
	if !att.known {
		return nil // the account's budget cleared its bound count with it
	}
	if err := s.store.ClearUnknownFailures(ctx, u.ID); err != nil {
		return fault(err)
	}
	return nil
}
