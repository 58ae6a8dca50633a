package provider

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/protocol"
)

// The discovery document and the key set are read far more often than
// they change, so they are served from bytes encoded once: discovery at
// start-up, the key set whenever the keys a replica loads change (a
// rotation, here or on another replica, seen by the periodic reload).

// serveJSON answers with a pre-encoded JSON document; cacheControl "" sends
// no Cache-Control.
func serveJSON(c echo.Context, body []byte, cacheControl string) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	if cacheControl != "" {
		h.Set(echo.HeaderCacheControl, cacheControl)
	}
	c.Response().WriteHeader(http.StatusOK)
	_, err := c.Response().Write(body)
	return err
}

// discovery serves the discovery document encoded at start-up.
func discovery(body []byte) echo.HandlerFunc {
	return func(c echo.Context) error { return serveJSON(c, body, discoveryCacheControl) }
}

// jwks serves the published key set, with the headers zitadel's handler
// gave it (no Cache-Control: relying parties fetch it again when they meet
// a key id they do not know).
func jwks(keys *protocol.Keys, log *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := keys.JWKS(c.Request().Context())
		if err != nil {
			log.ErrorContext(c.Request().Context(), "key set unavailable", "err", err)
			return c.JSON(http.StatusInternalServerError, map[string]string{"error": "server_error",
				"error_description": "the signing keys cannot be loaded"})
		}
		return serveJSON(c, body, "")
	}
}
