package login

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) passwordPage(c echo.Context) error { return h.stepPage(c, signin.StepPassword) }

func (h *Handler) showPassword(c echo.Context, j *signin.Journey) error {
	f := j.Flow
	return h.page(c, http.StatusOK, f, h.withSources(templates.PasswordPage{Base: h.base(c, f), Username: f.LoginHint,
		LinkAccepted: f.SignInLinkUser != ""}, ""))
}

// withSources fills what the password page says of the directory that
// checks its passwords, and the choice of source beside it (source is
// the one chosen, "" for the default), and the upstream providers it
// offers.
func (h *Handler) withSources(p templates.PasswordPage, source string) templates.PasswordPage {
	for _, u := range h.svc.Upstreams() {
		p.Upstreams = append(p.Upstreams, templates.UpstreamButton{ID: u.ID(), Name: u.Name()})
	}
	dir := h.svc.Directory()
	if dir == nil {
		return p
	}
	p.DirectoryName = dir.Name()
	if h.svc.Config().LocalPasswords {
		p.Sources = []templates.PasswordSource{{Value: dir.ID(), Label: dir.Name(), Checked: source != signin.SourceLocal},
			{Value: signin.SourceLocal, Checked: source == signin.SourceLocal}}
	}
	return p
}

// passwordSubmit checks the username and password; every failure gets the
// same message and status.
func (h *Handler) passwordSubmit(c echo.Context) error {
	username := c.FormValue("username")
	j, ok, err := h.expectLoaded(c, []signin.Step{signin.StepPassword}, func() (*signin.Journey, error) {
		return h.svc.LoadNaming(c.Request().Context(), h.request(c), username)
	})
	if !ok {
		return err
	}
	// A passed password is a privilege change: the write that records it
	// moves the browser to a new binding, and the browser gets it.
	binding := h.nextBinding(c)
	j.NewBinding = binding.Hash
	source := c.FormValue("source")
	r, err := h.svc.PasswordFrom(c.Request().Context(), j, source, username, c.FormValue("password"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Invalid || r.Outcome == signin.Rejected || r.Outcome == signin.Limited {
		retryAfter(c, r)
		return h.page(c, statusOf(r), j.Flow, h.withSources(templates.PasswordPage{Base: h.problem(c, j.Flow, r),
			Username: strings.TrimSpace(username), OfferLink: r.OfferLink}, source))
	}
	h.cookies.Adopt(c, binding)
	return h.advance(c, j, r)
}

// retryAfter states a temporary lock's wait in the Retry-After header too.
func retryAfter(c echo.Context, r signin.Result) {
	if r.Outcome == signin.Limited && r.RetryMinutes > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(r.RetryMinutes*60))
	}
}

// signInLinkEmail mails a sign-in link for this sign-in past the bound of
// failures from unknown browsers (asked for at the password step, or at
// the question step); the page says the same whatever the name and
// whether a mail went out.
func (h *Handler) signInLinkEmail(c echo.Context) error {
	j, ok, err := h.expectOneOf(c, h.request(c), signin.StepPassword, signin.StepQuestion)
	if !ok {
		return err
	}
	username := strings.TrimSpace(c.FormValue("username"))
	r, err := h.svc.EmailSignInLink(c.Request().Context(), j, username)
	if err != nil {
		return pageErrorFor(err)
	}
	sent := r.Outcome == signin.Passed
	if j.Next() == signin.StepQuestion {
		return h.page(c, statusOf(r), j.Flow, templates.QuestionPage{Base: h.problem(c, j.Flow, r),
			Question: j.User.Question, LinkSent: sent})
	}
	return h.page(c, statusOf(r), j.Flow, templates.PasswordPage{Base: h.problem(c, j.Flow, r),
		Username: username, LinkSent: sent})
}

// signInLink is the emailed sign-in link, opened in the browser of the
// sign-in that asked for it, at its password or question step.
func (h *Handler) signInLink(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.QueryParam("token")
	req := h.request(c)
	id, err := h.svc.LinkFlow(ctx, token, store.LinkSignIn, req.Browser)
	if err != nil {
		return pageErrorFor(err)
	}
	req.FlowID = id
	j, ok, err := h.expectOneOf(c, req, signin.StepPassword, signin.StepQuestion)
	if !ok {
		return err
	}
	r, err := h.svc.SignInWithLink(ctx, j, token)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.advance(c, j, r)
}
