package login

import (
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/web"
)

// dispatch is GET /login/next: the single place that decides where a flow
// goes next. /authorize sends the browser here first; a step that cannot
// tell where its journey stands comes back here.
func (h *Handler) dispatch(c echo.Context) error {
	ctx := c.Request().Context()
	r := h.request(c)
	r.Browser = h.cookies.EnsureBrowser(c)
	// An unbound flow is bound to this browser on its first visit.
	j, err := h.svc.Arrive(ctx, r)
	if err != nil {
		return pageErrorFor(err)
	}
	f := j.Flow
	if f.PasswordAt == nil && f.FirstFactor == store.FirstFactorOurs {
		// A factor-only flow always asks for its passcode: a single
		// sign-on session never stands in for it.
		done, err := h.svc.UseSession(ctx, f, h.cookies.Get(c, "session"), h.rememberedHash(c))
		if err != nil {
			return pageErrorFor(err)
		}
		if done {
			return c.Redirect(http.StatusFound, h.cfg.CallbackURL(ctx, f.ID))
		}
		if slices.Contains(f.Prompt, oidc.PromptNone) {
			h.cfg.AuthError(c.Response(), c.Request(), f, oidc.ErrLoginRequired())
			return nil
		}
	}
	step := j.Next()
	if step == signin.StepDone {
		return h.finish(c, j)
	}
	return h.show(c, j)
}

// finish marks a journey done, starts a new browser session and answers
// the relying party with the code (or hands the flow to the library's
// callback, which issues it). A finished sign-in is a privilege change:
// the write that finishes it moves the browser to a new binding, and the
// CSRF token is renewed at the next page.
func (h *Handler) finish(c echo.Context, j *signin.Journey) error {
	ctx := c.Request().Context()
	// The browser becomes (or stays) a known browser of the account.
	j.DeviceCookie = h.cookies.EnsureDevice(c, h.policy.KnownBrowserLifetime)
	j.Lang = h.cookies.LangOf(c, j.Flow.UILocales)
	binding := h.nextBinding(c)
	j.NewBinding = binding.Hash
	done, err := h.svc.Finish(ctx, j, h.cookies.Get(c, "session"))
	if errors.Is(err, signin.ErrUnmetACR) {
		h.cfg.AuthError(c.Response(), c.Request(), j.Flow, err)
		return nil
	}
	if err != nil {
		return pageErrorFor(err)
	}
	h.cookies.Adopt(c, binding)
	if done.Session != "" {
		h.cookies.Set(c, "session", done.Session, h.policy.SessionLifetime)
	}
	h.cookies.Set(c, "csrf", "", -1)
	if j.Flow.ResponseMode == string(oidc.ResponseModeFormPost) && h.cfg.FormPostResponse != nil {
		return h.cfg.FormPostResponse(c, j.Flow)
	}
	if done.Code != "" && h.cfg.CodeResponse != nil {
		h.cfg.CodeResponse(c.Response(), c.Request(), j.Flow, done.Code)
		return nil
	}
	return c.Redirect(http.StatusFound, h.cfg.CallbackURL(ctx, j.Flow.ID))
}

// newBindingKey keeps the binding a request moves the browser to.
const newBindingKey = "otpgate.newBinding"

// nextBinding is the binding this request moves the browser to if it
// passes a privilege change (made once per request: the passcode step's
// write may finish the flow, and the finish then adopts the same one).
func (h *Handler) nextBinding(c echo.Context) web.Binding {
	if b, ok := c.Get(newBindingKey).(web.Binding); ok {
		return b
	}
	b := h.cookies.NewBinding()
	c.Set(newBindingKey, b)
	return b
}
