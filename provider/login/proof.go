package login

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// After an administrator resets a device, the next enrollment needs the
// one-time proof the reset issued (handed over by the administrator), so
// that someone who knows only the password and the answer cannot enrol
// their own device in the gap.

func (h *Handler) proofPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepEnrollProof)
	if !ok {
		return err
	}
	return h.page(c, http.StatusOK, j.flow, templates.EnrollProofPage{Base: h.base(c, j.flow)})
}

func (h *Handler) proofSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepEnrollProof)
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	f, u := j.flow, j.user
	retry := func(status int, m templates.Message) func() error {
		return func() error {
			b := h.base(c, f)
			b.Error = m
			return h.page(c, status, f, templates.EnrollProofPage{Base: b})
		}
	}
	input := c.FormValue("proof")
	if input == "" {
		return retry(http.StatusBadRequest, templates.MsgFieldRequired)()
	}
	n, ok, err := h.reserveSecondFactor(c, j)
	if !ok {
		return err
	}
	good := false
	if len(input) <= maxRecoveryCodeLen && u.ProofExpiresAt != nil && u.ProofExpiresAt.After(h.store.Now()) {
		good, _ = h.hasher.Verify(mfa.NormalizeRecoveryCode(input), u.ProofHash)
	}
	if good {
		err := h.store.ConsumeProof(ctx, f.ID, u.ID, u.ProofHash)
		if err == nil {
			if err := h.store.RecordOTPSuccess(ctx, u.ID); err != nil {
				return storeFault(err)
			}
			h.audit(c, store.EventProofAccepted, f, u, "enrollment code accepted")
			return seeOther(c, nextURL(f.ID))
		}
		if !errors.Is(err, store.ErrStale) {
			return storeFault(err)
		}
	}
	// Wrong or expired codes count toward the passcode lockout, which
	// bounds guessing.
	return h.secondFactorFailed(c, j, n, "wrong or expired enrollment code", retry(http.StatusUnauthorized, templates.MsgProofInvalid))
}

// proofLink is the emailed form of an administrator's enrollment proof. It
// applies to the sign-in in this browser that has passed the first factor
// and is waiting for the proof; opened anywhere else it does nothing (and
// is not used up), so a person who only knows the password and the answer
// gains nothing from it.
func (h *Handler) proofLink(c echo.Context) error {
	ctx := c.Request().Context()
	hash := credential.HashToken(c.QueryParam("token"))
	t, err := h.store.PeekLinkToken(ctx, hash, store.LinkProof)
	if errors.Is(err, store.ErrNotFound) {
		return pageError(http.StatusBadRequest, templates.MsgLinkInvalid, nil)
	}
	if err != nil {
		return storeFault(err)
	}
	f, err := h.store.FlowAwaitingProof(ctx, h.cookies.browserHash(c), t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return pageError(http.StatusForbidden, templates.MsgWrongBrowser, nil)
	}
	if err != nil {
		return storeFault(err)
	}
	c.QueryParams().Set("authRequestID", f.ID)
	j, ok, err := h.expect(c, StepEnrollProof)
	if !ok {
		return err
	}
	if _, err := h.store.ConsumeLinkToken(ctx, hash, store.LinkProof); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return pageError(http.StatusBadRequest, templates.MsgLinkInvalid, nil)
		}
		return storeFault(err)
	}
	if err := h.store.ConsumeProof(ctx, j.flow.ID, j.user.ID, j.user.ProofHash); err != nil {
		if errors.Is(err, store.ErrStale) {
			return pageError(http.StatusBadRequest, templates.MsgLinkInvalid, err)
		}
		return storeFault(err)
	}
	h.audit(c, store.EventProofAccepted, j.flow, j.user, "enrollment link accepted")
	return seeOther(c, nextURL(j.flow.ID))
}
