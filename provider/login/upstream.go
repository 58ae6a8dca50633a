package login

import (
	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/templates"
)

// upstreamStart is the password page's button of an upstream provider
// (POST /login/connector/:id, CSRF-checked): the flow keeps a new state,
// nonce and PKCE verifier, and the browser goes to the upstream.
func (h *Handler) upstreamStart(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepPassword)
	if !ok {
		return err
	}
	to, r, err := h.svc.StartUpstream(c.Request().Context(), j, c.Param("id"))
	if err != nil {
		return pageErrorFor(err)
	}
	if to == "" {
		return h.page(c, statusOf(r), j.Flow, h.withSources(templates.PasswordPage{Base: h.problem(c, j.Flow, r)}, ""))
	}
	return seeOther(c, to)
}

// upstreamCallback is the upstream's answer (GET
// /login/connector/:id/callback, a top-level navigation that brings the
// browser's binding cookie): the flow that sent its state, in this
// browser, passes its first factor, or its password page says why not.
func (h *Handler) upstreamCallback(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	a := signin.UpstreamAnswer{Connector: c.Param("id"), State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"),
		Issuer: q.Get("iss"), Request: signin.Request{Browser: h.cookies.BrowserHash(c), IP: c.RealIP()}}
	j, ok, err := h.expectLoaded(c, []signin.Step{signin.StepPassword}, func() (*signin.Journey, error) {
		return h.svc.UpstreamFlow(ctx, a)
	})
	if !ok {
		return err
	}
	// A passed first factor is a privilege change, as the password's.
	binding := h.nextBinding(c)
	j.NewBinding = binding.Hash
	r, err := h.svc.UpstreamCallback(ctx, j, a)
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome != signin.Passed && r.Outcome != signin.Moved {
		return h.page(c, statusOf(r), j.Flow, h.withSources(templates.PasswordPage{Base: h.problem(c, j.Flow, r)}, ""))
	}
	h.cookies.Adopt(c, binding)
	return h.advance(c, j, r)
}
