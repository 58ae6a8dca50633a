package login

import (
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// lang picks the page language: a ?lang= switch (remembered in a cookie),
// then the remembered choice, then the request's ui_locales, then
// Accept-Language.
func (h *Handler) lang(c echo.Context, uiLocales string) string {
	explicit := c.QueryParam("lang")
	if slices.Contains(templates.Languages, explicit) {
		h.cookies.set(c, "lang", explicit, 365*24*time.Hour)
	} else {
		explicit = h.cookies.get(c, "lang")
	}
	return templates.Negotiate(explicit, uiLocales, c.Request().Header.Get("Accept-Language"))
}

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

// PageLang is the language of a page outside any flow (error pages): the
// remembered switch, else Accept-Language. It sets no cookie.
func (h *Handler) PageLang(c echo.Context) string {
	return templates.Negotiate(h.cookies.get(c, "lang"), "", c.Request().Header.Get("Accept-Language"))
}
