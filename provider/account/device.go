package account

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

func (a *Account) devicePage(c echo.Context) error {
	v, me := a.self(c)
	has, _, err := a.hasDevice(c, me)
	if err != nil {
		return err
	}
	return a.page(c, http.StatusOK, templates.AccountDevicePage{Base: v.Base(), Nav: nav(v, "account"), HasDevice: has})
}

// deviceStart checks the proof (a passcode or a recovery code) and shows
// the new key.
func (a *Account) deviceStart(c echo.Context) error {
	v, me := a.self(c)
	r, err := a.svc.StartDeviceReplacement(c.Request().Context(), me,
		signin.DeviceProof{Passcode: c.FormValue("code"), RecoveryCode: c.FormValue("recovery_code")})
	if err != nil {
		return failure(err)
	}
	if r.Outcome != signin.Passed {
		return a.page(c, status(r.Result), templates.AccountDevicePage{Base: withResult(v.Base(), r.Result), Nav: nav(v, "account"),
			HasDevice: r.Outcome != signin.Forbidden || r.Problem != ""})
	}
	return a.renderKey(c, http.StatusOK, v, r, "", v.Base())
}

// renderKey shows a new device's key and its verification form.
func (a *Account) renderKey(c echo.Context, status int, v *portal.Viewer, r signin.SelfResult, app string, b templates.Base) error {
	img, err := r.Offer.Key.Image(256, 256)
	if err != nil {
		return web.NewPageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return web.NewPageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
	return a.page(c, status, templates.AccountDeviceKeyPage{Base: b, Nav: nav(v, "account"), Offer: r.OfferToken,
		SelectedApp: app, SetupKey: mfa.GroupKey(mfa.EncodeSecret(r.Offer.Secret)), OTPAuthURI: r.Offer.Key.URL(),
		// The data URL is built here from PNG bytes only.
		QRCode: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Issuer: a.svc.Config().TOTPIssuer, Account: v.User.Username})
}

// deviceVerify checks the new app's first code and replaces the device;
// the new recovery codes are shown once.
func (a *Account) deviceVerify(c echo.Context) error {
	v, me := a.self(c)
	app := c.FormValue("app")
	r, err := a.svc.FinishDeviceReplacement(c.Request().Context(), me, c.FormValue("offer"), app, c.FormValue("code"))
	if err != nil {
		return failure(err)
	}
	switch r.Outcome {
	case signin.Passed:
		return a.page(c, http.StatusOK, templates.AccountNewCodesPage{Base: v.Base(), Nav: nav(v, "account"), Codes: r.Codes})
	case signin.Restarted:
		return a.page(c, http.StatusConflict, templates.AccountDevicePage{Base: withResult(v.Base(), r.Result),
			Nav: nav(v, "account"), HasDevice: true})
	}
	return a.renderKey(c, status(r.Result), v, r, app, withResult(v.Base(), r.Result))
}

func (a *Account) codesPage(c echo.Context) error {
	v, me := a.self(c)
	has, left, err := a.hasDevice(c, me)
	if err != nil {
		return err
	}
	return a.page(c, http.StatusOK, templates.AccountCodesPage{Base: v.Base(), Nav: nav(v, "account"), HasDevice: has, CodesLeft: left})
}

// codesSubmit makes new recovery codes, proven with a passcode.
func (a *Account) codesSubmit(c echo.Context) error {
	v, me := a.self(c)
	r, err := a.svc.RegenerateRecoveryCodes(c.Request().Context(), me, c.FormValue("code"))
	if err != nil {
		return failure(err)
	}
	if r.Outcome != signin.Passed {
		has, left, err := a.hasDevice(c, me)
		if err != nil {
			return err
		}
		return a.page(c, status(r.Result), templates.AccountCodesPage{Base: withResult(v.Base(), r.Result), Nav: nav(v, "account"),
			HasDevice: has, CodesLeft: left})
	}
	return a.page(c, http.StatusOK, templates.AccountNewCodesPage{Base: v.Base(), Nav: nav(v, "account"), Codes: r.Codes})
}
