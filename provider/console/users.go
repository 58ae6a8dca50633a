package console

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/templates"
)

// maxQuery bounds the search text.
const maxQuery = 256

// users lists the accounts (GET /admin?q=&locked=1&nodevice=1&mfa=1):
// those whose username, name or email address holds q, locked ones first.
func (k *Console) users(c echo.Context) error {
	v := portal.ViewerOf(c)
	page := templates.ConsoleUsersPage{Base: v.Base(), Nav: nav(v, "users"), Flash: flash(c),
		Query: c.QueryParam("q"), Locked: c.QueryParam("locked") != "", NoDevice: c.QueryParam("nodevice") != "",
		MFA: c.QueryParam("mfa") != ""}
	if len(page.Query) > maxQuery {
		page.Base.Error = templates.MsgConsoleInvalid
		return k.draw(c, http.StatusBadRequest, page)
	}
	rows, err := k.svc.UserList(c.Request().Context(), admin.UserFilter{Locked: page.Locked, NoDevice: page.NoDevice, MFA: page.MFA})
	if err != nil {
		return fail(err)
	}
	q := strings.ToLower(strings.TrimSpace(page.Query))
	for _, r := range rows {
		if q != "" && !strings.Contains(strings.ToLower(r.Username), q) && !strings.Contains(strings.ToLower(r.Name), q) &&
			!strings.Contains(strings.ToLower(r.Email), q) {
			continue
		}
		page.Users = append(page.Users, templates.ConsoleUser{Username: r.Username, Name: r.Name, Email: r.Email,
			PathName: pathName(r.Username), HasDevice: r.HasDevice, Locked: r.OTPLocked || !r.LockedUntil.IsZero(),
			Disabled: r.Disabled, Admin: r.Admin, RequireMFA: r.RequireMFA})
	}
	slices.SortStableFunc(page.Users, func(a, b templates.ConsoleUser) int {
		switch {
		case a.Locked == b.Locked:
			return 0
		case a.Locked:
			return -1
		}
		return 1
	})
	return k.draw(c, http.StatusOK, page)
}

// unlock lifts an account's password/answer lock and, when it is locked
// for passcodes, that lock too (keeping the device).
func (k *Console) unlock(c echo.Context) error {
	v, ctx, name := portal.ViewerOf(c), c.Request().Context(), param(c, "name")
	res, err := k.svc.Unlock(ctx, actor(v), name)
	if err != nil {
		return fail(err)
	}
	if res.StillOTPLocked {
		if _, err := k.svc.UnlockPasscode(ctx, actor(v), res.User.Username); err != nil {
			return fail(err)
		}
	}
	return done(c, "/admin/users/"+pathName(res.User.Username), "unlocked")
}

// resetDevice removes an account's device and answers with the enrollment
// code, shown this once: never in a URL or a redirect.
func (k *Console) resetDevice(c echo.Context) error {
	v := portal.ViewerOf(c)
	res, err := k.svc.ResetDevice(c.Request().Context(), actor(v), param(c, "name"), admin.DefaultProofLifetime)
	var mailErr *admin.MailError
	if err != nil && !errors.As(err, &mailErr) {
		return fail(err)
	}
	if mailErr != nil {
		k.log.WarnContext(c.Request().Context(), "console: enrollment link not mailed", "user", res.User.Username, "err", mailErr)
	}
	return k.draw(c, http.StatusOK, templates.ConsoleCodePage{Base: v.Base(), Nav: nav(v, "users"),
		Username: res.User.Username, PathName: pathName(res.User.Username), Code: res.EnrollmentCode,
		ValidUntil: templates.StampOf(res.ValidUntil), HadDevice: res.HadDevice, Mailed: res.Mailed, MailFailed: mailErr != nil})
}

// setDisabled disables an account (ending its sessions) or enables it.
// An administrator cannot disable their own account here.
func (k *Console) setDisabled(disabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, name := portal.ViewerOf(c), param(c, "name")
		u, err := k.svc.User(c.Request().Context(), name)
		if err != nil {
			return fail(err)
		}
		if disabled && u.ID == v.User.ID {
			return fail(&admin.InputError{Field: "username", Message: "an administrator cannot disable their own account in the console"})
		}
		if _, err := k.svc.SetDisabled(c.Request().Context(), actor(v), u.Username, disabled); err != nil {
			return fail(err)
		}
		outcome := "enabled"
		if disabled {
			outcome = "disabled"
		}
		return done(c, "/admin/users/"+pathName(u.Username), outcome)
	}
}

// onOff reads the form's "on" field: "on" or "off".
func onOff(c echo.Context) (bool, error) {
	switch c.FormValue("on") {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, &admin.InputError{Field: "on", Message: `on must be "on" or "off"`}
}

// userRequireMFA turns an account's own two-factor requirement on or off.
func (k *Console) userRequireMFA(c echo.Context) error {
	on, err := onOff(c)
	if err != nil {
		return fail(err)
	}
	u, err := k.svc.RequireMFA(c.Request().Context(), actor(portal.ViewerOf(c)), param(c, "name"), on)
	if err != nil {
		return fail(err)
	}
	outcome := "mfa-off"
	if on {
		outcome = "mfa-on"
	}
	return done(c, "/admin/users/"+pathName(u.Username), outcome)
}

// revokeSession ends one browser session of an account (form field
// "session", its handle).
func (k *Console) revokeSession(c echo.Context) error {
	v, name := portal.ViewerOf(c), param(c, "name")
	u, err := k.svc.User(c.Request().Context(), name)
	if err != nil {
		return fail(err)
	}
	if err := k.svc.RevokeSession(c.Request().Context(), actor(v), u.Username, c.FormValue("session")); err != nil {
		return fail(err)
	}
	return done(c, "/admin/users/"+pathName(u.Username), "session-revoked")
}

// revokeSessions ends every browser session of an account and revokes its
// tokens.
func (k *Console) revokeSessions(c echo.Context) error {
	v, name := portal.ViewerOf(c), param(c, "name")
	u, err := k.svc.User(c.Request().Context(), name)
	if err != nil {
		return fail(err)
	}
	if _, err := k.svc.RevokeSessions(c.Request().Context(), actor(v), u.Username); err != nil {
		return fail(err)
	}
	return done(c, "/admin/users/"+pathName(u.Username), "sessions-revoked")
}

// forgetBrowser forgets one remembered browser of an account: its next
// sign-in asks for the passcode.
func (k *Console) forgetBrowser(c echo.Context) error {
	v, name := portal.ViewerOf(c), param(c, "name")
	u, err := k.svc.User(c.Request().Context(), name)
	if err != nil {
		return fail(err)
	}
	if err := k.svc.RevokeRememberedBrowser(c.Request().Context(), actor(v), u.Username, c.FormValue("browser")); err != nil {
		return fail(err)
	}
	return done(c, "/admin/users/"+pathName(u.Username), "browsers-forgotten")
}

// forgetBrowsers forgets every remembered browser of an account.
func (k *Console) forgetBrowsers(c echo.Context) error {
	v, name := portal.ViewerOf(c), param(c, "name")
	u, err := k.svc.User(c.Request().Context(), name)
	if err != nil {
		return fail(err)
	}
	if _, err := k.svc.RevokeRememberedBrowsers(c.Request().Context(), actor(v), u.Username); err != nil {
		return fail(err)
	}
	return done(c, "/admin/users/"+pathName(u.Username), "browsers-forgotten")
}
