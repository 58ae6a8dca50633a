// Package connector is what otpgate's sign-in needs of a first factor it
// does not own: a directory whose password the password page checks
// (PasswordConnector), or an upstream OpenID provider a button sends the
// browser to. Either vouches for an Identity; otpgate links it to an
// account (store.UserLink, provider "connector:<id>") and runs its
// passcode step after it, as for its own accounts.
package connector

import (
	"context"
	"errors"
)

// Identity is a person as a connector vouched for them.
type Identity struct {
	// Subject is the connector's stable, never reused identifier of the
	// person (a directory's entryUUID or objectGUID; an upstream's issuer
	// and sub). Accounts are linked by it, never by a name.
	Subject string
	// Username, Email and Name fill the account (created on the first
	// sign-in, updated on later ones).
	Username, Email, Name string
	// Groups the person is a member of, when the connector searched them.
	Groups []string
}

// PasswordConnector checks a username and password (a directory).
type PasswordConnector interface {
	// ID is the connector's configured id.
	ID() string
	// Name is shown to people.
	Name() string
	// Login checks username and password: the Identity when they are
	// right; ErrInvalidCredentials when the name is no person the
	// connector may sign in (none, disabled, filtered out) or the password
	// is wrong; a *PolicyError when the directory's password policy
	// refuses; ErrUnavailable (wrapped) when the directory cannot be
	// reached or answers otherwise.
	Login(ctx context.Context, username, password string) (Identity, error)
	// Check connects and binds with the service account and runs the user
	// search's base once (for otpgate connectors test).
	Check(ctx context.Context) error
}

// ErrInvalidCredentials: the username or password is not right.
var ErrInvalidCredentials = errors.New("connector: invalid username or password")

// ErrUnavailable: the connector's upstream cannot be reached or did not
// answer as expected; nothing was decided about the person.
var ErrUnavailable = errors.New("connector: upstream unavailable")

// PolicyReason is why a directory's password policy refused a sign-in.
type PolicyReason string

// The reasons a directory's password policy gives.
const (
	// PasswordExpired: the password is right but expired.
	PasswordExpired PolicyReason = "password_expired"
	// MustChange: the password is right but was set by an administrator
	// and must be changed first.
	MustChange PolicyReason = "must_change"
	// AccountLocked: the directory locked the account.
	AccountLocked PolicyReason = "account_locked"
)

// PolicyError is a refusal by the directory's password policy.
type PolicyError struct {
	Reason PolicyReason
	// PasswordRight: the directory said the password itself was right
	// (expired, must change); the sign-in still does not pass.
	PasswordRight bool
}

func (e *PolicyError) Error() string { return "connector: password policy: " + string(e.Reason) }

// LinkProvider is the store.UserLink provider of a connector's identities.
func LinkProvider(connectorID string) string { return "connector:" + connectorID }
