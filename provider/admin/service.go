package admin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/store"
)

// PasswordHasher hashes a secret (a password, an enrollment code; a
// client secret with HashClientSecret) into its stored form;
// *credential.Hasher is one.
type PasswordHasher interface {
	Hash(secret string) string
	HashClientSecret(secret string) string
}

// Sealer encrypts a small secret bound to associated data;
// *credential.Sealer is one.
type Sealer interface {
	Seal(plaintext, ad []byte) []byte
}

// Sender sends one mail; *mail.SMTP and *mail.LogSender are senders.
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

// Options configure a Service.
type Options struct {
	// Store is the database (required).
	Store Store
	// Hasher hashes passwords, client secrets and enrollment codes (required).
	Hasher PasswordHasher
	// Sealer seals the secret of a factor-only confidential client, which
	// otpgate must read to verify the HS256 request objects it signs
	// (required; the provider's encryption key).
	Sealer Sealer
	// Random is the source of user ids, generated secrets, enrollment codes
	// and link tokens (required; crypto/rand.Reader in production).
	Random io.Reader
	// Mail, when not nil, mails the user what an action hands them (the
	// enrollment link of a device reset). Nil means mail is off.
	Mail Sender
	// Issuer is the provider's public URL, the base of emailed links.
	Issuer string
	// MinPasswordLength is the shortest password accepted, in characters.
	MinPasswordLength int
	// CheckRedirectURI refuses a redirect or post-logout URI a client may
	// not register (the configuration's rule, config.CheckRedirectURI).
	// Nil accepts any absolute URI without a fragment.
	CheckRedirectURI func(uri string) error
	// MailLocale is the default language (for users who have not signed
	// in yet; a sign-in records its own), the time zone and the product's
	// name of the mails.
	MailLocale mail.Locale
}

// Service performs the operator's actions. It is safe for concurrent use
// when its store, hasher, random source and sender are.
type Service struct {
	store    Store
	hasher   PasswordHasher
	sealer   Sealer
	rand     io.Reader
	mail     Sender
	issuer   string
	minPW    int
	checkURI func(string) error
	locale   mail.Locale
}

// New returns a service; it fails when a required option is missing.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Hasher == nil || o.Sealer == nil || o.Random == nil {
		return nil, errors.New("admin: Store, Hasher, Sealer and Random are required")
	}
	check := o.CheckRedirectURI
	if check == nil {
		check = absoluteURI
	}
	return &Service{store: o.Store, hasher: o.Hasher, sealer: o.Sealer, rand: o.Random, mail: o.Mail,
		issuer: strings.TrimSuffix(o.Issuer, "/"), minPW: o.MinPasswordLength, checkURI: check,
		locale: o.MailLocale}, nil
}

// absoluteURI is the fallback redirect URI rule.
func absoluteURI(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URI")
	case !u.IsAbs() || u.Host == "":
		return errors.New("must be an absolute URI")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return errors.New("must not have a fragment")
	}
	return nil
}

// newToken returns 32 random bytes, base64url-encoded: an unguessable
// bearer value (a generated client secret, an emailed link's token).
func (s *Service) newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newUserID returns a new account id (store.NewUserID).
func (s *Service) newUserID() (string, error) { return store.NewUserID(s.rand) }

// mailLocale is how a mail speaks to u: the language of u's last sign-in,
// else the configured one.
func (s *Service) mailLocale(u *store.User) mail.Locale { return s.locale.For(u.Lang) }
