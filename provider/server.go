package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/login"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// Options are the runtime settings of a provider; cmd/otpgate maps the
// configuration onto them.
type Options struct {
	Issuer            string
	Store             *store.Store
	Sealer            *Sealer
	Hasher            *credential.Hasher
	Renderer          *templates.Renderer
	Lifetimes         Lifetimes
	CORSOrigins       []string
	QuestionEnabled   bool
	MinPasswordLength int
	// MFAPolicy is signin.MFAAlways, MFAPerUser or MFAPerClient.
	MFAPolicy string
	// TOTPIssuer labels accounts in authenticator apps.
	TOTPIssuer string
	// OTPAttempts (default 5) wrong passcodes lock until an admin reset;
	// LoginAttempts (default 10) wrong passwords or answers lock
	// temporarily with doubling waits.
	OTPAttempts, LoginAttempts int
	// AdminOnlyReset turns off self-service reset of a lost device.
	AdminOnlyReset bool
	// ResetLinkLifetime bounds emailed reset links (default 15 minutes).
	ResetLinkLifetime time.Duration
	// AttemptsPerMinute limits sign-in posts per client IP (default 30;
	// negative turns it off).
	AttemptsPerMinute int
	// Notifier mails people about security events; nil when mail is off.
	Notifier signin.Notifier
	// KeyActivation is how long a rotated key is published before it signs.
	KeyActivation time.Duration
	// TrustedProxies are the CIDRs of reverse proxies whose
	// X-Forwarded-For names the client; empty trusts no header.
	TrustedProxies []string
	Logger         *slog.Logger
	// Extra mounts more browser routes (the demo relying party).
	Extra func(g *echo.Group)
}

// Server is a ready-to-serve provider.
type Server struct {
	echo     *echo.Echo
	op       *op.Provider
	keys     *Keys
	metrics  *Metrics
	draining atomic.Bool
}

// New builds the provider: signing keys are loaded (or the first one
// created), the OIDC endpoints are mounted as API routes and the sign-in
// pages as browser routes.
func New(ctx context.Context, o Options) (*Server, error) {
	iss, err := url.Parse(o.Issuer)
	if err != nil || iss.Host == "" {
		return nil, fmt.Errorf("issuer %q is not an absolute URL", o.Issuer)
	}
	if o.TOTPIssuer == "" {
		o.TOTPIssuer = "otpgate"
	}
	if o.MFAPolicy == "" {
		o.MFAPolicy = signin.MFAPerUser
	}
	if o.OTPAttempts <= 0 {
		o.OTPAttempts = 5
	}
	if o.LoginAttempts <= 0 {
		o.LoginAttempts = 10
	}
	if o.ResetLinkLifetime <= 0 {
		o.ResetLinkLifetime = 15 * time.Minute
	}
	if o.AttemptsPerMinute == 0 {
		o.AttemptsPerMinute = 30
	}
	keys := NewKeys(o.Store, o.Sealer, o.Lifetimes.IDToken+o.Lifetimes.AccessToken+o.KeyActivation+time.Hour)
	keys.Activation = o.KeyActivation
	if err := keys.EnsureKey(ctx); err != nil {
		return nil, err
	}
	logoutKey := o.Sealer.Derive("logout")
	sqlDB, err := o.Store.SQLDB()
	if err != nil {
		return nil, err
	}
	metrics := newMetrics(sqlDB)
	st := &Storage{
		store: o.Store, keys: keys, hasher: o.Hasher, life: o.Lifetimes, log: o.Logger,
		metrics:   metrics,
		loginURL:  func(id string) string { return o.Issuer + "/login/next?authRequestID=" + url.QueryEscape(id) },
		logoutURL: func(redirect string) string { return o.Issuer + login.LogoutURL(logoutKey, redirect) },
	}
	cfg := &op.Config{
		CryptoKey:                o.Sealer.Derive("op-crypto"),
		DefaultLogoutRedirectURI: o.Issuer + "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English, language.Japanese},
	}
	corsOpts := &cors.Options{
		AllowedOrigins:   o.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept", "Accept-Language"},
		AllowCredentials: false,
	}
	opts := []op.Option{op.WithCORSOptions(corsOpts)}
	if iss.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(cfg, st, op.StaticIssuer(o.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("create provider: %w", err)
	}
	callback := op.AuthCallbackURL(p)
	svc := newSignIn(o, metrics)
	cookies := web.NewCookies(iss.Scheme == "https")
	lh := login.New(svc, o.Renderer, login.Config{
		Cookies: cookies,
		CallbackURL: func(ctx context.Context, id string) string {
			return callback(op.ContextWithIssuer(ctx, o.Issuer), id)
		},
		AuthError: func(w http.ResponseWriter, r *http.Request, f *store.Flow, err error) {
			op.AuthRequestError(w, r, authRequest{f: f}, err, p)
		},
		LogoutKey:         logoutKey,
		AttemptsPerMinute: o.AttemptsPerMinute,
	}, o.Logger)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	extractor, err := ipExtractor(o.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = extractor
	e.HTTPErrorHandler = web.ErrorPages(o.Renderer, o.Logger, cookies.PageLang)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			o.Logger.ErrorContext(c.Request().Context(), "panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestID(), observe(o.Logger, metrics))
	if iss.Scheme == "https" {
		e.Use(web.StrictTransport)
	}
	srv := &Server{echo: e, op: p, keys: keys, metrics: metrics}

	browser := e.Group("", web.SecurityHeaders)
	lh.Mount(browser)
	browser.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", staticHandler())))
	if o.Extra != nil {
		o.Extra(browser)
	}
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", srv.ready(st))
	e.GET("/metrics", echo.WrapHandler(metrics.handler()))
	// Everything else is the OIDC protocol: no CSRF, no body dumping.
	protocol := echo.WrapHandler(p)
	e.Match([]string{http.MethodGet, http.MethodOptions}, oidc.DiscoveryEndpoint, discovery(p, st, o.Issuer),
		echo.WrapMiddleware(cors.New(*corsOpts).Handler))
	e.Any("/authorize", authorizeGuard(o.Store, o.Renderer, o.Logger, protocol))
	e.Any("/authorize/callback", lh.CallbackGuard(protocol))
	e.Any("/userinfo", storageFaults(bearerErrors(protocol)))
	e.Any("/oauth/introspect", storageFaults(clientAuthErrors(protocol)))
	e.Any("/oauth/token", storageFaults(protocol))
	e.Any("/revoke", storageFaults(protocol))
	e.Any("/end_session", logoutErrors(protocol))
	e.Any("/*", protocol)
	return srv, nil
}

// Handler is the whole provider as one http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Keys gives access to the signing keys.
func (s *Server) Keys() *Keys { return s.keys }

func staticHandler() http.Handler {
	fs := http.FileServerFS(templates.Static())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(w, r)
	})
}

// authorizeGuard answers an authorization request whose client or
// redirect URI cannot be trusted with otpgate's own error page (never a
// redirect), and passes every other request to the library.
func authorizeGuard(st *store.Store, r *templates.Renderer, log *slog.Logger, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if err := req.ParseForm(); err != nil {
			return web.NewPageError(http.StatusBadRequest, templates.MsgBadRequest, err)
		}
		clientID, redirect := req.Form.Get("client_id"), req.Form.Get("redirect_uri")
		if req.Form.Get("request") != "" || req.Form.Get("request_uri") != "" {
			// Request objects are not supported; the library answers that.
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
		for _, u := range cl.RedirectURIs {
			if u == redirect {
				return next(c)
			}
		}
		log.InfoContext(req.Context(), "authorize refused: unregistered redirect URI", "client_id", clientID)
		return web.NewPageError(http.StatusBadRequest, templates.MsgInvalidRedirect, nil)
	}
}
