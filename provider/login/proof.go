package login

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/mfa"
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
	good := false
	if len(input) <= maxRecoveryCodeLen && u.ProofExpiresAt != nil && u.ProofExpiresAt.After(h.store.Now()) {
		good, _ = h.hasher.Verify(mfa.NormalizeRecoveryCode(input), u.ProofHash)
	}
	if good {
		err := h.store.ConsumeProof(ctx, f.ID, u.ID, u.ProofHash)
		if err == nil {
			h.audit(c, store.EventProofAccepted, f, u, "enrollment code accepted")
			return seeOther(c, nextURL(f.ID))
		}
		if !errors.Is(err, store.ErrStale) {
			return storeFault(err)
		}
	}
	// Wrong or expired codes count toward the passcode lockout, which
	// bounds guessing.
	return h.secondFactorFailed(c, j, "wrong or expired enrollment code", retry(http.StatusUnauthorized, templates.MsgProofInvalid))
}
