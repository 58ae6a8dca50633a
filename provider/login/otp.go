package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) otpPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepOTP)
	if !ok {
		return err
	}
	return h.renderOTP(c, http.StatusOK, j.flow, "")
}

func (h *Handler) renderOTP(c echo.Context, status int, f *store.Flow, msg templates.Message) error {
	b := h.base(c, f)
	b.Error = msg
	return h.page(c, status, f, templates.OTPPage{Base: b, ResetURL: "/login/reset?authRequestID=" + f.ID})
}

// otpSubmit checks a passcode of the user's device. It is accepted once:
// the verifier records its time step with a conditional update before the
// flow moves on, and a storage failure accepts nothing.
func (h *Handler) otpSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepOTP)
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	f, u, d := j.flow, j.user, j.device
	secret, err := h.cfg.Sealer.Open(d.Secret, DeviceAD(u.ID, d.ID))
	if err != nil {
		// A secret that does not open (wrong key, or a row moved to
		// another user) must never let anyone through.
		h.log.ErrorContext(ctx, "TOTP secret cannot be decrypted", "user_id", u.ID, "device_id", d.ID, "err", err)
		return pageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	input := c.FormValue("code")
	if _, err := h.cfg.TOTP.Normalize(input); err != nil {
		// A malformed code is a clear error, not a guess: not counted.
		return h.renderOTP(c, http.StatusBadRequest, f, templates.MsgCodeMalformed)
	}
	n, ok, err := h.reserveSecondFactor(c, j)
	if !ok {
		return err
	}
	v := mfa.Verifier{TOTP: h.cfg.TOTP, Now: h.store.Now, Store: h.store}
	err = v.Verify(ctx, mfa.Device{ID: d.ID, Secret: secret, LastStep: d.LastStep}, input)
	switch {
	case errors.Is(err, mfa.ErrInvalid), errors.Is(err, mfa.ErrReplayed):
		detail := "wrong passcode"
		if errors.Is(err, mfa.ErrReplayed) {
			detail = "passcode already used"
		}
		return h.secondFactorFailed(c, j, n, detail, func() error {
			return h.renderOTP(c, http.StatusUnauthorized, f, templates.MsgCodeInvalid)
		})
	case err != nil:
		// Nothing was accepted (fail closed); the reservation stays counted.
		return storeFault(err)
	}
	if err := h.store.RecordOTPSuccess(ctx, u.ID); err != nil {
		return storeFault(err)
	}
	now := h.store.Now()
	_, err = h.store.UpdateFlow(ctx, f.ID, func(fl *store.Flow) error {
		if fl.DoneAt != nil || fl.UserID != u.ID {
			return store.ErrStale
		}
		fl.OTPAt = &now
		return nil
	})
	if err != nil {
		return h.flowWriteError(err)
	}
	return seeOther(c, nextURL(f.ID))
}

// reserveSecondFactor reserves one check of a passcode, recovery code or
// enrollment proof before it is made, so that racing requests can never
// check more guesses than the lockout allows. When the account is locked
// (or that many checks are already under way) ok is false and the person
// goes back to the dispatcher, which shows where the sign-in stands.
func (h *Handler) reserveSecondFactor(c echo.Context, j *journey) (int, bool, error) {
	n, ok, err := h.store.ReserveOTPAttempt(c.Request().Context(), j.user.ID, h.cfg.OTPAttempts)
	if err != nil {
		return 0, false, storeFault(err)
	}
	if !ok {
		return 0, false, seeOther(c, nextURL(j.flow.ID))
	}
	return n, true, nil
}

// secondFactorFailed confirms reserved attempt n as wrong. At the limit the
// account locks, the person is told (by mail too), and this sign-in ends
// at the locked page; otherwise retry renders the page again. Counting
// must succeed (fail closed).
func (h *Handler) secondFactorFailed(c echo.Context, j *journey, n int, detail string, retry func() error) error {
	ctx := c.Request().Context()
	f, u := j.flow, j.user
	counters, err := h.store.ConfirmOTPFailure(ctx, u.ID, h.cfg.OTPAttempts, n)
	if err != nil {
		return storeFault(err)
	}
	h.log.InfoContext(ctx, "sign-in failed", "step", Next(j.state), "user_id", u.ID, "client_id", f.ClientID)
	h.failed(Next(j.state))
	h.audit(c, store.EventSignInFailed, f, u, fmt.Sprintf("step %s; %s (%d in a row)", Next(j.state), detail, counters.Failures))
	if counters.Locked {
		h.audit(c, store.EventOTPLocked, f, u, fmt.Sprintf("locked after %d failed second-factor attempts", h.cfg.OTPAttempts))
		h.notify(c, "account locked", func(ctx context.Context, n Notifier) error { return n.AccountLocked(ctx, u) })
		return seeOther(c, nextURL(f.ID))
	}
	c.Set(triesLeftKey, h.cfg.OTPAttempts-counters.Failures)
	return retry()
}

// triesLeftKey carries the second-factor attempts left to the page the
// retry renders (h.base reads it).
const triesLeftKey = "otpgate.triesLeft"
