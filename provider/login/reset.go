package login

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

// The lost-device page is reached from the passcode step; the service
// requires a proof of possession (a recovery code or an emailed link).

func (h *Handler) resetPage(c echo.Context) error {
	j, ok, err := h.expectReset(c)
	if !ok {
		return err
	}
	return h.renderReset(c, http.StatusOK, j, h.base(c, j.Flow), false)
}

// expectReset is expect at the passcode step of a sign-in that offers a
// lost-device reset; one that does not (a typed username's) goes back to
// its passcode page.
func (h *Handler) expectReset(c echo.Context) (*signin.Journey, bool, error) {
	j, ok, err := h.expect(c, signin.StepOTP)
	if ok && !signin.CanReset(j) {
		return nil, false, seeOther(c, stepURL(signin.StepOTP, j.Flow.ID))
	}
	return j, ok, err
}

func (h *Handler) renderReset(c echo.Context, status int, j *signin.Journey, b templates.Base, sent bool) error {
	return h.page(c, status, j.Flow, templates.ResetPage{Base: b,
		RecoveryAllowed: h.policy.SelfServiceReset,
		EmailAllowed:    h.svc.CanEmailReset(j),
		EmailSent:       sent,
		BackURL:         stepURL(signin.StepOTP, j.Flow.ID),
	})
}

// resetSubmit checks a recovery code.
func (h *Handler) resetSubmit(c echo.Context) error {
	j, ok, err := h.expectReset(c)
	if !ok {
		return err
	}
	r, err := h.svc.ResetWithRecoveryCode(c.Request().Context(), j, c.FormValue("recovery_code"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Passed || r.Outcome == signin.Moved {
		return h.advance(c, j, r)
	}
	return h.renderReset(c, statusOf(r), j, h.problem(c, j.Flow, r), false)
}

// resetEmail mails a single-use reset link for this flow.
func (h *Handler) resetEmail(c echo.Context) error {
	j, ok, err := h.expectReset(c)
	if !ok {
		return err
	}
	r, err := h.svc.EmailResetLink(c.Request().Context(), j)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.renderReset(c, statusOf(r), j, h.problem(c, j.Flow, r), r.Outcome == signin.Passed)
}

// resetLink is the emailed link, opened in the browser of the sign-in
// that asked for it, at its passcode step.
func (h *Handler) resetLink(c echo.Context) error {
	return h.linkOr(c, store.LinkReset, signin.StepOTP, h.svc.ResetWithLink, h.linkCodePage)
}

// linkCodePage answers the reset link opened on another device than the
// sign-in's (the phone that reads the mail): a code to type there, not a
// dead end.
func (h *Handler) linkCodePage(c echo.Context, token string) error {
	code, valid, err := h.svc.LinkCode(c.Request().Context(), token)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.page(c, http.StatusOK, nil, templates.LinkCodePage{Base: h.base(c, nil),
		Code: code[:3] + " " + code[3:], Minutes: int((valid + time.Minute - 1) / time.Minute)})
}

// resetCode is the code an emailed link showed in another browser, typed
// in the sign-in's own.
func (h *Handler) resetCode(c echo.Context) error {
	j, ok, err := h.expectReset(c)
	if !ok {
		return err
	}
	r, err := h.svc.ResetWithLinkCode(c.Request().Context(), j, c.FormValue("link_code"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Passed || r.Outcome == signin.Moved {
		return h.advance(c, j, r)
	}
	return h.renderReset(c, statusOf(r), j, h.problem(c, j.Flow, r), false)
}

// link applies an emailed link of purpose to the sign-in it names, which
// must be at step in this browser.
func (h *Handler) link(c echo.Context, purpose string, step signin.Step,
	apply func(ctx context.Context, j *signin.Journey, token string) (signin.Result, error)) error {
	return h.linkOr(c, purpose, step, apply, nil)
}

// linkOr is link; a link opened in another browser than its sign-in's is
// answered by elsewhere, when given, instead of the wrong-browser page.
func (h *Handler) linkOr(c echo.Context, purpose string, step signin.Step,
	apply func(ctx context.Context, j *signin.Journey, token string) (signin.Result, error),
	elsewhere func(c echo.Context, token string) error) error {
	ctx := c.Request().Context()
	token := c.QueryParam("token")
	req := h.request(c)
	id, err := h.svc.LinkFlow(ctx, token, purpose, req.Browser)
	if err != nil {
		return pageErrorFor(err)
	}
	req.FlowID = id
	wrongBrowser := false
	j, ok, err := h.expectLoaded(c, []signin.Step{step}, func() (*signin.Journey, error) {
		j, err := h.svc.Load(ctx, req)
		wrongBrowser = errors.Is(err, signin.ErrWrongBrowser)
		return j, err
	})
	if wrongBrowser && elsewhere != nil {
		return elsewhere(c, token)
	}
	if !ok {
		return err
	}
	r, err := apply(ctx, j, token)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.advance(c, j, r)
}
