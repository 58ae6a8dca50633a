// Package login is otpgate's browser sign-in: one dispatcher that decides
// the next step of a flow, and one handler per step.
//
// Invariants: steps never route to each other, every step's POST verifies,
// records what passed, and redirects to the dispatcher (GET /login/next);
// only the dispatcher marks a flow done, and only when Next says so; a flow
// is bound to the browser that first opened it, so knowing its id is not
// enough to finish it.
package login
