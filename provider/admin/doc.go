// Package admin is the operator's side of otpgate: adding and changing
// users and clients, resetting a lost device, lifting a lock, reading the
// audit log. The CLI calls it today; an HTTP API and a web console will
// call the same methods, so every rule an operator action obeys lives here
// once, not in each front end.
//
// Every action that changes something goes through one sequence (apply.go):
// make the change, revoke what it must revoke, write one audit event naming
// the actor, then notify the user when mail is on. An action whose audit
// event cannot be written fails with ErrNotAudited even though its change
// was made, so that no front end reports success for an unrecorded change.
//
// Invariants: no password, secret, enrollment code, link token or hash is
// ever written into an audit event or a log line; the enrollment code of a
// device reset is returned once, to the caller, and only its argon2id hash
// is stored. A client secret is stored as a hash; a factor-only
// confidential client's is also kept sealed (sealedsecret.go), because it
// is the HS256 key of the request objects naming its users, and no other
// client's ever is.
//
// The package imports neither echo nor gorm: it declares the few store
// methods it needs (store.go), takes its clock from the store's Now, its
// randomness from an io.Reader, its encryption from a one-method Sealer and
// its mail from a one-method Sender.
package admin
