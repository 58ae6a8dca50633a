package admin

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// Input limits.
const (
	maxUsername = 128
	maxEmail    = 320 // RFC 5321's bound, and the column's
	// MinClientSecret is the shortest client secret accepted.
	MinClientSecret = 16
	// DefaultProofLifetime is how long a reset's enrollment code lives
	// unless the caller says otherwise; MinProofLifetime and
	// MaxProofLifetime bound what it may say.
	DefaultProofLifetime = 72 * time.Hour
	MinProofLifetime     = time.Minute
	MaxProofLifetime     = 30 * 24 * time.Hour
)

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// CheckUsername refuses a username that is empty, longer than 128
// characters or holds white space, after normalisation. Front ends may call
// it early; every action that takes a new username calls it too.
func CheckUsername(name string) error {
	n := store.NormalizeUsername(name)
	if n == "" || len(n) > maxUsername || strings.ContainsAny(n, " \t\r\n") {
		return invalid("username", "username is required (1-128 characters, no spaces)")
	}
	return nil
}

// CheckEmail refuses an email address that does not parse or is longer
// than 320 characters; empty is allowed (no address).
func CheckEmail(email string) error {
	if email == "" {
		return nil
	}
	if len(email) > maxEmail {
		return invalid("email", fmt.Sprintf("email must be at most %d characters", maxEmail))
	}
	if _, err := mail.ParseAddress(email); err != nil {
		return invalid("email", fmt.Sprintf("email %q is not an email address", email))
	}
	return nil
}

// checkPassword refuses a password the sign-in's setup step would refuse
// (credential.CheckNewPassword): empty, short, over-long, common or
// patterned, or containing the account's username or email address. A
// temporary password is a credential until it is changed.
func (s *Service) checkPassword(pw, username, email string) error {
	switch credential.CheckNewPassword(pw, s.minPW, username, email) {
	case credential.PasswordRequired:
		return invalid("password", "a password is required")
	case credential.PasswordTooShort:
		return invalid("password", fmt.Sprintf("the password must be at least %d characters long", s.minPW))
	case credential.PasswordTooLong:
		return invalid("password", "the password is too long")
	case credential.PasswordCommon:
		return invalid("password", "the password is too easy to guess (a common or leaked password, or a pattern such as repeated characters, keyboard rows or a word with digits)")
	case credential.PasswordContext:
		return invalid("password", "the password must not contain the username, the email address's local part or the product's name")
	}
	return nil
}

// CheckProofLifetime refuses an enrollment-code lifetime outside
// [MinProofLifetime, MaxProofLifetime].
func CheckProofLifetime(d time.Duration) error {
	if d < MinProofLifetime || d > MaxProofLifetime {
		return invalid("proof-lifetime", "proof-lifetime must be between 1m and 720h (30 days)")
	}
	return nil
}

// checkURIs refuses the first URI that check refuses.
func checkURIs(field string, uris []string, check func(string) error) error {
	for _, u := range uris {
		if err := check(u); err != nil {
			return invalid(field, fmt.Sprintf("%s %q: %v", field, u, err))
		}
	}
	return nil
}

// Check refuses a client that cannot be registered, naming the first
// problem; checkURI is the redirect URI rule (see Options).
func (nc NewClient) Check(checkURI func(string) error) error {
	if err := CheckName("name", nc.Name); err != nil {
		return err
	}
	if nc.RememberBrowser && (nc.EntraEAM || nc.SecondFactorOnly || nc.machine() || len(nc.GrantTypes) > 0) {
		// Their passcode is the only factor (or they sign nobody in): a
		// remembered browser must never skip it.
		return invalid("remember-browser", rememberRefused)
	}
	if nc.EntraEAM {
		return nc.checkEntra()
	}
	if nc.machine() || len(nc.GrantTypes) > 0 || len(nc.Scopes) > 0 {
		return nc.checkMachine()
	}
	switch {
	case !clientIDPattern.MatchString(nc.ID):
		return invalid("id", "id is required (1-64 of A-Z a-z 0-9 . _ -)")
	case nc.EntraAppID != "" || len(nc.EntraTenants) > 0:
		return invalid("entra-eam", "entra-eam is required with entra-app-id and entra-tenant")
	case !nc.SecondFactorOnly && (nc.TrustLoginHint || nc.JWKS != ""):
		return invalid("second-factor-only", "second-factor-only is required with trust-login-hint and jwks-file")
	case nc.PrivateKeyJWT && (!nc.SecondFactorOnly || nc.JWKS == ""):
		return invalid("private-key-jwt", "private-key-jwt goes with second-factor-only and jwks-file (the keys that sign its assertions)")
	case nc.PrivateKeyJWT && (nc.Secret != "" || nc.Public):
		return invalid("private-key-jwt", "private-key-jwt replaces the secret: give no secret, and not public")
	case nc.SecondFactorOnly && nc.Public && !nc.TrustLoginHint && nc.JWKS == "":
		return invalid("jwks-file", "jwks-file is required for a public second-factor-only client (its public keys, which sign the request objects naming the user), unless it is trusted with trust-login-hint")
	case nc.SecondFactorOnly && !nc.TrustLoginHint && nc.JWKS == "" && nc.Secret != "" && !credential.StrongClientSecret(nc.Secret):
		return invalid("secret", "secret is too weak to sign the request objects naming the user (HS256): "+
			"omit it to have one generated, or register public keys with jwks-file")
	}
	if nc.JWKS != "" {
		if err := protocol.CheckClientKeys(nc.JWKS); err != nil {
			return invalid("jwks-file", "jwks-file: "+err.Error())
		}
	}
	switch {
	case len(nc.RedirectURIs) == 0:
		return invalid("redirect-uri", "at least one redirect-uri is required")
	case nc.Public && nc.Secret != "":
		return invalid("secret", "a public client has no secret")
	case nc.Secret != "" && len(nc.Secret) < MinClientSecret:
		return invalid("secret", fmt.Sprintf("secret must be at least %d characters", MinClientSecret))
	case config.IsPlaceholderSecret(nc.Secret):
		return invalid("secret", placeholderMessage)
	}
	if err := CheckIDTokenAlg(nc.IDTokenAlg); err != nil {
		return err
	}
	if err := checkURIs("redirect-uri", nc.RedirectURIs, checkURI); err != nil {
		return err
	}
	return checkURIs("post-logout-uri", nc.PostLogoutURIs, checkURI)
}

// machine reports whether nc is a machine client (the client credentials
// grant).
func (nc NewClient) machine() bool {
	return slices.Contains(nc.GrantTypes, store.GrantClientCredentials)
}

// adminScopes are the scopes a machine client may be granted.
var adminScopes = []string{store.ScopeAdminRead, store.ScopeAdminWrite}

// checkMachine refuses a machine client without the client credentials
// grant and a known scope, or with what such a client never has: another
// grant, redirect URIs, a public client's missing secret, a mode.
func (nc NewClient) checkMachine() error {
	for _, g := range nc.GrantTypes {
		if g != store.GrantClientCredentials {
			return invalid("grant", fmt.Sprintf("grant %q is not supported: client_credentials is the only grant a client is registered with", g))
		}
	}
	switch {
	case !clientIDPattern.MatchString(nc.ID):
		return invalid("id", "id is required (1-64 of A-Z a-z 0-9 . _ -)")
	case !nc.machine():
		return invalid("grant", "scope goes with grant client_credentials (a machine client)")
	case len(nc.Scopes) == 0:
		return invalid("scope", "scope is required with grant client_credentials: admin:read, admin:write or both")
	case nc.Public || nc.PrivateKeyJWT:
		return invalid("grant", "a client_credentials client authenticates with a secret: not public, no private-key-jwt")
	case len(nc.RedirectURIs) > 0 || len(nc.PostLogoutURIs) > 0:
		return invalid("redirect-uri", "a client_credentials client signs nobody in: give it no redirect-uri or post-logout-uri")
	case nc.SecondFactorOnly || nc.TrustLoginHint || nc.JWKS != "":
		return invalid("grant", "grant client_credentials does not go with second-factor-only")
	case nc.Secret != "" && len(nc.Secret) < MinClientSecret:
		return invalid("secret", fmt.Sprintf("secret must be at least %d characters", MinClientSecret))
	case config.IsPlaceholderSecret(nc.Secret):
		return invalid("secret", placeholderMessage)
	}
	for _, s := range nc.Scopes {
		if !slices.Contains(adminScopes, s) {
			return invalid("scope", fmt.Sprintf("scope %q is not one a client can be granted (admin:read, admin:write)", s))
		}
	}
	return nil
}

// guidPattern is an Entra id (tenant, application, object): a GUID.
var guidPattern = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// checkEntra refuses an Entra client without its application and
// tenants (GUIDs), or with what such a client never has: a secret, a
// public client's PKCE, redirect URIs of its own (Microsoft's are
// fixed), logout URIs, or ID tokens signed otherwise than RS256.
func (nc NewClient) checkEntra() error {
	switch {
	case !clientIDPattern.MatchString(nc.ID):
		return invalid("id", "id is required (1-64 of A-Z a-z 0-9 . _ -)")
	case !guidPattern.MatchString(nc.EntraAppID):
		return invalid("entra-app-id", "entra-app-id is required: the application (client) id of the Entra app registration, a GUID")
	case len(nc.EntraTenants) == 0:
		return invalid("entra-tenant", "entra-tenant is required (at least one): the directory (tenant) id, a GUID")
	case nc.Secret != "" || nc.Public:
		return invalid("entra-eam", "an Entra external authentication method has no secret and is not a public client")
	case len(nc.RedirectURIs) > 0:
		return invalid("redirect-uri", "redirect-uri is not taken with entra-eam: Microsoft's addresses are registered")
	case len(nc.PostLogoutURIs) > 0:
		return invalid("post-logout-uri", "post-logout-uri is not taken with entra-eam")
	case nc.IDTokenAlg != "" && nc.IDTokenAlg != "RS256":
		return invalid("id-token-alg", "an Entra external authentication method is answered with RS256")
	}
	for _, t := range nc.EntraTenants {
		if !guidPattern.MatchString(t) {
			return invalid("entra-tenant", fmt.Sprintf("entra-tenant %q is not a tenant id (a GUID)", t))
		}
	}
	return nil
}

// CheckIDTokenAlg refuses an ID token signing algorithm otpgate does not
// sign with; empty (the default, RS256) is allowed. The names are matched
// exactly, as JOSE spells them.
func CheckIDTokenAlg(alg string) error {
	if _, err := protocol.IDTokenAlgorithm(alg); err != nil {
		return invalid("id-token-alg", fmt.Sprintf("id-token-alg must be one of %s (got %q)", protocol.AlgorithmNames(), alg))
	}
	return nil
}

// Check refuses a change whose URIs checkURI refuses, whose ID token
// algorithm is not one otpgate signs with, or whose single URIs to add
// and remove contradict each other or the whole list it replaces. Whether
// the client has the URIs is checked against the stored client
// (UpdateClient).
func (c ClientChange) Check(checkURI func(string) error) error {
	if c.Name != nil {
		if err := CheckName("name", *c.Name); err != nil {
			return err
		}
	}
	if c.IDTokenAlg != nil {
		if err := CheckIDTokenAlg(*c.IDTokenAlg); err != nil {
			return err
		}
	}
	if err := redirectEdit.check(c.RedirectURIs, c.AddRedirectURIs, c.RemoveRedirectURIs, checkURI); err != nil {
		return err
	}
	return postLogoutEdit.check(c.PostLogoutURIs, c.AddPostLogoutURIs, c.RemovePostLogoutURIs, checkURI)
}

// uriEditFields name the inputs that replace a URI list, add to it and
// remove from it.
type uriEditFields struct{ replace, add, remove string }

var (
	redirectEdit   = uriEditFields{"redirect-uri", "add-redirect-uri", "remove-redirect-uri"}
	postLogoutEdit = uriEditFields{"post-logout-uri", "add-post-logout-redirect-uri", "remove-post-logout-redirect-uri"}
)

// check refuses a list replaced and edited at once, a URI given twice to
// add or to remove or given to both, and a URI to add (or the new list)
// that checkURI refuses. URIs to remove are not checked against the rule:
// one registered under an older rule must still be removable.
func (f uriEditFields) check(replace *[]string, add, remove []string, checkURI func(string) error) error {
	if replace != nil {
		if len(add)+len(remove) > 0 {
			return invalid(f.replace, fmt.Sprintf("%s replaces the whole list and cannot go with %s or %s", f.replace, f.add, f.remove))
		}
		return checkURIs(f.replace, *replace, checkURI)
	}
	for i, uri := range add {
		switch {
		case slices.Contains(add[:i], uri):
			return invalid(f.add, fmt.Sprintf("%s %q is given twice", f.add, uri))
		case slices.Contains(remove, uri):
			return invalid(f.add, fmt.Sprintf("%s %q is also given to %s", f.add, uri, f.remove))
		}
	}
	for i, uri := range remove {
		if slices.Contains(remove[:i], uri) {
			return invalid(f.remove, fmt.Sprintf("%s %q is given twice", f.remove, uri))
		}
	}
	return checkURIs(f.add, add, checkURI)
}

// placeholderMessage refuses a secret copied from an example.
const placeholderMessage = "secret is a placeholder from an example, not a real one: leave it out and one is generated"

// rememberRefused refuses remember-browser for a client whose passcode is
// the only factor (factor-only, Entra) or that signs nobody in.
const rememberRefused = "remember-browser is for clients that sign people in with a password first, not factor-only, Entra or machine clients"
