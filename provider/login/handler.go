package login

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// Config is what the sign-in pages need to know beyond the sign-in rules.
type Config struct {
	// Cookies builds the sign-in's cookies (Secure and __Host- named when
	// the issuer is https), the same builder the error pages read.
	Cookies web.Cookies
	// CallbackURL is the library's authorize callback for a finished flow.
	CallbackURL func(ctx context.Context, flowID string) string
	// AuthError sends an OAuth error for a flow to its client (used for
	// prompt=none without a session).
	AuthError func(w http.ResponseWriter, r *http.Request, f *store.Flow, err error)
	// CodeResponse sends the authorization code a finished sign-in issued
	// (signin.Finished) to the flow's client, as the library's callback
	// would have.
	CodeResponse func(w http.ResponseWriter, r *http.Request, f *store.Flow, code string)
	// FormPostResponse answers a finished flow that asked for
	// response_mode form_post (an Entra ID external authentication
	// method): the ID token, posted to the flow's redirect URI.
	FormPostResponse func(c echo.Context, f *store.Flow) error
	// LogoutKey signs logout confirmation links.
	LogoutKey [32]byte
	// LogoutKeysAccepted also verify them (keys of accepted encryption
	// keys: links a replica on the previous primary key signed during a
	// key rotation).
	LogoutKeysAccepted [][32]byte
}

// Handler serves the sign-in pages: it parses a form, calls the sign-in
// service and renders or redirects. The rules live in the service.
type Handler struct {
	svc     *signin.Service
	policy  signin.Config
	render  *templates.Renderer
	cfg     Config
	cookies web.Cookies
	log     *slog.Logger
}

// New returns the sign-in handler.
func New(svc *signin.Service, r *templates.Renderer, cfg Config, log *slog.Logger) *Handler {
	return &Handler{svc: svc, policy: svc.Config(), render: r, cfg: cfg, cookies: cfg.Cookies, log: log}
}

// Mount registers the sign-in pages on e. Every route gets CSRF
// protection and a body limit; the caller adds security headers.
func (h *Handler) Mount(parent *echo.Group) {
	g := parent.Group("")
	g.Use(middleware.BodyLimit("64K"))
	g.Use(middleware.CSRFWithConfig(h.cookies.CSRF(middleware.CSRFConfig{
		TokenLookup: "form:csrf",
		ErrorHandler: func(err error, c echo.Context) error {
			return web.NewPageError(http.StatusForbidden, templates.MsgCSRF, nil)
		},
	}, "csrf", 2*time.Hour)))
	g.Use(h.answerFlowErrors)
	limit := h.limiter()
	g.GET("/login/next", h.dispatch)
	g.GET("/login/password", h.passwordPage)
	g.POST("/login/password", h.passwordSubmit, limit)
	g.POST("/login/password/email", h.signInLinkEmail, limit)
	g.POST("/login/connector/:id", h.upstreamStart, limit)
	g.GET("/login/connector/:id/callback", h.upstreamCallback, limit)
	g.GET("/login/password/link", h.signInLink)
	g.GET("/login/username", h.usernamePage)
	g.POST("/login/username", h.usernameSubmit, limit)
	g.GET("/login/setup", h.setupPage)
	g.POST("/login/setup", h.setupSubmit)
	g.GET("/login/question", h.questionPage)
	g.POST("/login/question", h.questionSubmit, limit)
	g.GET("/login/enroll", h.enrollPage)
	g.POST("/login/enroll", h.enrollSubmit)
	g.GET("/login/recovery-codes", h.recoveryCodesPage)
	g.POST("/login/recovery-codes", h.recoveryCodesSubmit)
	g.GET("/login/otp", h.otpPage)
	g.POST("/login/otp", h.otpSubmit, limit)
	g.GET("/login/reset", h.resetPage)
	g.POST("/login/reset", h.resetSubmit, limit)
	g.POST("/login/reset/email", h.resetEmail, limit)
	g.GET("/login/reset/link", h.resetLink)
	g.POST("/login/reset/code", h.resetCode, limit)
	g.GET("/login/enroll-proof", h.proofPage)
	g.POST("/login/enroll-proof", h.proofSubmit, limit)
	g.GET("/login/proof", h.proofLink)
	g.POST("/login/enroll-proof/email", h.proofEmail, limit)
	g.GET("/login/enroll-proof/link", h.enrollLink)
	g.GET("/login/locked", h.lockedPage)
	g.GET("/logout", h.logoutPage)
	g.POST("/logout", h.logoutSubmit)
	g.GET("/logged-out", h.loggedOut)
}

// request names the flow of this request (the authRequestID parameter)
// and its browser.
func (h *Handler) request(c echo.Context) signin.Request {
	id := c.QueryParam("authRequestID")
	if id == "" {
		id = c.FormValue("authRequestID")
	}
	return signin.Request{FlowID: id, Browser: h.cookies.BrowserHash(c), IP: c.RealIP(), Remembered: h.rememberedHash(c)}
}

// expectAt loads the journey of r and checks that step is the one it is at;
// otherwise the browser is sent back to the dispatcher (ok false).
func (h *Handler) expectAt(c echo.Context, r signin.Request, step signin.Step) (*signin.Journey, bool, error) {
	return h.expectOneOf(c, r, step)
}

// expectOneOf is expectAt for a step that may be any of steps.
func (h *Handler) expectOneOf(c echo.Context, r signin.Request, steps ...signin.Step) (*signin.Journey, bool, error) {
	return h.expectLoaded(c, steps, func() (*signin.Journey, error) { return h.svc.Load(c.Request().Context(), r) })
}

// expectLoaded checks that the journey load returns is at one of steps.
func (h *Handler) expectLoaded(c echo.Context, steps []signin.Step, load func() (*signin.Journey, error)) (*signin.Journey, bool, error) {
	j, err := load()
	if err != nil {
		return nil, false, pageErrorFor(err)
	}
	j.DeviceCookie = h.cookies.DeviceHash(c)
	j.Lang = h.cookies.LangOf(c, j.Flow.UILocales)
	if !slices.Contains(steps, j.Next()) {
		return nil, false, seeOther(c, nextURL(j.Flow.ID))
	}
	return j, true, nil
}

// stepPage is GET of a step's own page: the journey must be at step
// (otherwise the browser goes to the dispatcher).
func (h *Handler) stepPage(c echo.Context, step signin.Step) error {
	j, ok, err := h.expect(c, step)
	if !ok {
		return err
	}
	return h.show(c, j)
}

// show draws the page of the step j is at, from the journey this request
// loaded: the dispatcher serves it in place, with no second request.
func (h *Handler) show(c echo.Context, j *signin.Journey) error {
	switch j.Next() {
	case signin.StepPassword:
		return h.showPassword(c, j)
	case signin.StepUsername:
		return h.showUsername(c, j)
	case signin.StepSetup:
		return h.showSetup(c, j)
	case signin.StepQuestion:
		return h.showQuestion(c, j)
	case signin.StepEnroll:
		return h.showEnroll(c, j)
	case signin.StepRecoveryCodes:
		return h.showRecoveryCodes(c, j)
	case signin.StepOTP:
		return h.showOTP(c, j)
	case signin.StepEnrollProof:
		return h.showProof(c, j)
	case signin.StepLocked:
		if j.Flow.ResponseMode == string(oidc.ResponseModeFormPost) {
			// Entra gets its answer, and the person its own error page
			// there, instead of a page that strands them here.
			h.cfg.AuthError(c.Response(), c.Request(), j.Flow, oidc.ErrAccessDenied().WithDescription("the account is locked"))
			return nil
		}
		return h.showLocked(c, j)
	}
	return c.Redirect(http.StatusFound, stepURL(j.Next(), j.Flow.ID))
}

// answerFlowErrors answers a flow error meant for the relying party
// (signin.FlowError.Answer: an expired Entra flow of this browser) with
// access_denied posted back, instead of an error page.
func (h *Handler) answerFlowErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		var fe *signin.FlowError
		if err == nil || !errors.As(err, &fe) || fe.Answer == nil {
			return err
		}
		h.cfg.AuthError(c.Response(), c.Request(), fe.Answer, oidc.ErrAccessDenied().WithDescription("the sign-in expired"))
		return nil
	}
}

// expect is expectAt for the flow the request names.
func (h *Handler) expect(c echo.Context, step signin.Step) (*signin.Journey, bool, error) {
	return h.expectAt(c, h.request(c), step)
}

// advance answers a step's result that moved the journey on: straight to
// the next step's page, or to the library's callback when the journey is
// done; to the dispatcher when only a fresh look can tell.
func (h *Handler) advance(c echo.Context, j *signin.Journey, r signin.Result) error {
	if r.Outcome != signin.Passed {
		return seeOther(c, nextURL(j.Flow.ID))
	}
	step := j.Next()
	if step == signin.StepDone {
		return h.finish(c, j)
	}
	return seeOther(c, stepURL(step, j.Flow.ID))
}

func nextURL(flowID string) string {
	return "/login/next?authRequestID=" + url.QueryEscape(flowID)
}

func stepURL(step signin.Step, flowID string) string {
	return "/login/" + string(step) + "?authRequestID=" + url.QueryEscape(flowID)
}

// base fills what every page shows.
func (h *Handler) base(c echo.Context, f *store.Flow) templates.Base {
	b := templates.Base{MinPasswordLength: h.policy.MinPasswordLength}
	if tok, ok := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string); ok {
		b.CSRF = tok
	}
	uiLocales := ""
	if f != nil {
		b.AuthRequestID = f.ID
		uiLocales = f.UILocales
		b.ClientName = h.svc.ClientName(c.Request().Context(), f.ClientID)
	}
	b.Lang = h.cookies.Lang(c, uiLocales)
	b.SwitchLang = switchURL(c, b.Lang)
	return b
}

// problem is base with a result's message and tries left.
func (h *Handler) problem(c echo.Context, f *store.Flow, r signin.Result) templates.Base {
	b := h.base(c, f)
	b.Error, b.TriesLeft, b.RetryMinutes = r.Problem, r.TriesLeft, r.RetryMinutes
	return b
}

// page renders a page with a status; a flow's page may also post towards
// the flow's redirect URI (the CSP's form-action is widened to it).
func (h *Handler) page(c echo.Context, status int, f *store.Flow, data any) error {
	if f != nil {
		var upstreams []string
		if p, ok := data.(templates.PasswordPage); ok {
			for _, u := range p.Upstreams {
				if up := h.svc.Upstream(u.ID); up != nil {
					upstreams = append(upstreams, up.AuthEndpoint())
				}
			}
		}
		web.AllowFormAction(c, f.RedirectURI, upstreams...)
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return h.render.Render(c.Response(), data)
}

// seeOther redirects after a POST.
func seeOther(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }

// CallbackGuard protects the library's authorize callback, which turns a
// finished flow into a code: only the browser the flow is bound to may
// fetch it, so knowing a flow id never yields someone else's code.
func (h *Handler) CallbackGuard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		f, err := h.svc.CheckBrowser(req.Context(), c.QueryParam("id"), h.cookies.BrowserHash(c))
		if err != nil {
			return pageErrorFor(err)
		}
		// The library reads the flow next: it has just been read.
		c.SetRequest(req.WithContext(store.WithFlow(req.Context(), f)))
		return next(c)
	}
}
