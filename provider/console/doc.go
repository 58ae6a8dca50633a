// Package console is the administrator's web console at /admin: plain
// server-rendered pages over the admin service (the same actions as the
// CLI and the admin API, audited with the actor "console:" and the
// administrator's username). Who may use it, and how they sign in, is the
// portal's business (package portal): an administrator, signed in with the
// passcode; every POST carries the form's CSRF token.
//
// Invariants: an enrollment code or a client secret is only ever in the
// body of the answer to the POST that made it (Cache-Control: no-store),
// never in a URL, a redirect or the log. Every other action answers with
// Post/Redirect/Get, its outcome a short key in the query ("done"), never
// data. Bad input gets a 4xx page with a translated alert, never a 500.
package console
