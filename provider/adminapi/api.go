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
	keys   admin.Keyring
	verify Verifier
	log    *slog.Logger
	// ProofLifetime is how long an enrollment code of a device reset
	// stays valid.
	proofLifetime time.Duration
}

// New returns the API over svc and the serving process's signing keys,
// with tokens checked by verify.
func New(svc *admin.Service, keys admin.Keyring, verify Verifier, log *slog.Logger) *Handler {
	return &Handler{admin: svc, keys: keys, verify: verify, log: log, proofLifetime: admin.DefaultProofLifetime}
}

// Route is one operation of the API, as the OpenAPI file must describe
// it.
type Route struct {
	Method, Path string // Path in OpenAPI's form: /users/{username}
	Scope        string // "" for none
}

const (
	read  = store.ScopeAdminRead
	write = store.ScopeAdminWrite
)

// Routes are the API's operations.
var Routes = []Route{
	{http.MethodGet, "/openapi.json", ""},
	{http.MethodGet, "/users", read},
	{http.MethodPost, "/users", write},
	{http.MethodGet, "/users/{username}", read},
	{http.MethodPost, "/users/{username}/disable", write},
	{http.MethodPost, "/users/{username}/enable", write},
	{http.MethodPost, "/users/{username}/password", write},
	{http.MethodPut, "/users/{username}/require-mfa", write},
	{http.MethodPost, "/users/{username}/unlock", write},
	{http.MethodPost, "/users/{username}/reset-device", write},
	{http.MethodGet, "/users/{username}/sessions", read},
	{http.MethodDelete, "/users/{username}/sessions", write},
	{http.MethodDelete, "/users/{username}/sessions/{session}", write},
	{http.MethodGet, "/users/{username}/remembered-browsers", read},
	{http.MethodDelete, "/users/{username}/remembered-browsers", write},
	{http.MethodDelete, "/users/{username}/remembered-browsers/{browser}", write},
	{http.MethodGet, "/clients", read},
	{http.MethodPost, "/clients", write},
	{http.MethodGet, "/clients/{id}", read},
	{http.MethodPatch, "/clients/{id}", write},
	{http.MethodDelete, "/clients/{id}", write},
	{http.MethodPost, "/clients/{id}/rotate-secret", write},
	{http.MethodGet, "/keys", read},
	{http.MethodPost, "/keys/rotate", write},
	{http.MethodGet, "/audit", read},
}

// Mount adds the API's routes to e.
func (h *Handler) Mount(e *echo.Echo) {
	g := e.Group(Prefix, noStore)
	handlers := map[string]echo.HandlerFunc{
		"GET /openapi.json":                                      h.openAPI,
		"GET /users":                                             h.listUsers,
		"POST /users":                                            h.addUser,
		"GET /users/{username}":                                  h.showUser,
		"POST /users/{username}/disable":                         h.setDisabled(true),
		"POST /users/{username}/enable":                          h.setDisabled(false),
		"POST /users/{username}/password":                        h.setPassword,
		"PUT /users/{username}/require-mfa":                      h.requireMFA,
		"POST /users/{username}/unlock":                          h.unlock,
		"POST /users/{username}/reset-device":                    h.resetDevice,
		"GET /users/{username}/sessions":                         h.listSessions,
		"DELETE /users/{username}/sessions":                      h.revokeSessions,
		"DELETE /users/{username}/sessions/{session}":            h.revokeSession,
		"GET /users/{username}/remembered-browsers":              h.listBrowsers,
		"DELETE /users/{username}/remembered-browsers":           h.forgetBrowsers,
		"DELETE /users/{username}/remembered-browsers/{browser}": h.forgetBrowser,
		"GET /clients":                                           h.listClients,
		"POST /clients":                                          h.addClient,
		"GET /clients/{id}":                                      h.showClient,
		"PATCH /clients/{id}":                                    h.updateClient,
		"DELETE /clients/{id}":                                   h.removeClient,
		"POST /clients/{id}/rotate-secret":                       h.rotateSecret,
		"GET /keys":                                              h.listKeys,
		"POST /keys/rotate":                                      h.rotateKeys,
		"GET /audit":                                             h.auditLog,
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

// fail answers an error: a refused request (*requestError), an admin
// service error, or a fault (logged, 503).
func (h *Handler) fail(c echo.Context, err error) error {
	var input *admin.InputError
	var req *requestError
	switch {
	case errors.As(err, &req):
		return problem(c, req.status, req.kind, req.title, req.detail)
	case errors.Is(err, admin.ErrUserNotFound):
		return problem(c, http.StatusNotFound, "user-not-found", "No such user", "no account has this username")
	case errors.Is(err, admin.ErrClientNotFound):
		return problem(c, http.StatusNotFound, "client-not-found", "No such client", "no client has this id")
	case errors.Is(err, admin.ErrBrowserNotFound):
		return problem(c, http.StatusNotFound, "browser-not-found", "No such remembered browser", "the user has no remembered browser of this id")
	case errors.Is(err, admin.ErrSessionNotFound):
		return problem(c, http.StatusNotFound, "session-not-found", "No such session", "the user has no live session of this id")
	case errors.Is(err, admin.ErrUsernameTaken):
		return problem(c, http.StatusConflict, "conflict", "Username taken", "another account has this username")
	case errors.Is(err, admin.ErrClientExists):
		return problem(c, http.StatusConflict, "conflict", "Client exists", "a client with this id is already registered")
	case errors.Is(err, admin.ErrClientFromConfig):
		return problem(c, http.StatusConflict, "client-from-config", "Declared in the configuration file",
			"this client is declared in the configuration file, which is applied at every start: change it there")
	case errors.Is(err, admin.ErrPublicClient):
		return problem(c, http.StatusConflict, "conflict", "Public client", "a public client has no secret")
	case errors.Is(err, admin.ErrHasDevice):
		return problem(c, http.StatusConflict, "conflict", "Has a device",
			"the account already has a device, so no enrollment code is needed (reset the device instead)")
	case errors.As(err, &input):
		return problem(c, http.StatusBadRequest, "bad-request", "Invalid input", input.Message)
	}
	h.log.ErrorContext(c.Request().Context(), "admin API failed", "path", c.Path(), "err", err)
	if errors.Is(err, admin.ErrNotAudited) {
		return problem(c, http.StatusServiceUnavailable, "not-audited", "Applied but not audited",
			"the change was applied but could not be written to the audit log")
	}
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
