// Package console is the administrator's web console at /admin: plain
// server-rendered pages over the admin service (the same actions as the
// CLI and the admin API). Who may use it, and how they sign in, is the
// portal's business (package portal): an administrator, signed in with
// the passcode.
package console

import (
	"log/slog"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// Console serves the console's pages.
type Console struct {
	svc    *admin.Service
	render *templates.Renderer
	log    *slog.Logger
}

// New returns the console.
func New(svc *admin.Service, r *templates.Renderer, log *slog.Logger) *Console {
	return &Console{svc: svc, render: r, log: log}
}

// Routes adds the console's pages to g (the portal's group at /admin).
func (k *Console) Routes(g *echo.Group) {
	g.GET("", k.users)
}

// nav is the navigation bar of a page in section.
func nav(v *portal.Viewer, section string) templates.PortalNav {
	return templates.PortalNav{Site: "console", Section: section, Username: v.User.Username}
}

// users lists the accounts, locked ones first.
func (k *Console) users(c echo.Context) error {
	v := portal.ViewerOf(c)
	rows, err := k.svc.UserList(c.Request().Context(), admin.UserFilter{})
	if err != nil {
		return web.NewPageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
	}
	page := templates.ConsoleUsersPage{Base: v.Base(), Nav: nav(v, "users")}
	for _, r := range rows {
		page.Users = append(page.Users, templates.ConsoleUser{Username: r.Username, Name: r.Name, HasDevice: r.HasDevice,
			Locked: r.OTPLocked || !r.LockedUntil.IsZero(), Disabled: r.Disabled, Admin: r.Admin})
	}
	sort.SliceStable(page.Users, func(i, j int) bool { return page.Users[i].Locked && !page.Users[j].Locked })
	return render(c, k.render, page)
}

// render draws a page with status 200.
func render(c echo.Context, r *templates.Renderer, page any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return r.Render(c.Response(), page)
}
