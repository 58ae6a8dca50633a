package protocol

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// Storage implements op.Storage on the database.
type Storage struct {
	store  *store.Store
	keys   *Keys
	hasher *credential.Hasher
	// secrets checks client secrets (fast hashes, and a cache for slow ones).
	secrets *credential.ClientSecrets
	life    Lifetimes
	log     *slog.Logger
	// loginURL is where /authorize sends the browser (the dispatcher).
	loginURL func(id string) string
	// logoutURL builds the confirmation page a logout request is sent to.
	logoutURL func(redirect string) string
	tokens    TokenObserver
}

// Config is what a Storage is built from.
type Config struct {
	Store     *store.Store
	Keys      *Keys
	Hasher    *credential.Hasher
	Lifetimes Lifetimes
	Logger    *slog.Logger
	// LoginURL is where /authorize sends the browser (the sign-in
	// dispatcher) for the auth request with this id.
	LoginURL func(authRequestID string) string
	// LogoutURL builds the confirmation page a logout request is sent to.
	LogoutURL func(redirect string) string
	// Tokens counts token responses; nil counts nothing.
	Tokens TokenObserver
}

// TokenObserver counts the token responses by grant
// ("authorization_code", "refresh_token").
type TokenObserver interface {
	TokenIssued(grant string)
}

// NewStorage returns the op.Storage of the provider.
func NewStorage(c Config) *Storage {
	return &Storage{store: c.Store, keys: c.Keys, hasher: c.Hasher, life: c.Lifetimes, log: c.Logger,
		secrets:  credential.NewClientSecrets(c.Hasher, c.Store.Now),
		loginURL: c.LoginURL, logoutURL: c.LogoutURL, tokens: c.Tokens}
}

var (
	_ op.Storage                        = (*Storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*Storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*Storage)(nil)
)

func newID() string { return rand.Text() }

// TerminateSession is not used: logout goes through
// TerminateSessionFromRequest, which sends the browser to a confirmation page.
func (s *Storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	return errors.New("logout requires confirmation")
}

// TerminateSessionFromRequest sends the browser to otpgate's own logout
// confirmation page; the (already validated) redirect travels signed.
func (s *Storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	return s.logoutURL(req.RedirectURI), nil
}

// SigningKey returns the active key of the algorithm the request's client
// signs its ID tokens with (WithClientAlgorithm), RS256 when the request
// names no client. Reloading the key set reads the database: a failure
// there is a fault, not a broken key.
func (s *Storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg, err := clientAlgorithm(ctx)
	if err != nil {
		return nil, err
	}
	k, err := s.keys.signing(ctx, alg)
	noteFault(ctx, err)
	return k, err
}

// SignatureAlgorithms lists the algorithms ID tokens are signed with.
func (s *Storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return slices.Clone(SigningAlgorithms), nil
}

// KeySet returns every public key that can verify a live token.
func (s *Storage) KeySet(ctx context.Context) ([]op.Key, error) { return s.keys.published(ctx) }

// GetKeyByIDAndClientID is a registered public key of a client that
// authenticates with private_key_jwt (a factor-only client without a
// secret), to check its client assertions; every other client has none.
// The JWT profile grant, which asks for keys the same way, stays refused
// by ValidateJWTProfileScopes.
func (s *Storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, err := s.store.ClientByID(ctx, clientID)
	noteFault(ctx, err)
	if err != nil || !c.UsesPrivateKeyJWT() {
		return nil, oidc.ErrInvalidClient().WithDescription("client assertions are not accepted for this client")
	}
	set, err := clientKeys(c.JWKS)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithDescription("the client's keys are unusable")
	}
	for i, k := range set.Keys {
		if k.KeyID == keyID || (keyID == "" && len(set.Keys) == 1) {
			return &set.Keys[i], nil
		}
	}
	return nil, oidc.ErrInvalidClient().WithDescription("the assertion is signed with a key the client did not register")
}

// ValidateJWTProfileScopes refuses: the JWT profile grant is not offered.
func (s *Storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnauthorizedClient().WithDescription("JWT profile grant is not supported")
}

// GetPrivateClaimsFromScopes adds nothing to access tokens (they are opaque).
func (s *Storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// Health reports whether the database answers.
func (s *Storage) Health(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.store.Ping(ctx)
}
