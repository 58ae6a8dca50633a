// Package account is the person's own account page at /account: their
// device, recovery codes, password, security question, sessions and
// recent sign-ins. Signing in to it is the portal's business (package
// portal); its rules are the sign-in service's (signin.Self and the
// methods that take one), so that a passcode, a password check or a new
// device here obeys exactly what the sign-in obeys.
//
// Pages that show a secret (a new key, new recovery codes) are answers to
// a POST and are never stored (Cache-Control: no-store, set by the
// portal for every page); no secret is ever put in a URL.
package account

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// Account serves the account pages.
type Account struct {
	svc     *signin.Service
	cookies web.Cookies
	render  *templates.Renderer
	log     *slog.Logger
}

// New returns the account pages.
func New(svc *signin.Service, cookies web.Cookies, r *templates.Renderer, log *slog.Logger) *Account {
	return &Account{svc: svc, cookies: cookies, render: r, log: log}
}

// Routes adds the account pages to g (the portal's group at /account).
func (a *Account) Routes(g *echo.Group) {
	g.GET("", a.home)
	g.GET("/device", a.devicePage)
	g.POST("/device", a.deviceStart)
	g.POST("/device/verify", a.deviceVerify)
	g.GET("/codes", a.codesPage)
	g.POST("/codes", a.codesSubmit)
	g.GET("/password", a.passwordPage)
	g.POST("/password", a.passwordSubmit)
	g.GET("/question", a.questionPage)
	g.POST("/question", a.questionSubmit)
	g.GET("/sessions", a.sessionsPage)
	g.POST("/sessions/end", a.sessionEnd)
	g.POST("/sessions/end-others", a.sessionsEndOthers)
	g.POST("/browsers/forget", a.browserForget)
	g.POST("/browsers/forget-all", a.browsersForgetAll)
}

// self is the signed-in person as the sign-in service sees them.
func (a *Account) self(c echo.Context) (*portal.Viewer, signin.Self) {
	v := portal.ViewerOf(c)
	return v, signin.Self{User: v.User, SessionID: v.Session.ID, DeviceCookie: a.cookies.DeviceHash(c), IP: c.RealIP()}
}

func nav(v *portal.Viewer, section string) templates.PortalNav {
	return templates.PortalNav{Site: "account", Section: section, Username: v.User.Username}
}

// page renders p with status.
func (a *Account) page(c echo.Context, status int, p any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().WriteHeader(status)
	return a.render.Render(c.Response(), p)
}

// failure is the error page of a service error.
func failure(err error) error {
	switch {
	case errors.Is(err, signin.ErrBusy), errors.Is(err, signin.ErrUnavailable):
		return web.NewPageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
	default:
		return web.NewPageError(http.StatusInternalServerError, templates.MsgInternal, err)
	}
}

// status is the HTTP status of a refused change.
func status(r signin.Result) int {
	switch r.Outcome {
	case signin.Forbidden:
		return http.StatusForbidden
	case signin.Limited:
		return http.StatusTooManyRequests
	case signin.Rejected:
		return http.StatusUnauthorized
	case signin.Moved, signin.Restarted:
		return http.StatusConflict
	default:
		return http.StatusBadRequest
	}
}

// withResult is b with r's problem shown.
func withResult(b templates.Base, r signin.Result) templates.Base {
	b.Error, b.TriesLeft, b.RetryMinutes = r.Problem, r.TriesLeft, r.RetryMinutes
	if b.Error == "" && r.Outcome != signin.Passed {
		b.Error = templates.MsgBadRequest
	}
	return b
}

// stamp is a time as the pages show it (see templates.Stamp).
func stamp(t time.Time) templates.Stamp { return templates.StampOf(t) }

// done are the notices the overview shows after a change.
var done = map[string]bool{"device": true, "password": true, "question": true, "sessions": true, "browsers": true}

func (a *Account) home(c echo.Context) error {
	v, me := a.self(c)
	o, err := a.svc.AccountOverview(c.Request().Context(), me)
	if err != nil {
		return failure(err)
	}
	src, err := a.svc.PasswordSourceOf(c.Request().Context(), v.User)
	if err != nil {
		return failure(err)
	}
	page := templates.AccountPage{Base: v.Base(), Nav: nav(v, "account"), Name: v.User.DisplayName(),
		CodesLeft: int(o.CodesLeft), Sessions: len(o.Sessions), QuestionEnabled: src.Question,
		PasswordElsewhere: !src.Ours, PasswordSource: src.Name}
	if d := c.QueryParam("done"); done[d] {
		page.Done = d
	}
	if o.Device != nil {
		dev := &templates.AccountDevice{App: templates.AppName(v.Lang, o.Device.App), Enrolled: stamp(o.Device.EnrolledAt)}
		if dev.App == "" {
			dev.App = o.Device.App
		}
		if o.Device.LastUsedAt != nil {
			dev.LastUsed = stamp(*o.Device.LastUsedAt)
		}
		page.Device = dev
	}
	for _, e := range o.SignIns {
		page.SignIns = append(page.SignIns, templates.AccountSignIn{At: stamp(e.At), Client: a.clientName(c, e.ClientID), Address: e.IP,
			Result: signInResult(e.Event)})
	}
	return a.page(c, http.StatusOK, page)
}

// signInResult is the result column of an audit event.
func signInResult(event string) string {
	switch event {
	case store.EventSignIn:
		return "success"
	case store.EventSignInFailed:
		return "failure"
	default:
		return "locked"
	}
}

// redirectDone sends the browser to the overview with a notice.
func redirectDone(c echo.Context, what string) error {
	return c.Redirect(http.StatusSeeOther, "/account?done="+what)
}

// hasDevice reports whether the viewer has a device.
func (a *Account) hasDevice(c echo.Context, me signin.Self) (bool, int, error) {
	o, err := a.svc.AccountOverview(c.Request().Context(), me)
	if err != nil {
		return false, 0, failure(err)
	}
	return o.Device != nil, int(o.CodesLeft), nil
}

// sessionMethods names a session's methods for the person: the text key
// of each one otpgate names ("mfa" is their sum, not a method of its own),
// an upstream provider's other RFC 8176 codes as they are.
func sessionMethods(s store.Session) []string {
	var out []string
	for _, m := range s.AMR {
		switch m {
		case "mfa":
		case "pwd", "kba", "otp", "ext":
			out = append(out, "account.method."+m)
		default:
			out = append(out, m)
		}
	}
	return out
}

// clientName names a client as its sign-in pages do; a removed one by its
// id.
func (a *Account) clientName(c echo.Context, id string) string {
	if name := a.svc.ClientName(c.Request().Context(), id); name != "" {
		return name
	}
	return id
}
