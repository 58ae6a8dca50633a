package login

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) enrollPage(c echo.Context) error { return h.stepPage(c, signin.StepEnroll) }

func (h *Handler) showEnroll(c echo.Context, j *signin.Journey) error {
	offer, err := h.svc.PendingSecret(c.Request().Context(), j)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.renderEnroll(c, http.StatusOK, j, offer, "", h.base(c, j.Flow))
}

func (h *Handler) renderEnroll(c echo.Context, status int, j *signin.Journey, o signin.Offer, app string, b templates.Base) error {
	img, err := o.Key.Image(256, 256)
	if err != nil {
		return web.NewPageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return web.NewPageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	return h.page(c, status, j.Flow, templates.EnrollPage{
		Base:        b,
		SelectedApp: app,
		SetupKey:    mfa.GroupKey(mfa.EncodeSecret(o.Secret)),
		OTPAuthURI:  o.Key.URL(),
		// The data URL is built here from PNG bytes only.
		QRCode:  template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Issuer:  h.policy.TOTPIssuer,
		Account: j.User.Username,
	})
}

// enrollSubmit verifies the first code of the pending secret.
func (h *Handler) enrollSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepEnroll)
	if !ok {
		return err
	}
	app := c.FormValue("app")
	r, err := h.svc.Enroll(c.Request().Context(), j, app, c.FormValue("code"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Passed || r.Outcome == signin.Moved {
		return h.advance(c, j, r.Result)
	}
	return h.renderEnroll(c, statusOf(r.Result), j, r.Offer, app, h.problem(c, j.Flow, r.Result))
}

// recoveryCodesPage shows the new recovery codes once, right after
// enrollment.
func (h *Handler) recoveryCodesPage(c echo.Context) error {
	return h.stepPage(c, signin.StepRecoveryCodes)
}

func (h *Handler) showRecoveryCodes(c echo.Context, j *signin.Journey) error {
	codes, err := h.svc.RecoveryCodes(j)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.page(c, http.StatusOK, j.Flow, templates.RecoveryCodesPage{Base: h.base(c, j.Flow), Codes: codes})
}

// recoveryCodesSubmit is the journey's final Submit.
func (h *Handler) recoveryCodesSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepRecoveryCodes)
	if !ok {
		return err
	}
	r, err := h.svc.AckRecoveryCodes(c.Request().Context(), j)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.advance(c, j, r)
}
