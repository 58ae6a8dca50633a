package web

import (
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/templates"
)

// langCookie remembers a language the person switched to.
const (
	langCookie   = "lang"
	langLifetime = 365 * 24 * time.Hour
)

// Lang picks a page's language: a ?lang= switch (remembered in a cookie),
// then the remembered choice, then the flow's ui_locales, then
// Accept-Language.
func (k Cookies) Lang(c echo.Context, uiLocales string) string {
	explicit := c.QueryParam("lang")
	if slices.Contains(templates.Languages, explicit) {
		k.Set(c, langCookie, explicit, langLifetime)
	} else {
		explicit = k.Get(c, langCookie)
	}
	return templates.Negotiate(explicit, uiLocales, c.Request().Header.Get("Accept-Language"))
}

// LangOf is Lang without remembering a switch: the language the page of
// this request is shown in.
func (k Cookies) LangOf(c echo.Context, uiLocales string) string {
	explicit := c.QueryParam("lang")
	if !slices.Contains(templates.Languages, explicit) {
		explicit = k.Get(c, langCookie)
	}
	return templates.Negotiate(explicit, uiLocales, c.Request().Header.Get("Accept-Language"))
}

// PageLang is the language of a page outside any flow (error pages): a
// ?lang= switch, the remembered one, else Accept-Language. It sets no
// cookie.
func (k Cookies) PageLang(c echo.Context) string { return k.LangOf(c, "") }
