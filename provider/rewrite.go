package provider

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// recorder buffers a response so that an error answer of the library can
// be replaced by the one the specifications ask for.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// fixErrors runs next into a buffer; when the library answered with an
// error status, fix may write a different answer (and return true).
func fixErrors(next echo.HandlerFunc, fix func(c echo.Context, status int, body []byte) (bool, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		w := c.Response().Writer
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		c.Response().Writer = rec
		err := next(c)
		// Nothing reached the client yet: undo what the library's writes
		// recorded on the response.
		resp := c.Response()
		resp.Writer, resp.Committed, resp.Status, resp.Size = w, false, http.StatusOK, 0
		if err != nil {
			return err
		}
		if rec.status >= 400 {
			if done, err := fix(c, rec.status, rec.body.Bytes()); done || err != nil {
				return err
			}
		}
		for k, v := range rec.header {
			c.Response().Header()[k] = v
		}
		c.Response().WriteHeader(rec.status)
		_, err = c.Response().Write(rec.body.Bytes())
		return err
	}
}

// bearerErrors answers a refused userinfo request as RFC 6750 §3 says: 401
// with a Bearer challenge (error="invalid_token" when a token was sent).
func bearerErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return fixErrors(next, func(c echo.Context, status int, _ []byte) (bool, error) {
		if status != http.StatusUnauthorized && status != http.StatusForbidden {
			return false, nil
		}
		challenge := `Bearer realm="otpgate"`
		body := map[string]string{"error": "invalid_request", "error_description": "an access token is required"}
		if tokenPresent(c.Request()) {
			challenge += `, error="invalid_token", error_description="the access token is invalid, expired or revoked"`
			body = map[string]string{"error": "invalid_token", "error_description": "the access token is invalid, expired or revoked"}
		}
		c.Response().Header().Set("WWW-Authenticate", challenge)
		c.Response().Header().Set("Cache-Control", "no-store")
		return true, c.JSON(http.StatusUnauthorized, body)
	})
}

func tokenPresent(r *http.Request) bool {
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "bearer ") {
		return true
	}
	return r.Method == http.MethodPost && r.PostFormValue("access_token") != ""
}

// clientAuthErrors answers a failed client authentication at the
// introspection endpoint with the JSON error of RFC 6749 §5.2.
func clientAuthErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return fixErrors(next, func(c echo.Context, status int, body []byte) (bool, error) {
		if status != http.StatusUnauthorized || json.Valid(body) {
			return false, nil
		}
		c.Response().Header().Set("WWW-Authenticate", `Basic realm="otpgate"`)
		c.Response().Header().Set("Cache-Control", "no-store")
		return true, c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid_client",
			"error_description": "client authentication failed"})
	})
}

// logoutErrors shows a refused logout request (unregistered post-logout
// URI, bad id_token_hint) as a page: a person's browser is there.
func logoutErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return fixErrors(next, func(c echo.Context, status int, _ []byte) (bool, error) {
		return true, web.NewPageError(http.StatusBadRequest, templates.MsgBadRequest, nil)
	})
}
