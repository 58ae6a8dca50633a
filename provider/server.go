package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/otpgate/otpgate/provider/account"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/adminapi"
	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/console"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/login"
	"github.com/otpgate/otpgate/provider/portal"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// Options are the runtime settings of a provider; cmd/otpgate maps the
// configuration onto them. The policy settings have no defaults here (they
// live in config.Default): New refuses options that leave them unset.
type Options struct {
	Issuer            string
	Store             *store.Store
	Sealer            *credential.Sealer
	Hasher            *credential.Hasher
	Renderer          *templates.Renderer
	Lifetimes         protocol.Lifetimes
	CORSOrigins       []string
	QuestionEnabled   bool
	MinPasswordLength int
	// MFAPolicy is signin.MFAAlways, MFAPerUser or MFAPerClient.
	MFAPolicy string
	// TOTPIssuer labels accounts in authenticator apps.
	TOTPIssuer string
	// OTPAttempts wrong passcodes lock until an admin reset;
	// LoginAttempts wrong passwords or answers lock
	// temporarily with doubling waits.
	OTPAttempts, LoginAttempts int
	// LoginLockDecay: each full period without an attempt lowers a
	// password/answer lock level by one. UnknownBrowserLimit consecutive
	// failures from unknown browsers need an emailed sign-in link or an
	// administrator. KnownBrowserLifetime: how long after its last
	// sign-in a browser keeps its own budget.
	LoginLockDecay       time.Duration
	UnknownBrowserLimit  int
	KnownBrowserLifetime time.Duration
	// AdminOnlyReset turns off self-service reset of a lost device.
	AdminOnlyReset bool
	// ResetLinkLifetime bounds emailed reset links; ResetMailsPerHour
	// bounds the reset links mailed for one account in any hour.
	ResetLinkLifetime time.Duration
	ResetMailsPerHour int
	// EnrollmentProof is what a first enrollment needs besides the
	// password and answer: signin.EnrollProofEmail, EnrollProofAdmin or
	// EnrollProofNone.
	EnrollmentProof string
	// RememberBrowserDays, above 0, lets a person who passed a passcode
	// have the browser skip it for that many days, on clients that allow
	// it; 0 turns it off.
	RememberBrowserDays int
	// AttemptsPerMinute limits failed sign-in posts per client IP and
	// minute, counted in the database (negative turns it off).
	AttemptsPerMinute int
	// Notifier mails people about security events; nil when mail is off.
	Notifier signin.Notifier
	// BrandCSS, when set, is served at /brand.css (templates.BrandCSS: the
	// primary colour); Logo, when set, at /brand/logo with LogoType. The
	// Renderer must be built with the same templates.Brand.
	BrandCSS []byte
	Logo     []byte
	LogoType string
	// KeyActivation is how long a rotated key is published before it signs.
	KeyActivation time.Duration
	// KeyReload is how often the signing keys are read again, so that a
	// rotation by another replica or the CLI is signed with and published;
	// 0 means every 30 seconds.
	KeyReload time.Duration
	// TrustedProxies are the CIDRs of reverse proxies whose
	// X-Forwarded-For names the client; empty trusts no header.
	TrustedProxies []string
	Logger         *slog.Logger
	// Extra mounts more browser routes (the demo relying party).
	Extra func(g *echo.Group)
	// Entra serves Entra ID external authentication methods; nil refuses
	// the requests of Entra clients.
	Entra *EntraOptions
	// Admin, when set, serves the admin API (/admin/api/v1) over it, for
	// machine clients with the admin scopes.
	Admin *admin.Service
	// Directory, when set, checks the password page's passwords (a
	// directory connector: LDAP, Active Directory); DirectoryQuestion
	// asks its users the security question too, and LocalPasswords lets
	// accounts that belong to no connector keep their otpgate password
	// beside it.
	Directory         connector.PasswordConnector
	DirectoryQuestion bool
	LocalPasswords    bool
	// Upstreams are the upstream OpenID providers the password page
	// offers as buttons; each one's redirect URI at its upstream is
	// <Issuer>/login/connector/<id>/callback.
	Upstreams []connector.CallbackConnector
}

// Server is a ready-to-serve provider.
type Server struct {
	echo     *echo.Echo
	op       *op.Provider
	keys     *protocol.Keys
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
	if err := o.check(); err != nil {
		return nil, err
	}
	w := &wiring{o: o, secure: iss.Scheme == "https", cookies: web.NewCookies(iss.Scheme == "https")}
	if o.Sealer != nil {
		w.cookies = w.cookies.WithBindingKeys(o.Sealer.DeriveAll("browser-binding"))
	}
	if err := w.storage(ctx); err != nil {
		return nil, err
	}
	if err := w.protocol(); err != nil {
		return nil, err
	}
	if o.Admin != nil {
		// The console's and the account page's own clients.
		o.Store.SetBuiltInClients(portal.Clients(o.Issuer)...)
	}
	w.signIn()
	return w.server()
}

// check refuses options whose policy was left unset: the defaults live in
// one place, config.Default, and cmd/otpgate maps the configuration here.
func (o *Options) check() error {
	var missing []string
	for name, unset := range map[string]bool{
		"TOTPIssuer": o.TOTPIssuer == "", "MFAPolicy": o.MFAPolicy == "",
		"OTPAttempts": o.OTPAttempts <= 0, "LoginAttempts": o.LoginAttempts <= 0,
		"ResetLinkLifetime": o.ResetLinkLifetime <= 0, "ResetMailsPerHour": o.ResetMailsPerHour <= 0,
		"AttemptsPerMinute": o.AttemptsPerMinute == 0, "EnrollmentProof": o.EnrollmentProof == "",
		"LoginLockDecay": o.LoginLockDecay <= 0, "UnknownBrowserLimit": o.UnknownBrowserLimit <= 0,
		"KnownBrowserLifetime": o.KnownBrowserLifetime <= 0,
	} {
		if unset {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("provider options not set: %s", strings.Join(missing, ", "))
	}
	return nil
}

// wiring is a provider being assembled.
type wiring struct {
	o         Options
	secure    bool
	cookies   web.Cookies
	keys      *protocol.Keys
	metrics   *Metrics
	st        *protocol.Storage
	logoutKey [32]byte
	op        *op.Provider
	discovery []byte // the discovery document, encoded
	cors      *cors.Options
	login     *login.Handler
	signin    *signin.Service
	echo      *echo.Echo
}

// storage loads the signing keys and builds the op.Storage.
func (w *wiring) storage(ctx context.Context) error {
	o := w.o
	w.keys = protocol.NewKeys(o.Store, o.Sealer, o.Lifetimes.IDToken+o.Lifetimes.AccessToken+o.KeyActivation+time.Hour)
	w.keys.Activation = o.KeyActivation
	if o.KeyReload > 0 {
		w.keys.Reload = o.KeyReload
	}
	if err := w.keys.EnsureKey(ctx); err != nil {
		return err
	}
	w.logoutKey = o.Sealer.Derive("logout")
	sqlDB, err := o.Store.SQLDB()
	if err != nil {
		return err
	}
	w.metrics = newMetrics(sqlDB)
	w.st = protocol.NewStorage(protocol.Config{
		Store: o.Store, Keys: w.keys, Hasher: o.Hasher, Lifetimes: o.Lifetimes, Logger: o.Logger,
		Tokens:    w.metrics,
		LoginURL:  func(id string) string { return o.Issuer + "/login/next?authRequestID=" + url.QueryEscape(id) },
		LogoutURL: func(redirect string) string { return o.Issuer + login.LogoutURL(w.logoutKey, redirect) },
	})
	return nil
}

// protocol builds zitadel's OpenID provider on the storage.
func (w *wiring) protocol() error {
	o := w.o
	cfg := &op.Config{
		CryptoKey:                o.Sealer.Derive("op-crypto"),
		DefaultLogoutRedirectURI: o.Issuer + "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English, language.Japanese},
	}
	w.cors = &cors.Options{
		AllowedOrigins:   o.CORSOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept", "Accept-Language"},
		AllowCredentials: false,
	}
	// An id_token_hint (at end_session and /authorize) may be signed with
	// any algorithm otpgate signs with; the library's default verifier
	// takes RS256, ES256 and PS256 only.
	hintAlgs := make([]string, len(protocol.SigningAlgorithms))
	for i, alg := range protocol.SigningAlgorithms {
		hintAlgs[i] = string(alg)
	}
	opts := []op.Option{op.WithCORSOptions(w.cors), op.WithCrypto(opCrypto(o.Sealer)),
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(hintAlgs...))}
	if !w.secure {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(cfg, w.st, op.StaticIssuer(o.Issuer), opts...)
	if err != nil {
		return fmt.Errorf("create provider: %w", err)
	}
	w.op = p
	w.discovery, err = encodeDiscovery(p, w.st, o.Issuer)
	return err
}

// signIn builds the sign-in service and its pages.
func (w *wiring) signIn() {
	o, p := w.o, w.op
	callback := op.AuthCallbackURL(p)
	w.signin = newSignIn(o, w.metrics)
	w.login = login.New(w.signin, o.Renderer, login.Config{
		Cookies: w.cookies,
		CallbackURL: func(ctx context.Context, id string) string {
			return callback(op.ContextWithIssuer(ctx, o.Issuer), id)
		},
		AuthError: func(rw http.ResponseWriter, r *http.Request, f *store.Flow, err error) {
			if errors.Is(err, signin.ErrUnmetACR) {
				err = protocol.ErrUnmetACR()
			}
			if f.ResponseMode == string(oidc.ResponseModeFormPost) {
				c := w.echo.NewContext(r, echo.NewResponse(rw, w.echo))
				var oe *oidc.Error
				if !errors.As(err, &oe) {
					oe = oidc.ErrServerError()
				}
				if err := w.formPost(c, f.RedirectURI, errorFields(oe, f.State)); err != nil {
					o.Logger.ErrorContext(r.Context(), "form post error response", "err", err)
				}
				return
			}
			op.AuthRequestError(&issuerWriter{ResponseWriter: rw, issuer: o.Issuer}, r, protocol.NewAuthRequest(f), err, p)
		},
		CodeResponse: func(rw http.ResponseWriter, r *http.Request, f *store.Flow, code string) {
			r = r.WithContext(op.ContextWithIssuer(r.Context(), o.Issuer))
			op.AuthResponse(protocol.NewAuthRequest(f), issuedCode{Authorizer: p, code: code},
				&issuerWriter{ResponseWriter: rw, issuer: o.Issuer}, r)
		},
		FormPostResponse:   w.eamResponse,
		LogoutKey:          w.logoutKey,
		LogoutKeysAccepted: o.Sealer.DeriveAll("logout")[1:],
	}, o.Logger)
}

// server builds the echo instance: operations routes, the browser routes
// (sign-in pages, static files, extras) and the protocol routes.
func (w *wiring) server() (*Server, error) {
	o := w.o
	e := echo.New()
	w.echo = e
	e.HideBanner, e.HidePort = true, true
	extractor, err := ipExtractor(o.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = extractor
	e.HTTPErrorHandler = web.ErrorPages(o.Renderer, o.Logger, w.cookies.PageLang, func(ctx context.Context, id string) string {
		c, err := o.Store.ClientByID(ctx, id)
		if err != nil {
			return ""
		}
		return c.DisplayName()
	})
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			o.Logger.ErrorContext(c.Request().Context(), "panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestID(), observe(o.Logger, w.metrics))
	if w.secure {
		e.Use(web.StrictTransport)
	} else {
		e.Use(web.StrictTransportOnTLS)
	}
	srv := &Server{echo: e, op: w.op, keys: w.keys, metrics: w.metrics}
	browser := e.Group("", web.SecurityHeaders)
	w.login.Mount(browser)
	browser.GET("/static/*", staticFiles())
	if o.BrandCSS != nil {
		browser.GET("/brand.css", asset(o.BrandCSS, "text/css; charset=utf-8"))
	}
	if o.Logo != nil {
		browser.GET("/brand/logo", asset(o.Logo, o.LogoType))
	}
	if o.Extra != nil {
		o.Extra(browser)
	}
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", srv.ready(w.st))
	w.mountProtocol(e)
	if o.Admin != nil {
		verify := func(ctx context.Context, token string) (*protocol.ClientAccessToken, error) {
			return w.st.VerifyClientToken(ctx, w.op.Crypto(), token)
		}
		adminapi.New(o.Admin, w.keys, verify, o.Logger).Mount(e)
		w.portals(browser)
	}
	return srv, nil
}

// portals serves otpgate's own sites: the administrator's console at
// /admin and the person's account page at /account.
func (w *wiring) portals(g *echo.Group) {
	o := w.o
	p := portal.New(portal.Options{Issuer: o.Issuer, Store: o.Store, Provider: w.echo, Cookies: w.cookies,
		Key: o.Sealer.Derive("portal"), Logger: o.Logger, Now: o.Store.Now})
	p.Mount(g, portal.Console, console.New(o.Admin, w.keys, o.Renderer, o.Logger, o.RememberBrowserDays).Routes)
	p.Mount(g, portal.Account, account.New(w.signin, w.cookies, o.Renderer, o.Logger).Routes)
}

// mountProtocol mounts the OIDC endpoints: no CSRF, no body dumping.
func (w *wiring) mountProtocol(e *echo.Echo) {
	o := w.o
	protocol := echo.WrapHandler(w.op)
	withCORS := echo.WrapMiddleware(cors.New(*w.cors).Handler)
	e.Match([]string{http.MethodGet, http.MethodHead, http.MethodOptions}, oidc.DiscoveryEndpoint, discovery(w.discovery), withCORS)
	// Every method, as the library's route answered them.
	e.Any(w.op.KeysEndpoint().Relative(), jwks(w.keys, o.Logger), withCORS)
	// Authorization responses: page headers on the redirects, iss in each.
	authorization := []echo.MiddlewareFunc{web.SecurityHeaders, issuerParam(o.Issuer)}
	e.Any("/authorize", authorizeGuard(o.Store, w.cookies, w.op, o.Logger, o.Issuer, o.Sealer, w.eam, protocol), authorization...)
	e.Any("/authorize/callback", w.login.CallbackGuard(protocol), authorization...)
	e.Any("/userinfo", storageFaults(bearerErrors(protocol)))
	e.Any("/oauth/introspect", storageFaults(clientAuthErrors(protocol)), noStore)
	e.Any("/oauth/token", storageFaults(tokenRequestGuard(o.Store, protocol)), noStore)
	e.Any("/revoke", storageFaults(protocol), noStore)
	e.Any("/end_session", logoutErrors(o.Store, protocol))
	e.Any("/*", notFoundPage(protocol))
}

// Handler is the whole provider as one http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// MetricsHandler serves Prometheus metrics; cmd/otpgate mounts it on a
// listener of its own (server.metrics_listen), never on the public one.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// Keys gives access to the signing keys.
func (s *Server) Keys() *protocol.Keys { return s.keys }

// staticFiles serves the embedded assets; a name that is none of them (or
// a directory) is the translated 404 page, not the file server's text.
func staticFiles() echo.HandlerFunc {
	files := templates.Static()
	server := http.StripPrefix("/static/", http.FileServerFS(files))
	return func(c echo.Context) error {
		name := c.Param("*")
		if st, err := fs.Stat(files, name); err != nil || st.IsDir() || !fs.ValidPath(name) {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		server.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// asset serves fixed bytes of a content type, cacheable like the static
// files.
func asset(body []byte, contentType string) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		return c.Blob(http.StatusOK, contentType, body)
	}
}
