package console

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// Console serves the console's pages.
type Console struct {
	svc          *admin.Service
	keys         admin.Keyring
	render       *templates.Renderer
	log          *slog.Logger
	rememberDays int
}

// New returns the console over the admin service and the serving
// process's signing keys (so that a rotation is used at once).
// rememberDays is mfa.remember_browser_days, shown beside a client's
// permission to remember browsers.
func New(svc *admin.Service, keys admin.Keyring, r *templates.Renderer, log *slog.Logger, rememberDays int) *Console {
	return &Console{svc: svc, keys: keys, render: r, log: log, rememberDays: rememberDays}
}

// Route is one of the console's pages (GET) or actions (POST), its path
// under /admin in echo's form ("/users/:name").
type Route struct{ Method, Path string }

// RouteList lists every page and action of the console (the tests check
// each against their refusals).
func RouteList() []Route {
	var out []Route
	for _, r := range (*Console)(nil).table() {
		out = append(out, r.Route)
	}
	return out
}

// table is the console's routes with their handlers.
func (k *Console) table() []struct {
	Route
	h echo.HandlerFunc
} {
	get, post := http.MethodGet, http.MethodPost
	return []struct {
		Route
		h echo.HandlerFunc
	}{
		{Route{get, ""}, k.users},
		{Route{get, "/users/:name"}, k.user},
		{Route{post, "/users/:name/unlock"}, k.unlock},
		{Route{post, "/users/:name/reset-device"}, k.resetDevice},
		{Route{post, "/users/:name/disable"}, k.setDisabled(true)},
		{Route{post, "/users/:name/enable"}, k.setDisabled(false)},
		{Route{post, "/users/:name/require-mfa"}, k.userRequireMFA},
		{Route{post, "/users/:name/sessions/revoke"}, k.revokeSession},
		{Route{post, "/users/:name/sessions/revoke-all"}, k.revokeSessions},
		{Route{post, "/users/:name/browsers/forget"}, k.forgetBrowser},
		{Route{post, "/users/:name/browsers/forget-all"}, k.forgetBrowsers},
		{Route{get, "/clients"}, k.clients},
		{Route{post, "/clients"}, k.addClient},
		{Route{post, "/clients/machine"}, k.addMachineClient},
		{Route{get, "/clients/:id"}, k.client},
		{Route{post, "/clients/:id/redirect-uris"}, k.editURI(redirectURIs, true)},
		{Route{post, "/clients/:id/redirect-uris/remove"}, k.editURI(redirectURIs, false)},
		{Route{post, "/clients/:id/post-logout-uris"}, k.editURI(postLogoutURIs, true)},
		{Route{post, "/clients/:id/post-logout-uris/remove"}, k.editURI(postLogoutURIs, false)},
		{Route{post, "/clients/:id/require-mfa"}, k.clientSwitch(requireMFA)},
		{Route{post, "/clients/:id/remember-browser"}, k.clientSwitch(rememberBrowser)},
		{Route{post, "/clients/:id/rotate-secret"}, k.rotateSecret},
		{Route{get, "/clients/:id/remove"}, k.confirmRemove},
		{Route{post, "/clients/:id/remove"}, k.removeClient},
		{Route{get, "/keys"}, k.signingKeys},
		{Route{post, "/keys/rotate"}, k.rotateKeys},
		{Route{get, "/audit"}, k.audit},
	}
}

// Routes adds the console's pages to g (the portal's group at /admin).
func (k *Console) Routes(g *echo.Group) {
	for _, r := range k.table() {
		g.Add(r.Method, r.Path, r.h)
	}
}

// actor is the audit log's actor of the signed-in administrator's
// actions.
func actor(v *portal.Viewer) string { return "console:" + v.User.Username }

// nav is the navigation bar of a page in section.
func nav(v *portal.Viewer, section string) templates.PortalNav {
	return templates.PortalNav{Site: "console", Section: section, Username: v.User.Username}
}

// param is the path parameter name as it was before it was escaped into
// the path (a username may hold any character but white space).
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v
	}
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// pathName is s as one path segment.
func pathName(s string) string { return url.PathEscape(s) }

// flashes are the outcomes a redirect may name in its "done" parameter.
var flashes = map[string]templates.Message{
	"unlocked":           templates.MsgConsoleUnlocked,
	"disabled":           templates.MsgConsoleDisabled,
	"enabled":            templates.MsgConsoleEnabled,
	"mfa-on":             templates.MsgConsoleMFAOn,
	"mfa-off":            templates.MsgConsoleMFAOff,
	"session-revoked":    templates.MsgConsoleSessionRevoked,
	"sessions-revoked":   templates.MsgConsoleSessionsRevoked,
	"browsers-forgotten": templates.MsgConsoleBrowsersForgotten,
	"client-created":     templates.MsgConsoleClientCreated,
	"client-updated":     templates.MsgConsoleClientUpdated,
	"client-removed":     templates.MsgConsoleClientRemoved,
	"keys-rotated":       templates.MsgConsoleKeysRotated,
}

// flash is the outcome the request's "done" parameter names ("" for none
// or an unknown one).
func flash(c echo.Context) templates.Message { return flashes[c.QueryParam("done")] }

// done redirects (303) to path with the outcome done.
func done(c echo.Context, path, done string) error {
	return c.Redirect(http.StatusSeeOther, path+"?"+url.Values{"done": {done}}.Encode())
}

// render draws a page with status.
func (k *Console) draw(c echo.Context, status int, page any) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(status)
	return k.render.Render(c.Response(), page)
}

// alert is how an admin service error is shown: its status and message.
// ok is false for a fault (not the administrator's input).
func alert(err error) (status int, m templates.Message, ok bool) {
	var input *admin.InputError
	switch {
	case errors.Is(err, admin.ErrUserNotFound):
		return http.StatusNotFound, templates.MsgConsoleUserNotFound, true
	case errors.Is(err, admin.ErrClientNotFound):
		return http.StatusNotFound, templates.MsgConsoleClientNotFound, true
	case errors.Is(err, admin.ErrSessionNotFound):
		return http.StatusNotFound, templates.MsgConsoleSessionNotFound, true
	case errors.Is(err, admin.ErrBrowserNotFound):
		return http.StatusNotFound, templates.MsgConsoleBrowserNotFound, true
	case errors.Is(err, admin.ErrClientExists):
		return http.StatusConflict, templates.MsgConsoleClientExists, true
	case errors.Is(err, admin.ErrClientFromConfig):
		return http.StatusConflict, templates.MsgConsoleFromConfig, true
	case errors.Is(err, admin.ErrPublicClient):
		return http.StatusConflict, templates.MsgConsolePublicClient, true
	case errors.As(err, &input):
		return http.StatusBadRequest, inputMessage(input.Field), true
	}
	return 0, "", false
}

// inputMessage is the alert of a refused input, by the service's field
// name.
func inputMessage(field string) templates.Message {
	switch field {
	case "id":
		return templates.MsgConsoleClientID
	case "redirect-uri", "add-redirect-uri", "remove-redirect-uri",
		"post-logout-uri", "add-post-logout-redirect-uri", "remove-post-logout-redirect-uri":
		return templates.MsgConsoleURI
	case "secret":
		return templates.MsgConsoleSecret
	}
	return templates.MsgConsoleInvalid
}

// fail is the error page of an admin service error: a translated alert
// with its status, or, for a fault, 503 (the error goes to the log only,
// and it never holds a secret).
func fail(err error) error {
	if status, m, ok := alert(err); ok {
		return web.NewPageError(status, m, err)
	}
	if errors.Is(err, admin.ErrNotAudited) {
		return web.NewPageError(http.StatusServiceUnavailable, templates.MsgConsoleNotAudited, err)
	}
	return web.NewPageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
}
