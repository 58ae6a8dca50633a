package provider

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/protocol"
)

// storageFaults answers 503 temporarily_unavailable (RFC 6749 §4.1.2.1
// names it; JSON for the token-type endpoints) when the library refused a
// request only because the database failed: the library maps some storage
// errors onto client errors (invalid_grant, invalid_token), so Storage
// notes a database fault on the request's marker (protocol.WithFaultMarker)
// and this middleware turns such an answer into one the client retries.
func storageFaults(next echo.HandlerFunc) echo.HandlerFunc {
	inner := fixErrors(next, func(c echo.Context, status int, _ []byte) (bool, error) {
		if !protocol.FaultNoted(c.Request().Context()) {
			return false, nil
		}
		return true, databaseUnavailable(c)
	})
	return func(c echo.Context) error {
		c.SetRequest(c.Request().WithContext(protocol.WithFaultMarker(c.Request().Context())))
		return inner(c)
	}
}

// databaseUnavailable answers 503 temporarily_unavailable, to be retried.
func databaseUnavailable(c echo.Context) error {
	c.Response().Header().Set("Retry-After", "5")
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable",
		"error_description": "the database cannot be reached; try again"})
}
