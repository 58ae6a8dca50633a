package login

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// Store is the part of the database the sign-in pages use.
type Store interface {
	Now() time.Time
	FlowByID(ctx context.Context, id string) (*store.Flow, error)
	BindFlow(ctx context.Context, id, browserHash string) error
	UpdateFlow(ctx context.Context, id string, update func(*store.Flow) error) (*store.Flow, error)
	UserByID(ctx context.Context, id string) (*store.User, error)
	UserByUsername(ctx context.Context, username string) (*store.User, error)
	FinishSetup(ctx context.Context, id string, setup store.UserSetup) error
	UpdatePasswordHash(ctx context.Context, id, oldHash, newHash string) error
	DeviceByUser(ctx context.Context, userID string) (*store.Device, error)
	AdvanceStep(ctx context.Context, deviceID string, step int64) (bool, error)
	EnrollDevice(ctx context.Context, e store.Enrollment) error
	ReserveLoginAttempt(ctx context.Context, userID string, threshold int) (store.LoginCounters, bool, error)
	ConfirmLoginFailure(ctx context.Context, userID string, threshold int, reserved store.LoginCounters) (store.LoginCounters, error)
	ReleaseLoginAttempt(ctx context.Context, userID string) error
	RecordLoginSuccess(ctx context.Context, userID string) error
	ReserveOTPAttempt(ctx context.Context, userID string, threshold int) (int, bool, error)
	ConfirmOTPFailure(ctx context.Context, userID string, threshold, n int) (store.OTPCounters, error)
	RecordOTPSuccess(ctx context.Context, userID string) error
	UnusedRecoveryCodes(ctx context.Context, userID string) ([]store.RecoveryCode, error)
	UseRecoveryCode(ctx context.Context, id string) (bool, error)
	SelfResetDevice(ctx context.Context, flowID, userID string) error
	ConsumeProof(ctx context.Context, flowID, userID, proofHash string) error
	CreateLinkToken(ctx context.Context, t *store.LinkToken) error
	PeekLinkToken(ctx context.Context, hash, purpose string) (*store.LinkToken, error)
	ConsumeLinkToken(ctx context.Context, hash, purpose string) (*store.LinkToken, error)
	FlowAwaitingProof(ctx context.Context, browserHash, userID string) (*store.Flow, error)
	Audit(ctx context.Context, e *store.AuditEvent) error
	ClientByID(ctx context.Context, id string) (*store.Client, error)
	CreateSession(ctx context.Context, s *store.Session) error
	SessionByID(ctx context.Context, id string) (*store.Session, error)
	DeleteSession(ctx context.Context, id string) error
}

// Config is what the sign-in pages need to know.
type Config struct {
	// Secure: the issuer is https, so cookies are Secure and __Host- named.
	Secure            bool
	QuestionEnabled   bool
	MinPasswordLength int
	SessionLifetime   time.Duration
	// CallbackURL is the library's authorize callback for a finished flow.
	CallbackURL func(ctx context.Context, flowID string) string
	// AuthError sends an OAuth error for a flow to its client (used for
	// prompt=none without a session).
	AuthError func(w http.ResponseWriter, r *http.Request, f *store.Flow, err error)
	// LogoutKey signs logout confirmation links.
	LogoutKey [32]byte
	// MFAPolicy is MFAAlways, MFAPerUser or MFAPerClient.
	MFAPolicy string
	// TOTP are the passcode parameters; TOTPIssuer labels the account in
	// authenticator apps.
	TOTP       mfa.TOTP
	TOTPIssuer string
	// Sealer encrypts TOTP secrets and pending recovery codes at rest.
	Sealer Sealer
	// Rand is the source of secrets and recovery codes.
	Rand io.Reader
	// Lockout thresholds: consecutive wrong passcodes (or recovery codes
	// or proofs) lock until an admin reset; consecutive wrong passwords or
	// answers lock temporarily.
	OTPAttempts   int
	LoginAttempts int
	// SelfServiceReset lets a person reset a lost device with a recovery
	// code or an emailed link; off, only an administrator can.
	SelfServiceReset bool
	// ResetLinkLifetime bounds emailed links.
	ResetLinkLifetime time.Duration
	// Issuer is the configured issuer URL: emailed links are built from it,
	// never from the Host header.
	Issuer string
	// Notifier mails the person about security events; nil when mail is off.
	Notifier Notifier
	// AttemptsPerMinute limits sign-in form posts per client IP (password
	// spraying); 0 turns the limiter off.
	AttemptsPerMinute int
	// Observer counts events for metrics; nil counts nothing.
	Observer Observer
}

// Observer counts security events and failed attempts (for metrics).
type Observer interface {
	SecurityEvent(event string)
	SignInFailure(step string)
}

// Notifier tells a person about security events on their account.
type Notifier interface {
	ResetLink(ctx context.Context, u *store.User, link string, valid time.Duration) error
	DeviceReset(ctx context.Context, u *store.User) error
	DeviceEnrolled(ctx context.Context, u *store.User, app string) error
	AccountLocked(ctx context.Context, u *store.User) error
}

// Sealer encrypts small secrets bound to associated data.
type Sealer interface {
	Seal(plaintext, ad []byte) []byte
	Open(sealed, ad []byte) ([]byte, error)
}

// Handler serves the sign-in pages.
type Handler struct {
	store   Store
	hasher  *credential.Hasher
	render  *templates.Renderer
	cfg     Config
	cookies cookies
	log     *slog.Logger
}

// New returns the sign-in handler.
func New(st Store, hasher *credential.Hasher, r *templates.Renderer, cfg Config, log *slog.Logger) *Handler {
	return &Handler{store: st, hasher: hasher, render: r, cfg: cfg, cookies: newCookies(cfg.Secure), log: log}
}

// maxFormBytes bounds every sign-in form body.
const maxFormBytes = 64 << 10

// Mount registers the sign-in pages on e. Every route gets CSRF
// protection and a body limit; the caller adds security headers.
func (h *Handler) Mount(parent *echo.Group) {
	g := parent.Group("")
	g.Use(middleware.BodyLimit("64K"))
	g.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:csrf",
		CookieName:     h.cookies.name("csrf"),
		CookiePath:     "/",
		CookieSecure:   h.cfg.Secure,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		CookieMaxAge:   int((2 * time.Hour).Seconds()),
		ErrorHandler: func(err error, c echo.Context) error {
			return &PageError{Status: http.StatusForbidden, Message: templates.MsgCSRF}
		},
	}))
	limit := h.limiter()
	g.GET("/login/next", h.dispatch)
	g.GET("/login/password", h.passwordPage)
	g.POST("/login/password", h.passwordSubmit, limit)
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
	g.GET("/login/enroll-proof", h.proofPage)
	g.POST("/login/enroll-proof", h.proofSubmit, limit)
	g.GET("/login/proof", h.proofLink)
	g.GET("/login/locked", h.lockedPage)
	g.GET("/logout", h.logoutPage)
	g.POST("/logout", h.logoutSubmit)
	g.GET("/logged-out", h.loggedOut)
}

// loadFlow loads the flow named by the authRequestID parameter and checks
// that it is alive and belongs to this browser.
func (h *Handler) loadFlow(c echo.Context) (*store.Flow, error) {
	id := c.QueryParam("authRequestID")
	if id == "" {
		id = c.FormValue("authRequestID")
	}
	if id == "" || len(id) > 64 {
		return nil, pageError(http.StatusBadRequest, templates.MsgUnknownRequest, nil)
	}
	f, err := h.store.FlowByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, pageError(http.StatusNotFound, templates.MsgUnknownRequest, nil)
	}
	if err != nil {
		return nil, storeFault(err)
	}
	if f.DoneAt != nil || f.CodeHash != "" {
		return nil, pageError(http.StatusBadRequest, templates.MsgUnknownRequest, nil)
	}
	if !f.ExpiresAt.After(h.store.Now()) {
		return nil, pageError(http.StatusGone, templates.MsgFlowExpired, nil)
	}
	if f.BrowserHash == "" || f.BrowserHash != h.cookies.browserHash(c) {
		return nil, pageError(http.StatusForbidden, templates.MsgWrongBrowser, nil)
	}
	return f, nil
}

func nextURL(flowID string) string {
	return "/login/next?authRequestID=" + url.QueryEscape(flowID)
}

func stepURL(step Step, flowID string) string {
	return "/login/" + string(step) + "?authRequestID=" + url.QueryEscape(flowID)
}

// base fills what every page shows.
func (h *Handler) base(c echo.Context, f *store.Flow) templates.Base {
	b := templates.Base{MinPasswordLength: h.cfg.MinPasswordLength}
	if tok, ok := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string); ok {
		b.CSRF = tok
	}
	uiLocales := ""
	if f != nil {
		b.AuthRequestID = f.ID
		uiLocales = f.UILocales
		if cl, err := h.store.ClientByID(c.Request().Context(), f.ClientID); err == nil {
			b.ClientName = cl.Name
			if b.ClientName == "" {
				b.ClientName = cl.ID
			}
		}
	}
	if left, ok := c.Get(triesLeftKey).(int); ok {
		b.TriesLeft = left
	}
	b.Lang = h.lang(c, uiLocales)
	b.SwitchLang = switchURL(c, b.Lang)
	return b
}

// page renders a page with a status and the flow's security headers.
func (h *Handler) page(c echo.Context, status int, f *store.Flow, data any) error {
	setPageHeaders(c, f)
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
		id := c.QueryParam("id")
		if id == "" || len(id) > 64 {
			return pageError(http.StatusBadRequest, templates.MsgUnknownRequest, nil)
		}
		f, err := h.store.FlowByID(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return pageError(http.StatusNotFound, templates.MsgUnknownRequest, nil)
		}
		if err != nil {
			return storeFault(err)
		}
		if f.BrowserHash == "" || f.BrowserHash != h.cookies.browserHash(c) {
			return pageError(http.StatusForbidden, templates.MsgWrongBrowser, nil)
		}
		return next(c)
	}
}
