package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// resetPage is where the passcode page's "lost device" link leads. For
// now a lost device is reset by an administrator; the page says so.
func (h *Handler) resetPage(c echo.Context) error {
	j, ok, err := h.expect(c, StepOTP)
	if !ok {
		return err
	}
	f := j.flow
	return h.page(c, http.StatusOK, f, templates.ResetPage{Base: h.base(c, f), BackURL: stepURL(StepOTP, f.ID)})
}
