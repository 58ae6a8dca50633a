package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// maxCookieValue bounds what Get accepts: every value otpgate sets is a
// short token, so a longer one is not ours.
const maxCookieValue = 128

// Cookies builds every cookie otpgate sets, in one place: __Host- names,
// Secure, HttpOnly and SameSite=Lax when the issuer is https; plain names
// on a plain-http development issuer (where browsers refuse __Host-).
type Cookies struct {
	secure bool
	// bindKeys sign the browser-binding cookie: the first signs, every
	// one verifies (a replica still on an earlier encryption key).
	bindKeys [][32]byte
}

// NewCookies returns the builder; secure is true when the issuer is https.
func NewCookies(secure bool) Cookies { return Cookies{secure: secure} }

// WithBindingKeys returns k signing browser-binding cookies with keys[0]
// and accepting a signature by any of keys.
func (k Cookies) WithBindingKeys(keys [][32]byte) Cookies {
	k.bindKeys = keys
	return k
}

// Name is the full name of the cookie called n.
func (k Cookies) Name(n string) string {
	if k.secure {
		return "__Host-otpgate-" + n
	}
	return "otpgate-" + n
}

// Set writes a cookie; maxAge 0 makes it last for the browser session,
// a negative maxAge deletes it.
func (k Cookies) Set(c echo.Context, n, value string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name:     k.Name(n),
		Value:    value,
		Path:     "/",
		Secure:   k.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge.Seconds())
	}
	c.SetCookie(ck)
}

// Get is the value of the cookie called n, or "" when it is absent or
// longer than any value otpgate sets.
func (k Cookies) Get(c echo.Context, n string) string {
	ck, err := c.Cookie(k.Name(n))
	if err != nil || len(ck.Value) > maxCookieValue {
		return ""
	}
	return ck.Value
}

// CSRF fills the cookie fields of echo's CSRF middleware config so that
// its cookie, named n, has the attributes of every other cookie and lasts
// maxAge.
func (k Cookies) CSRF(cfg middleware.CSRFConfig, n string, maxAge time.Duration) middleware.CSRFConfig {
	cfg.CookieName = k.Name(n)
	cfg.CookiePath = "/"
	cfg.CookieSecure = k.secure
	cfg.CookieHTTPOnly = true
	cfg.CookieSameSite = http.SameSiteLaxMode
	cfg.CookieMaxAge = int(maxAge.Seconds())
	return cfg
}
