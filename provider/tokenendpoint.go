package provider

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// noStore marks the answers of the token-type endpoints (token,
// introspection, revocation), errors included, as not to be cached (RFC
// 6749 §5.1: they carry tokens or say whether a token is live).
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		return next(c)
	}
}

// tokenRequestGuard refuses, before the library, the token requests it
// would answer wrongly: a code or refresh grant from no client or an
// unknown one (the library looks the code up first, and the refresh grant
// turned an unknown client into a 500), a code_verifier that breaks RFC
// 7636 §4.1's syntax (the library says invalid_grant), and a client
// assertion, which otpgate does not offer. A 401 to a client that
// authenticated with Basic carries the challenge RFC 6749 §5.2 asks for.
// It also hands the library the client's ID token signing algorithm
// (protocol.WithClientAlgorithm), for both grants that issue ID tokens.
func tokenRequestGuard(st *store.Store, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if _, _, basic := req.BasicAuth(); basic {
			c.Response().Before(func() {
				if c.Response().Status == http.StatusUnauthorized && c.Response().Header().Get("WWW-Authenticate") == "" {
					c.Response().Header().Set("WWW-Authenticate", `Basic realm="otpgate"`)
				}
			})
		}
		if err := req.ParseForm(); err != nil {
			return next(c) // the library answers invalid_request
		}
		if (req.PostForm.Has("client_assertion") || req.PostForm.Has("client_assertion_type")) && !assertionAllowed(req, st) {
			return c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid_client",
				"error_description": "client assertions are accepted only from clients registered for private_key_jwt"})
		}
		grant := req.PostForm.Get("grant_type")
		if grant == "authorization_code" || grant == "refresh_token" {
			cl, err := requestClient(req, st)
			if errors.Is(err, store.ErrNotFound) {
				return c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid_client",
					"error_description": "client authentication failed"})
			}
			if err != nil {
				// Not signing with a default the client did not ask for.
				return databaseUnavailable(c)
			}
			// The library asks for the ID token's signing key without
			// naming the client; the client's algorithm travels in the
			// request's context. The library then authenticates this same
			// client (Basic first, as here) and redeems only its codes and
			// refresh tokens.
			c.SetRequest(req.WithContext(protocol.WithClientAlgorithm(req.Context(), cl.IDTokenSignedResponseAlg)))
		}
		if grant == "authorization_code" {
			if v := req.PostForm.Get("code_verifier"); v != "" && !protocol.ValidPKCEValue(v) {
				return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_request",
					"error_description": "code_verifier must be 43 to 128 unreserved characters"})
			}
		}
		return next(c)
	}
}

// notFoundPage answers what the library's router does not know (404, 405)
// with otpgate's error page and its headers, as every other unknown path.
func notFoundPage(next echo.HandlerFunc) echo.HandlerFunc {
	return fixErrors(next, func(c echo.Context, status int, body []byte) (bool, error) {
		switch {
		case status == http.StatusNotFound && !json.Valid(body):
			return true, echo.ErrNotFound
		case status == http.StatusMethodNotAllowed:
			return true, echo.ErrMethodNotAllowed
		}
		return false, nil
	})
}

// assertionAllowed: the request authenticates with a client assertion
// (private_key_jwt) of a client registered for it, without another
// credential beside it, for the code or refresh grant; the library
// verifies the assertion.
func assertionAllowed(req *http.Request, st *store.Store) bool {
	if _, _, basic := req.BasicAuth(); basic || req.PostForm.Has("client_secret") {
		return false
	}
	if g := req.PostForm.Get("grant_type"); g != "authorization_code" && g != "refresh_token" {
		return false
	}
	if req.PostForm.Get("client_assertion_type") != oidc.ClientAssertionTypeJWTAssertion {
		return false
	}
	cl, err := requestClient(req, st)
	return err == nil && cl.UsesPrivateKeyJWT()
}

// assertionIssuer is the unverified iss of a client assertion ("" when
// it has none): which client it claims to be (the library verifies it).
func assertionIssuer(raw string) string {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		return ""
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return ""
	}
	return c.Issuer
}

// requestClient loads the client the request names (by Basic, client_id
// or a client assertion's iss): store.ErrNotFound when it names none or
// an unknown one, or names two different ones.
func requestClient(req *http.Request, st *store.Store) (*store.Client, error) {
	id := req.PostForm.Get("client_id")
	if a := req.PostForm.Get("client_assertion"); a != "" {
		iss := assertionIssuer(a)
		if iss == "" || (id != "" && id != iss) {
			return nil, store.ErrNotFound
		}
		id = iss
	}
	if user, _, ok := req.BasicAuth(); ok {
		u, err := url.QueryUnescape(user)
		if err != nil {
			return nil, store.ErrNotFound
		}
		id = u
	}
	if id == "" {
		return nil, store.ErrNotFound
	}
	return st.ClientByID(req.Context(), id)
}
