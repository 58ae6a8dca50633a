package login

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) otpPage(c echo.Context) error { return h.stepPage(c, signin.StepOTP) }

func (h *Handler) showOTP(c echo.Context, j *signin.Journey) error {
	return h.renderOTP(c, http.StatusOK, j, h.base(c, j.Flow))
}

func (h *Handler) renderOTP(c echo.Context, status int, j *signin.Journey, b templates.Base) error {
	p := templates.OTPPage{Base: b, RememberDays: h.svc.RememberDays(c.Request().Context(), j)}
	if signin.CanReset(j) {
		p.ResetURL = "/login/reset?authRequestID=" + j.Flow.ID
	}
	return h.page(c, status, j.Flow, p)
}

// otpSubmit checks a passcode of the user's device.
func (h *Handler) otpSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepOTP)
	if !ok {
		return err
	}
	// The passcode may be the last step: its write then finishes the flow
	// and moves the browser to a new binding (see finish).
	j.NewBinding = h.nextBinding(c).Hash
	r, err := h.svc.Passcode(c.Request().Context(), j, c.FormValue("code"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Invalid || r.Outcome == signin.Rejected || r.Outcome == signin.Limited {
		retryAfter(c, r)
		return h.renderOTP(c, statusOf(r), j, h.problem(c, j.Flow, r))
	}
	if r.Outcome == signin.Passed && c.FormValue("remember_browser") != "" {
		if err := h.rememberBrowser(c, j); err != nil {
			return pageErrorFor(err)
		}
	}
	return h.advance(c, j, r)
}

// rememberCookie is the cookie of a remembered browser (the token whose
// hash names its row).
const rememberCookie = "remember"

// rememberedHash is the hash of this browser's remembered-browser cookie,
// or "".
func (h *Handler) rememberedHash(c echo.Context) string {
	if v := h.cookies.Get(c, rememberCookie); v != "" {
		return credential.HashToken(v)
	}
	return ""
}

// rememberBrowser remembers this browser for j's account when the person
// ticked the box and the sign-in allows it (the service decides; a box
// posted where none was offered remembers nothing).
func (h *Handler) rememberBrowser(c echo.Context, j *signin.Journey) error {
	token, life, err := h.svc.RememberBrowser(c.Request().Context(), j, c.Request().UserAgent())
	if err != nil || token == "" {
		return err
	}
	h.cookies.Set(c, rememberCookie, token, life)
	return nil
}
