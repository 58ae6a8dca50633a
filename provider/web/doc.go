// Package web holds what every browser page of otpgate shares, defined
// once: the security headers and the Content-Security-Policy, the error
// page every failed request ends on, and the cookies.
//
// Invariants: every page and every error page carries the same CSP (form-
// action widened only to a redirect target the caller vouches for), with
// frame-ancestors 'none', nosniff, no referrer and no caching; an error
// page shows a status and a translated message, never the error behind it;
// every cookie otpgate sets is built by Cookies (__Host- named, Secure,
// HttpOnly, SameSite=Lax, Path=/ on an https issuer), and a cookie that is
// absent or oversized reads as "".
//
// The package knows echo and the templates, not the sign-in rules nor the
// store: handlers map their own errors onto a PageError.
package web
