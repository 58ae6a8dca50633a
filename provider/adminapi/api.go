// Package adminapi is the administrator's HTTP API under /admin/api/v1:
// JSON over the admin service (the same actions as the CLI), for
// automation that authenticates as a machine client (the client
// credentials grant, scopes admin:read and admin:write). Only a bearer
// token counts, never a cookie, so a browser's session can never be
// ridden into a write (no CSRF). Every write is audited with the client
// as the actor; every error is an RFC 9457 problem document.
package adminapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// Prefix is where the API is served.
const Prefix = "/admin/api/v1"

// OpenAPI is the API's OpenAPI 3.1 description, served at
// Prefix/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Verifier checks a bearer token: the machine client it was issued to
// and the scopes it carries.
type Verifier func(ctx context.Context, token string) (*protocol.ClientAccessToken, error)

// Handler serves the API.
type Handler struct {
	admin  *admin.Service
	verify Verifier
	log    *slog.Logger
	// ProofLifetime is how long an enrollment code of a device reset
	// stays valid.
	proofLifetime time.Duration
}

// New returns the API over svc, with tokens checked by verify.
func New(svc *admin.Service, verify Verifier, log *slog.Logger) *Handler {
	return &Handler{admin: svc, verify: verify, log: log, proofLifetime: admin.DefaultProofLifetime}
}

// Route is one operation of the API, as the OpenAPI file must describe
// it.
type Route struct {
	Method, Path string // Path in OpenAPI's form: /users/{username}
	Scope        string // "" for none
}

// Routes are the API's operations.
var Routes = []Route{
	{http.MethodGet, "/openapi.json", ""},
	{http.MethodGet, "/users", store.ScopeAdminRead},
	{http.MethodGet, "/users/{username}", store.ScopeAdminRead},
	{http.MethodPost, "/users/{username}/unlock", store.ScopeAdminWrite},
	{http.MethodPost, "/users/{username}/reset-device", store.ScopeAdminWrite},
}

// Mount adds the API's routes to e.
func (h *Handler) Mount(e *echo.Echo) {
	g := e.Group(Prefix, noStore)
	handlers := map[string]echo.HandlerFunc{
		"GET /openapi.json":                   h.openAPI,
		"GET /users":                          h.listUsers,
		"GET /users/{username}":               h.showUser,
		"POST /users/{username}/unlock":       h.unlock,
		"POST /users/{username}/reset-device": h.resetDevice,
	}
	for _, r := range Routes {
		hf := handlers[r.Method+" "+r.Path]
		if r.Scope != "" {
			hf = h.authorized(r.Scope, hf)
		}
		g.Add(r.Method, echoPath(r.Path), hf)
	}
	// Anything else under the prefix is a problem document too.
	g.Any("/*", func(c echo.Context) error {
		return problem(c, http.StatusNotFound, "not-found", "No such operation", "see "+Prefix+"/openapi.json")
	})
}

// echoPath turns /users/{username} into /users/:username.
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(parts, "/")
}

func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// authorized lets a request through with a live machine client token
// carrying scope in its Authorization header (RFC 6750 §2.1 only: a token
// in the query or a cookie is not read).
func (h *Handler) authorized(scope string, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		authz := c.Request().Header.Get("Authorization")
		kind, token, _ := strings.Cut(authz, " ")
		if authz == "" || !strings.EqualFold(kind, "Bearer") || strings.TrimSpace(token) == "" {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="otpgate admin"`)
			return problem(c, http.StatusUnauthorized, "unauthorized", "Authentication required",
				"send an access token of a client_credentials client: Authorization: Bearer <token>")
		}
		at, err := h.verify(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			if !errors.Is(err, protocol.ErrNotClientToken) {
				h.log.ErrorContext(c.Request().Context(), "admin API: token check failed", "err", err)
				return problem(c, http.StatusServiceUnavailable, "unavailable", "Temporarily unavailable", "try again in a moment")
			}
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="otpgate admin", error="invalid_token"`)
			return problem(c, http.StatusUnauthorized, "invalid-token", "Invalid token",
				"the token is unknown, expired or revoked, or not a client's own token")
		}
		if !hasScope(at.Scopes, scope) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="otpgate admin", error="insufficient_scope", scope="`+scope+`"`)
			return problem(c, http.StatusForbidden, "insufficient-scope", "Insufficient scope", "this operation needs the scope "+scope)
		}
		c.Set("adminapi.client", at.ClientID)
		return next(c)
	}
}

// hasScope: admin:write implies admin:read.
func hasScope(have []string, want string) bool {
	for _, s := range have {
		if s == want || (want == store.ScopeAdminRead && s == store.ScopeAdminWrite) {
			return true
		}
	}
	return false
}

// actor is the audit log's actor of this request: the machine client's id.
func actor(c echo.Context) string {
	id, _ := c.Get("adminapi.client").(string)
	return id
}

func (h *Handler) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", OpenAPI)
}

// User is an account as the API shows it (never a secret or hash).
type User struct {
	Username       string     `json:"username"`
	Email          string     `json:"email,omitempty"`
	Name           string     `json:"name,omitempty"`
	Disabled       bool       `json:"disabled"`
	RequireMFA     bool       `json:"require_mfa"`
	HasDevice      bool       `json:"has_device"`
	PasscodeLocked bool       `json:"passcode_locked"`
	LockedUntil    *time.Time `json:"locked_until,omitempty"`
}

func userOf(r admin.UserRow) User {
	u := User{Username: r.Username, Email: r.Email, Name: r.Name, Disabled: r.Disabled, RequireMFA: r.RequireMFA,
		HasDevice: r.HasDevice, PasscodeLocked: r.OTPLocked}
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
		v := c.QueryParam(name)
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return problem(c, http.StatusBadRequest, "bad-request", "Invalid query", name+" must be true or false")
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
	rows, err := h.admin.UserList(c.Request().Context(), admin.UserFilter{})
	if err != nil {
		return h.fail(c, err)
	}
	name := store.NormalizeUsername(c.Param("username"))
	for _, r := range rows {
		if r.Username == name {
			return c.JSON(http.StatusOK, userOf(r))
		}
	}
	return h.fail(c, admin.ErrUserNotFound)
}

// unlock is POST /users/{username}/unlock: lifts the temporary
// password/answer lock (never the passcode lock: that takes a device
// reset).
func (h *Handler) unlock(c echo.Context) error {
	res, err := h.admin.Unlock(c.Request().Context(), actor(c), c.Param("username"))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"username": res.User.Username, "was_locked": res.WasLocked,
		"passcode_locked": res.StillOTPLocked})
}

// resetDevice is POST /users/{username}/reset-device: removes the device,
// revokes sessions and tokens, and returns the one-time enrollment code.
func (h *Handler) resetDevice(c echo.Context) error {
	res, err := h.admin.ResetDevice(c.Request().Context(), actor(c), c.Param("username"), h.proofLifetime)
	var mailErr *admin.MailError
	if err != nil && !errors.As(err, &mailErr) {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"username": res.User.Username, "enrollment_code": res.EnrollmentCode,
		"valid_until": res.ValidUntil.UTC(), "had_device": res.HadDevice, "mailed": res.Mailed})
}

// fail answers an admin service error.
func (h *Handler) fail(c echo.Context, err error) error {
	var input *admin.InputError
	switch {
	case errors.Is(err, admin.ErrUserNotFound):
		return problem(c, http.StatusNotFound, "user-not-found", "No such user", "no account has this username")
	case errors.As(err, &input):
		return problem(c, http.StatusBadRequest, "bad-request", "Invalid input", input.Message)
	}
	h.log.ErrorContext(c.Request().Context(), "admin API failed", "path", c.Path(), "err", err)
	return problem(c, http.StatusServiceUnavailable, "unavailable", "Temporarily unavailable", "try again in a moment")
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// problem answers status with a problem document; its type is a
// fragment of the OpenAPI description naming the problem.
func problem(c echo.Context, status int, kind, title, detail string) error {
	body, err := json.Marshal(Problem{Type: Prefix + "/openapi.json#problem-" + kind, Title: title, Status: status, Detail: detail})
	if err != nil {
		return err
	}
	return c.Blob(status, "application/problem+json", body)
}
