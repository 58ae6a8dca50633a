package login

import "github.com/labstack/echo/v4"

// switchURL is the current page in the other language.
func switchURL(c echo.Context, lang string) string {
	other := "ja"
	if lang == "ja" {
		other = "en"
	}
	q := c.Request().URL.Query()
	if q.Get("authRequestID") == "" {
		if id := c.FormValue("authRequestID"); id != "" {
			q.Set("authRequestID", id)
		}
	}
	q.Set("lang", other)
	return c.Request().URL.Path + "?" + q.Encode()
}
