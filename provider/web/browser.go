package web

import (
	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
)

// browserCookie binds a flow to the browser that opened it; only its hash
// is kept with the flow.
const browserCookie = "browser"

// browserHashKey keeps a binding created during this request, whose
// cookie the request itself does not carry yet.
const browserHashKey = "otpgate.browserHash"

// BrowserHash is the hash of this browser's binding cookie, or "".
func (k Cookies) BrowserHash(c echo.Context) string {
	if h, ok := c.Get(browserHashKey).(string); ok {
		return h
	}
	if v := k.Get(c, browserCookie); v != "" {
		return credential.HashToken(v)
	}
	return ""
}

// EnsureBrowser returns the browser binding hash, creating the cookie (a
// value only the server issues) on the browser's first visit.
func (k Cookies) EnsureBrowser(c echo.Context) string {
	if h := k.BrowserHash(c); h != "" {
		return h
	}
	v := credential.NewToken()
	k.Set(c, browserCookie, v, 0)
	h := credential.HashToken(v)
	c.Set(browserHashKey, h)
	return h
}
