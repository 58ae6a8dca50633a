// Package account is the person's own account page at /account: their
// device, recovery codes, password, security question, sessions and
// recent sign-ins. Signing in to it is the portal's business (package
// portal).
package account

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/templates"
)

// Account serves the account pages.
type Account struct {
	render *templates.Renderer
	log    *slog.Logger
}

// New returns the account pages.
func New(r *templates.Renderer, log *slog.Logger) *Account {
	return &Account{render: r, log: log}
}

// Routes adds the account pages to g (the portal's group at /account).
func (a *Account) Routes(g *echo.Group) {
	g.GET("", a.home)
}

func (a *Account) home(c echo.Context) error {
	v := portal.ViewerOf(c)
	page := templates.AccountPage{Base: v.Base(), Nav: templates.PortalNav{Site: "account", Section: "account", Username: v.User.Username},
		Name: v.User.DisplayName()}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return a.render.Render(c.Response(), page)
}
