package web

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
)

// deviceCookie marks a browser that finished a sign-in (OWASP device
// cookies): one random value per browser, whose hash the server keeps for
// every account that signed in with it. It is never trusted beyond that
// lookup.
const deviceCookie = "device"

// DeviceHash is the hash of this browser's device cookie, or "".
func (k Cookies) DeviceHash(c echo.Context) string {
	if v := k.Get(c, deviceCookie); v != "" {
		return credential.HashToken(v)
	}
	return ""
}

// EnsureDevice (re)sets the device cookie for lifetime, creating its value
// (one only the server issues) when the browser has none, and returns its
// hash.
func (k Cookies) EnsureDevice(c echo.Context, lifetime time.Duration) string {
	v := k.Get(c, deviceCookie)
	if v == "" {
		v = credential.NewToken()
	}
	k.Set(c, deviceCookie, v, lifetime)
	return credential.HashToken(v)
}
