package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// maxRecoveryCodeLen bounds a typed recovery code before hashing.
const maxRecoveryCodeLen = 64

// The lost-device page is reached from the passcode step, so the password
// and the answer have passed; they alone never reset a device. Proof of
// possession is required: a recovery code, or a single-use link mailed to
// the account's address and opened in this browser.

func (h *Handler) resetPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepOTP)
	if !ok {
		return err
	}
	return h.renderReset(c, http.StatusOK, j, "", false)
}

func (h *Handler) renderReset(c echo.Context, status int, j *journey, msg templates.Message, sent bool) error {
	b := h.base(c, j.flow)
	b.Error = msg
	return h.page(c, status, j.flow, templates.ResetPage{Base: b,
		RecoveryAllowed: h.cfg.SelfServiceReset,
		EmailAllowed:    h.cfg.SelfServiceReset && h.cfg.Notifier != nil && j.user.Email != "",
		EmailSent:       sent,
		BackURL:         stepURL(StepOTP, j.flow.ID),
	})
}

// resetSubmit checks a recovery code. A wrong one counts toward the
// passcode lockout; a right one is used up and the device is reset.
func (h *Handler) resetSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepOTP)
	if !ok {
		return err
	}
	if !h.cfg.SelfServiceReset {
		return h.renderReset(c, http.StatusForbidden, j, "", false)
	}
	ctx := c.Request().Context()
	input := c.FormValue("recovery_code")
	if input == "" {
		return h.renderReset(c, http.StatusBadRequest, j, templates.MsgFieldRequired, false)
	}
	n, ok, err := h.reserveSecondFactor(c, j)
	if !ok {
		return err
	}
	codes, err := h.store.UnusedRecoveryCodes(ctx, j.user.ID)
	if err != nil {
		return storeFault(err)
	}
	var match *store.RecoveryCode
	if normalized := mfa.NormalizeRecoveryCode(input); len(input) <= maxRecoveryCodeLen {
		for i := range codes {
			if ok, _ := h.hasher.Verify(normalized, codes[i].CodeHash); ok {
				match = &codes[i]
				break
			}
		}
	}
	if match != nil {
		used, err := h.store.UseRecoveryCode(ctx, match.ID)
		if err != nil {
			return storeFault(err)
		}
		if !used {
			match = nil // another request used it first
		}
	}
	if match == nil {
		return h.secondFactorFailed(c, j, n, "wrong recovery code", func() error {
			return h.renderReset(c, http.StatusUnauthorized, j, templates.MsgRecoveryCodeInvalid, false)
		})
	}
	return h.resetDevice(c, j, "recovery code")
}

// resetDevice removes the lost device once possession was proven; the
// dispatcher then leads to enrollment of a new one in the same sign-in.
func (h *Handler) resetDevice(c echo.Context, j *journey, method string) error {
	err := h.store.SelfResetDevice(c.Request().Context(), j.flow.ID, j.user.ID)
	if errors.Is(err, store.ErrStale) {
		return seeOther(c, nextURL(j.flow.ID))
	}
	if err != nil {
		return storeFault(err)
	}
	h.audit(c, store.EventResetDone, j.flow, j.user, "self-service device reset with "+method+"; sessions and tokens revoked")
	h.notify(c, "device reset", func(ctx context.Context, n Notifier) error { return n.DeviceReset(ctx, j.user) })
	return seeOther(c, nextURL(j.flow.ID))
}

// resetEmail mails a single-use reset link for this flow to the account's
// address. The link is built from the configured issuer, never from the
// request's Host header.
func (h *Handler) resetEmail(c echo.Context) error {
	j, ok, err := h.expect(c, StepOTP)
	if !ok {
		return err
	}
	if !h.cfg.SelfServiceReset || h.cfg.Notifier == nil || j.user.Email == "" {
		return h.renderReset(c, http.StatusForbidden, j, "", false)
	}
	ctx := c.Request().Context()
	token := credential.NewToken()
	now := h.store.Now()
	err = h.store.CreateLinkToken(ctx, &store.LinkToken{TokenHash: credential.HashToken(token), Purpose: store.LinkReset,
		UserID: j.user.ID, FlowID: j.flow.ID, CreatedAt: now, ExpiresAt: now.Add(h.cfg.ResetLinkLifetime)})
	if err != nil {
		return storeFault(err)
	}
	link := h.cfg.Issuer + "/login/reset/link?" + url.Values{"token": {token}}.Encode()
	if err := h.cfg.Notifier.ResetLink(ctx, j.user, link, h.cfg.ResetLinkLifetime); err != nil {
		h.log.ErrorContext(ctx, "reset link mail failed", "user_id", j.user.ID, "err", err)
		return pageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
	}
	h.audit(c, store.EventResetRequested, j.flow, j.user, "reset link mailed")
	return h.renderReset(c, http.StatusOK, j, "", true)
}

// resetLink is the emailed link. It works once, before it expires, and
// only in the browser of the sign-in that asked for it, at its passcode
// step: someone who merely knows the password and answer never gets the
// link, and the person who gets it cannot finish someone else's sign-in.
func (h *Handler) resetLink(c echo.Context) error {
	ctx := c.Request().Context()
	hash := credential.HashToken(c.QueryParam("token"))
	t, err := h.store.PeekLinkToken(ctx, hash, store.LinkReset)
	if errors.Is(err, store.ErrNotFound) {
		return pageError(http.StatusBadRequest, templates.MsgLinkInvalid, nil)
	}
	if err != nil {
		return storeFault(err)
	}
	c.QueryParams().Set("authRequestID", t.FlowID)
	j, ok, err := h.expect(c, StepOTP)
	if !ok {
		return err
	}
	if j.user.ID != t.UserID {
		return pageError(http.StatusBadRequest, templates.MsgLinkInvalid, nil)
	}
	if _, err := h.store.ConsumeLinkToken(ctx, hash, store.LinkReset); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return pageError(http.StatusBadRequest, templates.MsgLinkInvalid, nil)
		}
		return storeFault(err)
	}
	return h.resetDevice(c, j, "emailed link")
}
