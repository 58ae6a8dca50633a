package login

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) usernamePage(c echo.Context) error { return h.stepPage(c, signin.StepUsername) }

func (h *Handler) showUsername(c echo.Context, j *signin.Journey) error {
	f := j.Flow
	return h.page(c, http.StatusOK, f, templates.UsernamePage{Base: h.base(c, f), Username: f.LoginHint})
}

// usernameSubmit records the username of a factor-only sign-in that named
// nobody; every name goes on to the passcode page (signin.Username).
func (h *Handler) usernameSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepUsername)
	if !ok {
		return err
	}
	username := c.FormValue("username")
	r, err := h.svc.Username(c.Request().Context(), j, username)
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Invalid {
		return h.page(c, statusOf(r), j.Flow, templates.UsernamePage{Base: h.problem(c, j.Flow, r),
			Username: strings.TrimSpace(username)})
	}
	return h.advance(c, j, r)
}
