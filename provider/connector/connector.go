// Package connector is what otpgate's sign-in needs of a first factor it
// does not own: a directory whose password the password page checks
// (PasswordConnector), or an upstream OpenID provider a button sends the
// browser to (CallbackConnector). Either vouches for an Identity; otpgate links it to an
// account (store.UserLink, provider "connector:<id>") and runs its
// passcode step after it, as for its own accounts.
package connector

import (
	"context"
	"errors"
	"slices"
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
	// AMR and ACR are how an upstream provider authenticated the person
	// (its ID token's amr and acr, as it sent them); empty for a
	// directory.
	AMR []string
	ACR string
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

// CallbackConnector is an upstream provider the browser is sent to (an
// OpenID provider): its answer comes back to otpgate's callback.
type CallbackConnector interface {
	// ID is the connector's configured id; Name is shown to people.
	ID() string
	Name() string
	// AuthURL is where the browser signs in at the upstream, with state,
	// nonce and the S256 PKCE challenge; ErrUnavailable (wrapped) when the
	// upstream cannot be reached.
	AuthURL(ctx context.Context, state, nonce, codeChallenge string) (string, error)
	// Exchange redeems the upstream's code with the PKCE verifier and
	// returns the Identity its verified ID token (whose nonce must be
	// nonce) vouches for; ErrRefused (wrapped) when the answer or its
	// token is not acceptable, ErrUnavailable (wrapped) when the
	// upstream cannot be reached.
	Exchange(ctx context.Context, code, verifier, nonce string) (Identity, error)
	// Issuer is the upstream's issuer (an answer naming another is
	// refused, RFC 9207).
	Issuer() string
	// AuthEndpoint is the upstream's authorization endpoint (its issuer
	// until discovered): the password page's forms redirect to it.
	AuthEndpoint() string
	// MFATrust is whether, and when, the upstream's MFA stands for
	// otpgate's passcode.
	MFATrust() MFATrust
	// Check reads the upstream's discovery document and key set (for
	// otpgate connectors test).
	Check(ctx context.Context) error
}

// ErrRefused: the upstream's answer is not acceptable (a token with a
// wrong issuer, audience, signature, nonce or expiry, or without the
// claims the configuration needs); nothing is said to the person beyond
// that.
var ErrRefused = errors.New("connector: upstream answer refused")

// MFATrust is a connector's trust in its upstream's own second factor
// (configuration trust_upstream_mfa and mfa_acr_values).
type MFATrust struct {
	// Trust: an upstream ID token whose amr says "mfa" stands for
	// otpgate's passcode.
	Trust bool
	// ACRValues, when set, are the upstream acr values that must also be
	// met (one of them).
	ACRValues []string
}

// Accepts reports whether an upstream's amr and acr prove a second factor
// this trust accepts. Only "mfa" counts (RFC 8176: "multiple-factor
// authentication"): a method name alone (otp, hwk, swk, sms...) says which
// proof was used, not that it was a second factor besides another (a
// passkey or an emailed code may be the only one).
func (t MFATrust) Accepts(amr []string, acr string) bool {
	if !t.Trust || !slices.Contains(amr, "mfa") {
		return false
	}
	return len(t.ACRValues) == 0 || slices.Contains(t.ACRValues, acr)
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
