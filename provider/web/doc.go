// Package web holds what every browser page of otpgate shares, defined
// once: the security headers and the Content-Security-Policy, the error
// page every failed request ends on, and the cookies.
//
// Invariants: every page and every error page carries the same CSP, with
// frame-ancestors 'none', and nosniff, no referrer and no caching; a page's
// form-action is widened only to a redirect target its caller vouches for.
// An error page shows a status and a translated message, never the error
// behind it, which goes to the log. Every cookie the provider sets is built
// by Cookies (__Host- named, Secure, HttpOnly, SameSite=Lax, Path=/ on an
// https issuer), and a cookie that is absent or oversized reads as "". The
// built-in demo relying party is not the provider: its cookies are the
// ones zitadel's relying-party library signs and encrypts.
//
// The package knows echo and the templates, not the sign-in rules nor the
// store: handlers map their own errors onto a PageError.
package web
