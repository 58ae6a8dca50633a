package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/credential"
)

// browserCookie binds a flow to the browser that opened it; only its hash
// is kept with the flow.
const browserCookie = "browser"

// browserHashKey keeps a binding created during this request, whose
// cookie the request itself does not carry yet.
const browserHashKey = "otpgate.browserHash"

// A binding cookie's value is a random token and a signature over it by a
// key derived from the encryption key: only values the server issued
// bind a flow, so a value planted in a browser is ignored (and replaced).
// The binding is also rotated whenever a sign-in gains a privilege (the
// password passed, the sign-in finished; see NewBinding), so even a
// server-issued value copied into another browser stops working there.

// BrowserHash is the hash of this browser's binding cookie, or "" when it
// has none that the server issued.
func (k Cookies) BrowserHash(c echo.Context) string {
	if h, ok := c.Get(browserHashKey).(string); ok {
		return h
	}
	if v := k.Get(c, browserCookie); v != "" && k.issued(v) {
		return credential.HashToken(v)
	}
	return ""
}

// EnsureBrowser returns the browser binding hash, creating the cookie (a
// value only the server issues) on the browser's first visit, or when the
// browser sent one the server did not issue.
func (k Cookies) EnsureBrowser(c echo.Context) string {
	if h := k.BrowserHash(c); h != "" {
		return h
	}
	return k.newBinding(c)
}

// Binding is a new binding value for a browser: made before the write
// that moves the browser's flows to it (its Hash), and the browser's
// cookie only once that write is done (Adopt).
type Binding struct {
	value string
	Hash  string
}

// NewBinding makes a binding value that only the server issues.
func (k Cookies) NewBinding() Binding {
	v := credential.NewToken()
	if len(k.bindKeys) > 0 {
		v += "." + bindingSignature(k.bindKeys[0], v)
	}
	return Binding{value: v, Hash: credential.HashToken(v)}
}

// Adopt makes b this browser's binding: its cookie, and the binding the
// rest of this request sees.
func (k Cookies) Adopt(c echo.Context, b Binding) {
	k.Set(c, browserCookie, b.value, 0)
	c.Set(browserHashKey, b.Hash)
}

func (k Cookies) newBinding(c echo.Context) string {
	b := k.NewBinding()
	k.Adopt(c, b)
	return b.Hash
}

// issued reports whether v carries a signature of one of the binding
// keys (without keys, as in unit tests of other packages, every value).
func (k Cookies) issued(v string) bool {
	if len(k.bindKeys) == 0 {
		return true
	}
	token, sig, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	for _, key := range k.bindKeys {
		if hmac.Equal([]byte(sig), []byte(bindingSignature(key, token))) {
			return true
		}
	}
	return false
}

func bindingSignature(key [32]byte, token string) string {
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte("browser-binding\x00" + token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
