package admin

import (
	"github.com/otpgate/otpgate/provider/credential"

	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// Input limits.
const (
	maxUsername = 128
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

// CheckEmail refuses an email address that does not parse; empty is
// allowed (no address).
func CheckEmail(email string) error {
	if email == "" {
		return nil
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
	switch {
	case !clientIDPattern.MatchString(nc.ID):
		return invalid("id", "id is required (1-64 of A-Z a-z 0-9 . _ -)")
	case len(nc.RedirectURIs) == 0:
		return invalid("redirect-uri", "at least one redirect-uri is required")
	case nc.Public && nc.Secret != "":
		return invalid("secret", "a public client has no secret")
	case nc.Secret != "" && len(nc.Secret) < MinClientSecret:
		return invalid("secret", fmt.Sprintf("secret must be at least %d characters", MinClientSecret))
	}
	if err := CheckIDTokenAlg(nc.IDTokenAlg); err != nil {
		return err
	}
	if err := checkURIs("redirect-uri", nc.RedirectURIs, checkURI); err != nil {
		return err
	}
	return checkURIs("post-logout-uri", nc.PostLogoutURIs, checkURI)
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

// Check refuses a change whose URIs checkURI refuses, or whose ID token
// algorithm is not one otpgate signs with.
func (c ClientChange) Check(checkURI func(string) error) error {
	if c.IDTokenAlg != nil {
		if err := CheckIDTokenAlg(*c.IDTokenAlg); err != nil {
			return err
		}
	}
	if c.RedirectURIs != nil {
		if err := checkURIs("redirect-uri", *c.RedirectURIs, checkURI); err != nil {
			return err
		}
	}
	if c.PostLogoutURIs != nil {
		return checkURIs("post-logout-uri", *c.PostLogoutURIs, checkURI)
	}
	return nil
}
