package login

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) passwordPage(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepPassword)
	if !ok {
		return err
	}
	f := j.Flow
	return h.page(c, http.StatusOK, f, templates.PasswordPage{Base: h.base(c, f), Username: f.LoginHint})
}

// passwordSubmit checks the username and password; every failure gets the
// same message and status.
func (h *Handler) passwordSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepPassword)
	if !ok {
		return err
	}
	username := c.FormValue("username")
	r, err := h.svc.Password(c.Request().Context(), j, username, c.FormValue("password"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Invalid || r.Outcome == signin.Rejected {
		return h.page(c, statusOf(r), j.Flow, templates.PasswordPage{Base: h.problem(c, j.Flow, r), Username: strings.TrimSpace(username)})
	}
	return h.advance(c, j, r)
}
