// Package clock is a frozen test clock: its time changes only when the
// test calls Advance, Set or NextTOTPStep, never with the wall clock. A test
// passes Now to store.Store.Clock (and so to the provider, which reads the
// store's time), and every passcode it computes is for the step the server
// sees, whatever the machine's load.
//
// Invariant: Now is the same value for every caller until the test moves
// the clock; all methods are safe for concurrent use.
package clock
