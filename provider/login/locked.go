package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// lockedPage tells a person who passed the first factor that passcode
// failures locked the account. It is reachable only through the
// dispatcher after a correct password and answer, so it reveals nothing
// to someone who does not know them.
func (h *Handler) lockedPage(c echo.Context) error { return h.stepPage(c, signin.StepLocked) }

func (h *Handler) showLocked(c echo.Context, j *signin.Journey) error {
	return h.page(c, http.StatusForbidden, j.Flow, templates.LockedPage{Base: h.base(c, j.Flow),
		AppURL: web.AppURL(j.Flow.RedirectURI)})
}
