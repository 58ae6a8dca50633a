package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/store"
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

// logoutErrors answers a refused logout request (unregistered post-logout
// URI, bad id_token_hint) with the confirmation page, without any redirect:
// a person's browser is there, and confirming still signs them out.
func logoutErrors(st *store.Store, next echo.HandlerFunc) echo.HandlerFunc {
	h := fixErrors(next, func(c echo.Context, status int, _ []byte) (bool, error) {
		// The application has already dropped its own session: refusing
		// the redirect must not keep the person signed in here. They get
		// the confirmation page without the redirect, told why when the
		// return address is simply not registered.
		q := url.Values{}
		if uri := c.Request().Form.Get("post_logout_redirect_uri"); uri != "" && len(uri) <= maxShownURI {
			id := c.Request().Form.Get("client_id")
			if id == "" {
				id = hintClient(c.Request().Form.Get("id_token_hint"))
			}
			if cl, err := st.ClientByID(c.Request().Context(), id); err == nil && !slices.Contains(cl.PostLogoutRedirectURIs, uri) {
				q.Set("unregistered", uri)
				q.Set("client", cl.ID)
			}
		}
		target := "/logout"
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		return true, c.Redirect(http.StatusSeeOther, target)
	})
	return func(c echo.Context) error {
		// Parsed here, the form is the library's too (its router works on
		// a copy of the request, and a body is read once).
		if err := c.Request().ParseForm(); err != nil {
			return c.Redirect(http.StatusSeeOther, "/logout")
		}
		return h(c)
	}
}

// maxShownURI bounds the unregistered return address a logout page names.
const maxShownURI = 512

// hintClient is the client an id_token_hint was issued to, read without
// checking its signature: it only names the application whose return
// address is not registered, and never leads anywhere.
func hintClient(hint string) string {
	parts := strings.Split(hint, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		AZP string          `json:"azp"`
		AUD json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	if claims.AZP != "" {
		return claims.AZP
	}
	var one string
	if json.Unmarshal(claims.AUD, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(claims.AUD, &many) == nil && len(many) == 1 {
		return many[0]
	}
	return ""
}
