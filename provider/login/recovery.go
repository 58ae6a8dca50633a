package login

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// recoveryCodesPage shows the new recovery codes once, right after
// enrollment; they are kept sealed on the flow only until Submit.
func (h *Handler) recoveryCodesPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepRecoveryCodes)
	if !ok {
		return err
	}
	f := j.flow
	plain, err := h.cfg.Sealer.Open(f.PendingCodes, codesAD(f.ID))
	if err != nil {
		return pageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	return h.page(c, http.StatusOK, f, templates.RecoveryCodesPage{Base: h.base(c, f), Codes: strings.Split(string(plain), "\n")})
}

// recoveryCodesSubmit is the journey's final Submit: the codes are
// forgotten and the sign-in continues.
func (h *Handler) recoveryCodesSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, StepRecoveryCodes)
	if !ok {
		return err
	}
	now := h.store.Now()
	_, err = h.store.UpdateFlow(c.Request().Context(), j.flow.ID, func(fl *store.Flow) error {
		if fl.EnrolledAt == nil || fl.DoneAt != nil {
			return store.ErrStale
		}
		fl.CodesAckAt, fl.PendingCodes = &now, nil
		return nil
	})
	if err != nil {
		return h.flowWriteError(err)
	}
	return seeOther(c, nextURL(j.flow.ID))
}
