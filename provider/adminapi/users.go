package adminapi

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
)

// User is an account as the API shows it (never a secret or hash).
type User struct {
	Username       string     `json:"username"`
	Email          string     `json:"email,omitempty"`
	Name           string     `json:"name,omitempty"`
	GivenName      string     `json:"given_name,omitempty"`
	FamilyName     string     `json:"family_name,omitempty"`
	Disabled       bool       `json:"disabled"`
	RequireMFA     bool       `json:"require_mfa"`
	Admin          bool       `json:"admin"`
	HasDevice      bool       `json:"has_device"`
	PasscodeLocked bool       `json:"passcode_locked"`
	LockedUntil    *time.Time `json:"locked_until,omitempty"`
}

func userOf(r admin.UserRow) User {
	u := User{Username: r.Username, Email: r.Email, Name: r.Name, GivenName: r.GivenName, FamilyName: r.FamilyName,
		Disabled: r.Disabled, RequireMFA: r.RequireMFA, Admin: r.Admin, HasDevice: r.HasDevice, PasscodeLocked: r.OTPLocked}
	if !r.LockedUntil.IsZero() {
		t := r.LockedUntil.UTC()
		u.LockedUntil = &t
	}
	return u
}

// listUsers is GET /users?locked=true&no_device=true&mfa=true.
func (h *Handler) listUsers(c echo.Context) error {
	var f admin.UserFilter
	for name, dst := range map[string]*bool{"locked": &f.Locked, "no_device": &f.NoDevice, "mfa": &f.MFA} {
		b, err := boolQuery(c, name)
		if err != nil {
			return h.fail(c, err)
		}
		*dst = b
	}
	rows, err := h.admin.UserList(c.Request().Context(), f)
	if err != nil {
		return h.fail(c, err)
	}
	users := make([]User, 0, len(rows))
	for _, r := range rows {
		users = append(users, userOf(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"users": users})
}

// showUser is GET /users/{username}.
func (h *Handler) showUser(c echo.Context) error {
	return h.userAnswer(c, http.StatusOK, c.Param("username"), nil)
}

// withPassword is the answer of an action that may have generated a
// password: {"user": …, "password": …}, the password only when generated
// (shown once; never logged or audited).
type withPassword struct {
	User     User   `json:"user"`
	Password string `json:"password,omitempty"`
}

// userAnswer answers status with the account named username as the list
// shows it, or, when pw is not nil, with it in a withPassword.
func (h *Handler) userAnswer(c echo.Context, status int, username string, pw *string) error {
	r, err := h.admin.UserRowOf(c.Request().Context(), username)
	if err != nil {
		return h.fail(c, err)
	}
	if pw == nil {
		return c.JSON(status, userOf(*r))
	}
	return c.JSON(status, withPassword{User: userOf(*r), Password: *pw})
}

// newUser is the body of POST /users.
type newUser struct {
	Username   string `json:"username"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	// Password is the temporary password; empty generates one, returned
	// once.
	Password   string `json:"password"`
	RequireMFA bool   `json:"require_mfa"`
}

// addUser is POST /users: a new account that chooses its own password and
// security question at its first sign-in.
func (h *Handler) addUser(c echo.Context) error {
	var in newUser
	if err := decode(c, &in, false); err != nil {
		return h.fail(c, err)
	}
	ctx := c.Request().Context()
	generated := in.Password == ""
	if generated {
		if err := admin.CheckUsername(in.Username); err != nil {
			return h.fail(c, err)
		}
		pw, err := h.admin.GeneratePassword(in.Username, in.Email)
		if err != nil {
			return h.fail(c, err)
		}
		in.Password = pw
	}
	u, err := h.admin.AddUser(ctx, actor(c), admin.NewUser{Username: in.Username, Email: in.Email, Name: in.Name,
		GivenName: in.GivenName, FamilyName: in.FamilyName, Password: in.Password, RequireMFA: in.RequireMFA})
	if err != nil {
		return h.fail(c, err)
	}
	shown := ""
	if generated {
		shown = in.Password
	}
	c.Response().Header().Set("Location", Prefix+"/users/"+url.PathEscape(u.Username))
	return h.userAnswer(c, http.StatusCreated, u.Username, &shown)
}

// setDisabled is POST /users/{username}/disable (which revokes the
// account's sessions and tokens) and /enable.
func (h *Handler) setDisabled(disabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := decode(c, &struct{}{}, true); err != nil {
			return h.fail(c, err)
		}
		u, err := h.admin.SetDisabled(c.Request().Context(), actor(c), c.Param("username"), disabled)
		if err != nil {
			return h.fail(c, err)
		}
		return h.userAnswer(c, http.StatusOK, u.Username, nil)
	}
}

// setPassword is POST /users/{username}/password {"password": …}: a
// temporary password (generated and returned once when none is given);
// the account's sessions and tokens are revoked.
func (h *Handler) setPassword(c echo.Context) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(c, &in, true); err != nil {
		return h.fail(c, err)
	}
	ctx := c.Request().Context()
	generated := in.Password == ""
	if generated {
		u, err := h.admin.User(ctx, c.Param("username"))
		if err != nil {
			return h.fail(c, err)
		}
		if in.Password, err = h.admin.GeneratePassword(u.Username, u.Email); err != nil {
			return h.fail(c, err)
		}
	}
	u, err := h.admin.SetPassword(ctx, actor(c), c.Param("username"), in.Password)
	if err != nil {
		return h.fail(c, err)
	}
	shown := ""
	if generated {
		shown = in.Password
	}
	return h.userAnswer(c, http.StatusOK, u.Username, &shown)
}

// requireMFA is PUT /users/{username}/require-mfa {"on": bool,
// "enrollment_code": bool}: the account's own two-factor requirement,
// and with enrollment_code the one-time code of its first enrollment.
func (h *Handler) requireMFA(c echo.Context) error {
	var in struct {
		On             *bool `json:"on"`
		EnrollmentCode bool  `json:"enrollment_code"`
	}
	if err := decode(c, &in, false); err != nil {
		return h.fail(c, err)
	}
	switch {
	case in.On == nil:
		return h.fail(c, badRequest(`"on" is required: true or false`))
	case in.EnrollmentCode && !*in.On:
		return h.fail(c, badRequest("enrollment_code goes with on: true"))
	}
	ctx := c.Request().Context()
	u, err := h.admin.RequireMFA(ctx, actor(c), c.Param("username"), *in.On)
	if err != nil {
		return h.fail(c, err)
	}
	out := map[string]any{"username": u.Username, "require_mfa": u.RequireMFA}
	if in.EnrollmentCode {
		res, err := h.admin.IssueEnrollmentCode(ctx, actor(c), u.Username, h.proofLifetime)
		var mailErr *admin.MailError
		if err != nil && !errors.As(err, &mailErr) {
			return h.fail(c, err)
		}
		out["enrollment_code"], out["valid_until"], out["mailed"] = res.EnrollmentCode, res.ValidUntil.UTC(), res.Mailed
	}
	return c.JSON(http.StatusOK, out)
}

// unlock is POST /users/{username}/unlock {"passcode": bool}: lifts the
// temporary password/answer lock; with passcode also the passcode lock,
// keeping the device (see the OpenAPI description for when not to).
func (h *Handler) unlock(c echo.Context) error {
	var in struct {
		Passcode bool `json:"passcode"`
	}
	if err := decode(c, &in, true); err != nil {
		return h.fail(c, err)
	}
	ctx := c.Request().Context()
	res, err := h.admin.Unlock(ctx, actor(c), c.Param("username"))
	if err != nil {
		return h.fail(c, err)
	}
	out := map[string]any{"username": res.User.Username, "was_locked": res.WasLocked, "passcode_locked": res.StillOTPLocked}
	if in.Passcode {
		pres, err := h.admin.UnlockPasscode(ctx, actor(c), res.User.Username)
		if err != nil {
			return h.fail(c, err)
		}
		out["passcode_locked"], out["passcode_was_locked"] = false, pres.WasLocked
	}
	return c.JSON(http.StatusOK, out)
}

// resetDevice is POST /users/{username}/reset-device: removes the device,
// revokes sessions and tokens, and returns the one-time enrollment code.
func (h *Handler) resetDevice(c echo.Context) error {
	if err := decode(c, &struct{}{}, true); err != nil {
		return h.fail(c, err)
	}
	res, err := h.admin.ResetDevice(c.Request().Context(), actor(c), c.Param("username"), h.proofLifetime)
	var mailErr *admin.MailError
	if err != nil && !errors.As(err, &mailErr) {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"username": res.User.Username, "enrollment_code": res.EnrollmentCode,
		"valid_until": res.ValidUntil.UTC(), "had_device": res.HadDevice, "mailed": res.Mailed})
}
