package login

import (
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/otpgate/otpgate/provider/store"
)

// SecurityHeaders sets the headers every browser page carries: a strict
// CSP that forbids framing, nosniff, no referrer, and no caching (pages
// hold one-time state and, later, secrets).
func SecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp(""))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// csp builds the policy; extra is another form-action source, needed
// because browsers check a form's whole redirect chain (ending at the
// client's redirect URI) against form-action.
func csp(extra string) string {
	formAction := "'self'"
	if extra != "" {
		formAction += " " + extra
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
}

// setPageHeaders widens form-action to the flow's redirect target.
func setPageHeaders(c echo.Context, f *store.Flow) {
	if f == nil {
		return
	}
	if src := cspSource(f.RedirectURI); src != "" {
		c.Response().Header().Set("Content-Security-Policy", csp(src))
	}
}

// cspSource is the CSP source expression matching a redirect URI: its
// origin for http(s), its scheme for a native app's custom scheme.
func cspSource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ""
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		if u.Host == "" || strings.ContainsAny(u.Host, " ;'") {
			return ""
		}
		return u.Scheme + "://" + u.Host
	}
	if strings.ContainsAny(u.Scheme, " ;'") {
		return ""
	}
	return u.Scheme + ":"
}
