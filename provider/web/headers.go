package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// SecurityHeaders sets the headers every browser page carries: a strict
// CSP that forbids framing, nosniff, no referrer, and no caching (pages
// hold one-time state and, later, secrets).
func SecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		setPageHeaders(h)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// setPageHeaders sets the headers shared by pages and error pages.
func setPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp(""))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// AllowFormAction widens the page's form-action to the origin of target
// (or its scheme, for a native app's custom scheme): browsers check a
// form's whole redirect chain, ending at the client's redirect URI, against
// form-action. A target that yields no safe source leaves the CSP as it is.
// The caller vouches for target (a registered or signed redirect URI) and
// for more (an upstream provider's authorization endpoint, which a form
// of the page redirects through).
func AllowFormAction(c echo.Context, target string, more ...string) {
	var srcs []string
	for _, t := range append([]string{target}, more...) {
		if src := cspSource(t); src != "" && !slices.Contains(srcs, src) {
			srcs = append(srcs, src)
		}
	}
	if len(srcs) > 0 {
		c.Response().Header().Set("Content-Security-Policy", csp(strings.Join(srcs, " ")))
	}
}

// csp builds the policy; extra is another form-action source.
func csp(extra string) string {
	formAction := "'self'"
	if extra != "" {
		formAction += " " + extra
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
}

// cspSource is the CSP source expression matching a redirect URI: its
// origin for http(s), its scheme for a native app's custom scheme; "" when
// the URI has none or would break out of the policy.
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

// hstsMaxAge is how long browsers keep to https for the issuer's host: a
// year, the common floor for preload lists.
const hstsMaxAge = "max-age=31536000"

// StrictTransport tells browsers to reach this host only over https. It
// belongs on every response of an https issuer (the TLS may end at a proxy
// in front of otpgate) and on none of a plain-http development issuer.
func StrictTransport(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Strict-Transport-Security", hstsMaxAge)
		return next(c)
	}
}

// StrictTransportOnTLS sends HSTS on the answers to requests that came
// over TLS: otpgate's built-in TLS listener (server.tls_cert_file) serves
// https whatever scheme the issuer names, and browsers ignore the header
// over plain http anyway.
func StrictTransportOnTLS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().TLS != nil {
			c.Response().Header().Set("Strict-Transport-Security", hstsMaxAge)
		}
		return next(c)
	}
}
