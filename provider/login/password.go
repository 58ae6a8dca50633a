package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Input bounds: longer values are refused before any hashing.
const (
	maxUsernameLen = 128
	maxPasswordLen = 1024
)

func (h *Handler) passwordPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepPassword)
	if !ok {
		return err
	}
	f := j.flow
	return h.page(c, http.StatusOK, f, templates.PasswordPage{Base: h.base(c, f), Username: f.LoginHint})
}

// passwordSubmit checks the username and password. Every failure (unknown
// user, wrong password, disabled account) gets the same message, status
// and cost: an unknown user is checked against a dummy hash.
func (h *Handler) passwordSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepPassword)
	if !ok {
		return err
	}
	f := j.flow
	ctx := c.Request().Context()
	username := strings.TrimSpace(c.FormValue("username"))
	password := c.FormValue("password")
	fail := func(status int, m templates.Message) error {
		b := h.base(c, f)
		b.Error = m
		return h.page(c, status, f, templates.PasswordPage{Base: b, Username: username})
	}
	if username == "" || password == "" {
		return fail(http.StatusBadRequest, templates.MsgFieldRequired)
	}
	if len(username) > maxUsernameLen || len(password) > maxPasswordLen {
		return fail(http.StatusUnauthorized, templates.MsgSignInFailed)
	}
	u, err := h.store.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return storeFault(err)
	}
	if u != nil && u.Disabled {
		u = nil
	}
	// Reserve the attempt before checking it, so that racing requests can
	// never check more guesses than the lockout allows.
	var att attempt
	hash := ""
	if u != nil {
		if att, err = h.reserveLogin(ctx, u); err != nil {
			return err
		}
		hash = u.PasswordHash
	}
	// The hash is checked in every case, so that unknown, disabled and
	// locked accounts cost the same time as a wrong password.
	good, err := h.hasher.Verify(password, hash)
	if err != nil {
		h.log.ErrorContext(ctx, "stored password hash unreadable", "user_id", u.ID, "err", err)
	}
	if !good || !att.ok {
		if err := h.loginFailed(c, f, u, StepPassword, att); err != nil {
			return err
		}
		return fail(http.StatusUnauthorized, templates.MsgSignInFailed)
	}
	if h.cfg.QuestionEnabled {
		err = h.store.ReleaseLoginAttempt(ctx, u.ID) // the question is still to come
	} else {
		err = h.store.RecordLoginSuccess(ctx, u.ID)
	}
	if err != nil {
		return storeFault(err)
	}
	if h.hasher.NeedsRehash(u.PasswordHash) {
		err := h.store.UpdatePasswordHash(ctx, u.ID, u.PasswordHash, h.hasher.Hash(password))
		if err != nil && !errors.Is(err, store.ErrStale) {
			h.log.WarnContext(ctx, "password rehash failed", "user_id", u.ID, "err", err)
		}
	}
	now := h.store.Now()
	_, err = h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		if fl.DoneAt != nil {
			return store.ErrStale
		}
		if fl.UserID != "" && fl.UserID != u.ID {
			// A flow identifies one account for good.
			return store.ErrStale
		}
		fl.UserID, fl.PasswordAt, fl.SetupAt, fl.QuestionAt = u.ID, &now, nil, nil
		// Nothing proven earlier in this flow carries over a new password step.
		fl.OTPAt, fl.EnrolledAt, fl.CodesAckAt, fl.ResetAt, fl.ProofAt = nil, nil, nil, nil, nil
		fl.PendingSecret, fl.PendingCodes, fl.PendingExpiresAt, fl.PendingAttempts = nil, nil, nil, 0
		return nil
	})
	if err != nil {
		return h.flowWriteError(err)
	}
	return seeOther(c, nextURL(f.ID))
}

// attempt is a reserved password or answer check.
type attempt struct {
	ok       bool // reserved: the account is not locked
	reserved store.LoginCounters
}

// reserveLogin reserves one password or answer check of u.
func (h *Handler) reserveLogin(ctx context.Context, u *store.User) (attempt, error) {
	reserved, ok, err := h.store.ReserveLoginAttempt(ctx, u.ID, h.cfg.LoginLockout)
	if err != nil {
		return attempt{}, storeFault(err)
	}
	return attempt{ok: ok, reserved: reserved}, nil
}

// loginFailed confirms a wrong password or answer of a known account (an
// unknown one has nothing to count; a locked one was refused without
// extending its lock) and records it. Counting must succeed: if it cannot
// be written, the attempt fails with an error page (fail closed).
func (h *Handler) loginFailed(c echo.Context, f *store.Flow, u *store.User, step Step, att attempt) error {
	ctx := c.Request().Context()
	detail := "step " + string(step)
	switch {
	case u == nil:
		detail += "; unknown or disabled account"
	case !att.ok:
		detail += "; account temporarily locked"
	default:
		counters, err := h.store.ConfirmLoginFailure(ctx, u.ID, h.cfg.LoginLockout, att.reserved)
		if err != nil {
			return storeFault(err)
		}
		if counters.LoginLocked(h.store.Now()) && att.reserved.Failures >= h.cfg.LoginLockout.Threshold {
			h.audit(c, store.EventLoginLocked, f, u, fmt.Sprintf("locked until %s after %d failed passwords or answers",
				time.Unix(counters.LockedUntil, 0).UTC().Format(time.RFC3339), h.cfg.LoginLockout.Threshold))
		}
	}
	h.log.InfoContext(ctx, "sign-in failed", "step", step, "client_id", f.ClientID)
	h.failed(step)
	h.audit(c, store.EventSignInFailed, f, u, detail)
	return nil
}
