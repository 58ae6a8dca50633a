package login

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/templates"
)

func (h *Handler) passwordPage(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepPassword)
	if !ok {
		return err
	}
	f := j.Flow
	return h.page(c, http.StatusOK, f, templates.PasswordPage{Base: h.base(c, f), Username: f.LoginHint,
		LinkAccepted: f.SignInLinkUser != ""})
}

// passwordSubmit checks the username and password; every failure gets the
// same message and status.
func (h *Handler) passwordSubmit(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepPassword)
	if !ok {
		return err
	}
	username := c.FormValue("username")
	r, err := h.svc.Password(c.Request().Context(), j, username, c.FormValue("password"))
	if err != nil {
		return pageErrorFor(err)
	}
	if r.Outcome == signin.Invalid || r.Outcome == signin.Rejected || r.Outcome == signin.Limited {
		return h.page(c, statusOf(r), j.Flow, templates.PasswordPage{Base: h.problem(c, j.Flow, r),
			Username: strings.TrimSpace(username), OfferLink: r.OfferLink})
	}
	return h.advance(c, j, r)
}

// signInLinkEmail mails a sign-in link for this sign-in past the bound of
// failures from unknown browsers; the page says the same whatever the
// name and whether a mail went out.
func (h *Handler) signInLinkEmail(c echo.Context) error {
	j, ok, err := h.expect(c, signin.StepPassword)
	if !ok {
		return err
	}
	username := strings.TrimSpace(c.FormValue("username"))
	r, err := h.svc.EmailSignInLink(c.Request().Context(), j, username)
	if err != nil {
		return pageErrorFor(err)
	}
	return h.page(c, statusOf(r), j.Flow, templates.PasswordPage{Base: h.problem(c, j.Flow, r),
		Username: username, LinkSent: r.Outcome == signin.Passed})
}

// signInLink is the emailed sign-in link, opened in the browser of the
// sign-in that asked for it, at its password step.
func (h *Handler) signInLink(c echo.Context) error {
	return h.link(c, store.LinkSignIn, signin.StepPassword, h.svc.SignInWithLink)
}
