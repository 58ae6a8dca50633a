// Package signin holds the rules of otpgate's sign-in, apart from the web:
// the order of the steps (Next), what each step checks and records, the
// lockout, enrollment and recovery rules, and the events they produce. The
// browser pages (provider/login) and every future sign-in mode (a factor-only
// mode, a directory's first factor) are adapters that parse input, call one
// method per step and render its typed result.
//
// Invariants: a flow identifies one account for good; a step's method
// verifies, records what passed and never routes to another step; only
// Finish marks a flow done, and only when Next says every required step
// passed; a passcode is accepted once (its time step is recorded by one
// conditional update); every second-factor guess is reserved before it is
// checked, so racing requests never check more guesses than the lockout
// allows; a password or answer is counted against the budget of its
// browser (a known browser's own, or the account's for unknown browsers,
// bounded in a row), and a name that is no account gets the same answers
// from counters of its own (throttle.go); a storage failure accepts
// nothing (fail closed).
//
// The package imports neither echo nor gorm: it depends on the small store
// interfaces in store.go, an injected clock and random source, and one
// Events sink that writes the audit row, counts the metric and sends the
// mail.
package signin
