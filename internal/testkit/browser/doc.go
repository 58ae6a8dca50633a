// Package browser is otpgate's one HTML test browser: a cookie jar that
// loads pages, follows redirects itself until the relying party's host,
// fills and submits the real POST forms with all their hidden fields (the
// CSRF token, the authorization request id) and reads the stable contract
// of DESIGN.md ("Stable contract for themes and black-box tests"): the
// <body data-step>, the role="alert" message, the setup key and its
// otpauth:// URI, and the recovery codes.
//
// It is plain Go (no testing import) so that the provider's end-to-end
// tests, the command's multi-process tests and the load driver
// cmd/otpgate-load share it. Methods return errors; tests wrap them.
//
// Requests go where they are addressed, unless Route names a base URL for
// each request (one replica in turn, as a load balancer would): the
// replicas of a fleet are 127.0.0.1 on different ports and cookies ignore
// ports, so one jar serves them all.
package browser
