package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/web"
	"github.com/otpgate/otpgate/templates"
)

// LogoutURL is where the end_session endpoint sends the browser: a
// confirmation page carrying the (already validated) post-logout redirect
// and a signature over it, so the page can never be used to redirect
// anywhere else.
func LogoutURL(key [32]byte, redirect string) string {
	q := url.Values{}
	q.Set("redirect", redirect)
	q.Set("sig", signRedirect(key, redirect))
	return "/logout?" + q.Encode()
}

func signRedirect(key [32]byte, redirect string) string {
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte("logout-redirect\x00" + redirect))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verifiedRedirect returns the signed redirect of a logout request, or the
// local signed-out page when it is missing or not signed by us.
func (h *Handler) verifiedRedirect(redirect, sig string) string {
	if redirect == "" {
		return "/logged-out"
	}
	for _, key := range append([][32]byte{h.cfg.LogoutKey}, h.cfg.LogoutKeysAccepted...) {
		if hmac.Equal([]byte(sig), []byte(signRedirect(key, redirect))) {
			return redirect
		}
	}
	return "/logged-out"
}

func (h *Handler) logoutPage(c echo.Context) error {
	redirect, sig := c.QueryParam("redirect"), c.QueryParam("sig")
	b := h.base(c, nil)
	target := h.verifiedRedirect(redirect, sig)
	if target != "/logged-out" {
		web.AllowFormAction(c, target)
	} else {
		// Do not echo an unverified redirect anywhere on the page.
		redirect, sig = "", ""
		b.SwitchLang = "/logout?lang=" + templates.OtherLang(b.Lang)
	}
	page := templates.LogoutPage{Base: b, Action: "/logout", PostLogoutRedirectURI: redirect, State: sig}
	if uri, id := c.QueryParam("unregistered"), c.QueryParam("client"); target == "/logged-out" && uri != "" && id != "" {
		// The end_session endpoint refused the application's return
		// address: name both, so that an administrator can register it.
		// Named in the page's text only: never in a link or a form.
		if name := h.svc.ClientName(c.Request().Context(), id); name != "" {
			page.UnregisteredURI, page.UnregisteredClient = uri, name
		}
	}
	return h.page(c, http.StatusOK, nil, page)
}

// logoutSubmit ends the browser session after the person confirmed.
func (h *Handler) logoutSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	target := h.verifiedRedirect(c.FormValue("post_logout_redirect_uri"), c.FormValue("state"))
	if c.FormValue("cancel") != "" {
		// Cancel: the session stays. The application that asked gets its
		// browser back at its (verified) address; otherwise say so here.
		if target == "/logged-out" {
			return h.page(c, http.StatusOK, nil, templates.LoggedOutPage{Base: h.base(c, nil), StillSignedIn: true})
		}
		web.AllowFormAction(c, target)
		return seeOther(c, target)
	}
	if err := h.svc.EndSession(ctx, h.cookies.Get(c, "session")); err != nil {
		return pageErrorFor(err)
	}
	h.cookies.Set(c, "session", "", -1)
	web.AllowFormAction(c, target)
	return seeOther(c, target)
}

func (h *Handler) loggedOut(c echo.Context) error {
	return h.page(c, http.StatusOK, nil, templates.LoggedOutPage{Base: h.base(c, nil)})
}
