package login

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
)

// cookies builds every cookie otpgate sets, in one place: __Host- names,
// Secure, HttpOnly and SameSite=Lax when the issuer is https; plain names
// on a plain-http development issuer (where browsers refuse __Host-).
type cookies struct{ secure bool }

func newCookies(secure bool) cookies { return cookies{secure: secure} }

func (k cookies) name(n string) string {
	if k.secure {
		return "__Host-otpgate-" + n
	}
	return "otpgate-" + n
}

// set writes a cookie; maxAge 0 makes it last for the browser session,
// a negative maxAge deletes it.
func (k cookies) set(c echo.Context, n, value string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name:     k.name(n),
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

func (k cookies) get(c echo.Context, n string) string {
	ck, err := c.Cookie(k.name(n))
	if err != nil || len(ck.Value) > 128 {
		return ""
	}
	return ck.Value
}

// browserHashKey keeps a binding created during this request, whose
// cookie the request itself does not carry yet.
const browserHashKey = "otpgate.browserHash"

// browserHash is the hash of this browser's binding cookie, or "".
func (k cookies) browserHash(c echo.Context) string {
	if h, ok := c.Get(browserHashKey).(string); ok {
		return h
	}
	if v := k.get(c, "browser"); v != "" {
		return credential.HashToken(v)
	}
	return ""
}

// ensureBrowser returns the browser binding hash, creating the cookie on
// the browser's first visit.
func (k cookies) ensureBrowser(c echo.Context) string {
	if h := k.browserHash(c); h != "" {
		return h
	}
	v := credential.NewToken()
	k.set(c, "browser", v, 0)
	h := credential.HashToken(v)
	c.Set(browserHashKey, h)
	return h
}
