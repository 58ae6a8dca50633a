package provider

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/store"
)

// The library maps every storage error of some calls onto a client error
// (a code lookup failure becomes invalid_grant, a token lookup failure
// invalid_token), which would make a client throw away a valid credential
// while the database is merely unreachable. Storage therefore notes a
// database fault in the request's context, and the protocol endpoints turn
// such an answer into a server error the client retries.

type faultKey struct{}

// noteFault records that err is a database fault (not "not found" or
// "already used") on the request's fault marker, if any.
func noteFault(ctx context.Context, err error) {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyUsed) || errors.Is(err, store.ErrStale) {
		return
	}
	if f, ok := ctx.Value(faultKey{}).(*atomic.Bool); ok {
		f.Store(true)
	}
}

// storageFaults answers 503 temporarily_unavailable (RFC 6749 §4.1.2.1
// names it; JSON for the token-type endpoints) when the library refused a
// request only because the database failed.
func storageFaults(next echo.HandlerFunc) echo.HandlerFunc {
	inner := fixErrors(next, func(c echo.Context, status int, _ []byte) (bool, error) {
		f, _ := c.Request().Context().Value(faultKey{}).(*atomic.Bool)
		if f == nil || !f.Load() {
			return false, nil
		}
		c.Response().Header().Set("Retry-After", "5")
		c.Response().Header().Set("Cache-Control", "no-store")
		return true, c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable",
			"error_description": "the database cannot be reached; try again"})
	})
	return func(c echo.Context) error {
		flag := new(atomic.Bool)
		c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), faultKey{}, flag)))
		return inner(c)
	}
}
