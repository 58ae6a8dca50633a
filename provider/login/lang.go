package login

import (
	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// switchURL is the current page in the other language.
func switchURL(c echo.Context, lang string) string {
	q := c.Request().URL.Query()
	if q.Get("authRequestID") == "" {
		if id := c.FormValue("authRequestID"); id != "" {
			q.Set("authRequestID", id)
		}
	}
	q.Set("lang", templates.OtherLang(lang))
	return c.Request().URL.Path + "?" + q.Encode()
}
