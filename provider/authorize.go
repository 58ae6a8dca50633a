package provider

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// authorizeGuard answers an authorization request whose client or
// redirect URI cannot be trusted with otpgate's own error page (never a
// redirect). A trusted redirect URI receives unsupported_response_type for
// any response type but code (the library would say unauthorized_client, or
// refuse an http redirect URI outright). Every other request goes to the
// library, with the claims parameter and the browser's binding (made on
// its first visit) on its context for CreateAuthRequest, which binds the
// new flow to that browser as it stores it: the sign-in belongs to the
// browser that asked for it from the start, and a sign-in someone else
// started cannot be handed to a victim to finish.
//
// An Entra client's requests (an external authentication method) are
// answered by eam, never by the library.
func authorizeGuard(st *store.Store, cookies web.Cookies, a op.Authorizer, log *slog.Logger, issuer string, secrets secretOpener,
	eam func(echo.Context, *store.Client) error, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if err := req.ParseForm(); err != nil {
			return web.NewPageError(http.StatusBadRequest, templates.MsgBadRequest, err)
		}
		clientID, redirect := req.Form.Get("client_id"), req.Form.Get("redirect_uri")
		requestObject := req.Form.Get("request") != "" || req.Form.Get("request_uri") != ""
		if requestObject && (clientID == "" || redirect == "") {
			// Request objects are not supported; the library answers that
			// (to the redirect URI only once it is checked below).
			return next(c)
		}
		if clientID == "" || redirect == "" {
			return web.NewPageError(http.StatusBadRequest, templates.MsgInvalidRedirect, nil)
		}
		cl, err := st.ClientByID(req.Context(), clientID)
		if errors.Is(err, store.ErrNotFound) {
			return web.NewPageError(http.StatusBadRequest, templates.MsgInvalidRedirect, nil)
		}
		if err != nil {
			return web.NewPageError(http.StatusServiceUnavailable, templates.MsgUnavailable, err)
		}
		if cl.Mode == store.ModeEntraEAM {
			return eam(c, cl)
		}
		if !protocol.RedirectURIAllowed(cl, redirect) {
			log.InfoContext(req.Context(), "authorize refused: unregistered redirect URI", "client_id", clientID)
			pe := web.NewPageError(http.StatusBadRequest, templates.MsgInvalidRedirect, nil)
			// The way back is the application's registered address, never
			// the one this request named.
			pe.ClientID = cl.ID
			for _, u := range cl.RedirectURIs {
				if pe.AppURL = web.AppURL(u); pe.AppURL != "" {
					break
				}
			}
			return pe
		}
		var named string
		var verified bool
		if cl.Mode == store.ModeSecondFactor {
			// A factor-only client names the user: by a request object
			// signed with its own keys or its secret, or, when trusted to,
			// by login_hint.
			if named, verified, err = factorOnlyUser(req, cl, issuer, secrets, st.Now()); err != nil {
				log.InfoContext(req.Context(), "authorize refused: factor-only request names no user", "client_id", cl.ID, "err", err)
				op.AuthRequestError(c.Response(), req, errorTarget{redirect: redirect, state: req.Form.Get("state")},
					oidc.ErrInvalidRequest().WithDescription("%s", err.Error()), a)
				return nil
			}
			req.Form.Del("request")
			if named != "" {
				req.Form.Set("login_hint", named)
			}
			requestObject = false
		}
		if requestObject {
			return next(c)
		}
		if rt := req.Form.Get("response_type"); rt != "" && rt != string(oidc.ResponseTypeCode) {
			op.AuthRequestError(c.Response(), req, errorTarget{redirect: redirect, state: req.Form.Get("state")},
				errUnsupportedResponseType(), a)
			return nil
		}
		ctx := protocol.WithBrowser(req.Context(), cookies.EnsureBrowser(c))
		if named != "" {
			ctx = protocol.WithNamedUser(ctx, named, verified)
		}
		if claims := req.Form.Get("claims"); claims != "" {
			ctx = protocol.WithClaimsParameter(ctx, claims)
		}
		c.SetRequest(req.WithContext(ctx))
		return next(c)
	}
}

// errUnsupportedResponseType is RFC 6749 §4.1.2.1's answer to a response
// type otpgate does not offer (everything but code).
func errUnsupportedResponseType() *oidc.Error {
	e := oidc.ErrInvalidRequest().WithDescription("only response_type=code is supported")
	e.ErrorType = "unsupported_response_type"
	return e
}

// errorTarget is where an error about an unsupported response type is
// sent: the validated redirect URI, in the query (the only response mode
// otpgate offers; the implicit flow's fragment was never agreed on).
type errorTarget struct{ redirect, state string }

func (t errorTarget) GetRedirectURI() string             { return t.redirect }
func (t errorTarget) GetResponseType() oidc.ResponseType { return oidc.ResponseTypeCode }
func (t errorTarget) GetState() string                   { return t.state }
func (t errorTarget) GetResponseMode() oidc.ResponseMode { return oidc.ResponseModeQuery }

// issuerParam adds iss (RFC 9207) to the authorization responses the
// wrapped route redirects, success or error, so that a client talking to
// several providers can tell which one answered.
func issuerParam(issuer string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			resp := c.Response()
			resp.Writer = &issuerWriter{ResponseWriter: resp.Writer, issuer: issuer}
			return next(c)
		}
	}
}

// issuerWriter adds iss to a redirect that is an authorization response:
// one whose query carries code or error. The sign-in pages' redirects (to
// the dispatcher, with an authRequestID) carry neither.
type issuerWriter struct {
	http.ResponseWriter
	issuer string
}

func (w *issuerWriter) WriteHeader(status int) {
	if status >= 300 && status < 400 {
		if loc := w.Header().Get("Location"); loc != "" {
			w.Header().Set("Location", withIssuer(loc, w.issuer))
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *issuerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withIssuer returns location with iss added when it is an authorization
// response without one.
func withIssuer(location, issuer string) string {
	u, err := url.Parse(location)
	if err != nil {
		return location
	}
	q := u.Query()
	if (!q.Has("code") && !q.Has("error")) || q.Has("iss") {
		return location
	}
	iss := "iss=" + url.QueryEscape(issuer)
	if u.RawQuery == "" {
		u.RawQuery = iss
	} else {
		u.RawQuery += "&" + iss
	}
	return u.String()
}

// issuedCode answers a sign-in that finished with its code already issued
// and stored (signin.Finished): the library builds the response as its
// callback would, with this code, and stores nothing more.
type issuedCode struct {
	op.Authorizer
	code string
}

func (a issuedCode) Crypto() op.Crypto { return fixedCode(a.code) }
func (a issuedCode) Storage() op.Storage {
	return codeStored{Storage: a.Authorizer.Storage(), code: a.code}
}

// fixedCode is the library's code "encryption": the code was chosen and
// stored with the finish.
type fixedCode string

func (c fixedCode) Encrypt(string) (string, error) { return string(c), nil }
func (c fixedCode) Decrypt(string) (string, error) {
	return "", errors.New("an issued code is never decrypted")
}

// codeStored skips the library's save of the code: the finish stored it.
type codeStored struct {
	op.Storage
	code string
}

func (s codeStored) SaveAuthCode(ctx context.Context, id, code string) error {
	if code == s.code {
		return nil
	}
	return s.Storage.SaveAuthCode(ctx, id, code)
}

// secretOpener opens a sealed value; *credential.Sealer is one.
type secretOpener interface {
	Open(sealed, ad []byte) ([]byte, error)
}

// factorOnlyUser is the username a factor-only client's request names:
// the login_hint of a request object signed with a key the client
// registered or with its secret, or, for a client trusted with plain
// hints, the login_hint. "" when it names nobody: the person then types a
// username, and a plain login_hint only suggests one.
func factorOnlyUser(req *http.Request, cl *store.Client, issuer string, secrets secretOpener, now time.Time) (name string, verified bool, err error) {
	if req.Form.Get("request_uri") != "" {
		return "", false, errors.New("request_uri is not supported; send the request object by value (request)")
	}
	if raw := req.Form.Get("request"); raw != "" {
		ro, err := protocol.VerifyRequestObject(raw, requestObjectKeys(cl, secrets), cl.ID, issuer, now)
		switch {
		case errors.Is(err, protocol.ErrNoRequestObjectSecret) && cl.Public:
			return "", false, errors.New("request object: a public client has no secret to sign HS256 with; sign with a key it registered")
		case errors.Is(err, protocol.ErrNoRequestObjectSecret) && cl.SecretHash == "":
			return "", false, errors.New("request object: this client has no secret to sign HS256 with; sign with a key it registered")
		case errors.Is(err, protocol.ErrNoRequestObjectSecret):
			return "", false, errors.New("request object: otpgate keeps no copy of this client's secret for HS256 " +
				"(it was set before otpgate kept one, or is too weak to sign with); rotate the client secret to enable HS256 request objects")
		case err != nil:
			return "", false, err
		}
		return ro.LoginHint, true, nil
	}
	if cl.TrustLoginHint && req.Form.Get("login_hint") != "" {
		return req.Form.Get("login_hint"), false, nil
	}
	return "", false, nil
}

// requestObjectKeys are what cl's request objects are verified with: its
// registered keys, and its secret when it is a factor-only confidential
// client with a sealed secret (opened only for an HS256 request object).
func requestObjectKeys(cl *store.Client, secrets secretOpener) protocol.RequestObjectKeys {
	keys := protocol.RequestObjectKeys{JWKS: cl.JWKS}
	if cl.Mode == store.ModeSecondFactor && !cl.Public && len(cl.SecretSealed) > 0 {
		sealed, id := cl.SecretSealed, cl.ID
		keys.Secret = func() ([]byte, error) { return secrets.Open(sealed, protocol.ClientSecretAD(id)) }
	}
	return keys
}
