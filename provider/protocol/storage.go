package protocol

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
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
	life   Lifetimes
	log    *slog.Logger
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
		loginURL: c.LoginURL, logoutURL: c.LogoutURL, tokens: c.Tokens}
}

var (
	_ op.Storage                        = (*Storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*Storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*Storage)(nil)
)

func newID() string { return rand.Text() }

// CreateAuthRequest stores a validated authorization request as a new
// sign-in flow. It enforces what the library leaves to storage: PKCE is
// S256 only, and public clients must use it.
func (s *Storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if req.CodeChallenge == "" && req.CodeChallengeMethod != "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method without code_challenge")
	}
	c, err := s.store.ClientByID(ctx, req.ClientID)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if c.Public && req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE (code_challenge with S256) is required for this client")
	}
	if req.ResponseMode != "" && req.ResponseMode != oidc.ResponseModeQuery {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_mode=query is supported")
	}
	if len(req.LoginHint) > 320 || len(req.ACRValues) > 16 || len(req.UILocales) > 16 {
		return nil, oidc.ErrInvalidRequest().WithDescription("login_hint, acr_values or ui_locales is too long")
	}
	// acr_values are voluntary (OIDC Core 3.1.2.1): values otpgate does not
	// know are ignored and the token's acr says what really happened; the
	// multi-factor value always demands the second factor (signin.WantsMFA).
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_type=code is supported")
	}
	now := s.store.Now()
	f := &store.Flow{
		ID: newID(),
		FlowRequest: store.FlowRequest{
			ClientID:            req.ClientID,
			RedirectURI:         req.RedirectURI,
			Scopes:              slices.Clone([]string(req.Scopes)),
			State:               req.State,
			Nonce:               req.Nonce,
			ResponseType:        string(req.ResponseType),
			ResponseMode:        string(req.ResponseMode),
			CodeChallenge:       req.CodeChallenge,
			CodeChallengeMethod: string(req.CodeChallengeMethod),
			Prompt:              slices.Clone([]string(req.Prompt)),
			UILocales:           uiLocales(req.UILocales),
			LoginHint:           req.LoginHint,
			ACRValues:           strings.Join(req.ACRValues, " "),
			IDTokenHintSubject:  hintSubject,
		},
		FlowProgress: store.FlowProgress{AMR: store.StringList{}},
		CreatedAt:    now,
		ExpiresAt:    now.Add(s.life.Flow),
	}
	if req.MaxAge != nil {
		v := int64(*req.MaxAge)
		f.MaxAge = &v
	}
	if err := s.store.CreateFlow(ctx, f); err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return authRequest{f: f}, nil
}

func uiLocales(tags oidc.Locales) string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.String())
	}
	return strings.Join(out, " ")
}

// AuthRequestByID returns an unexpired flow; the library's callback then
// refuses it unless Done() is true.
func (s *Storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	f, err := s.store.FlowByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !f.ExpiresAt.After(s.store.Now()) {
		return nil, errors.New("auth request expired")
	}
	return authRequest{f: f}, nil
}

// AuthRequestByCode returns the flow of an unused code. A code presented a
// second time revokes everything issued from it.
func (s *Storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	f, err := s.store.FlowByCode(ctx, credential.HashToken(code))
	noteFault(ctx, err)
	if err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			s.log.WarnContext(ctx, "authorization code replayed; tokens revoked")
		}
		return nil, err
	}
	u, err := s.store.UserByID(ctx, f.UserID)
	noteFault(ctx, err)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, errors.New("account disabled")
	}
	return authRequest{f: f, u: u}, nil
}

// SaveAuthCode stores the code's hash on a finished flow.
func (s *Storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.store.SaveCode(ctx, id, credential.HashToken(code), s.life.Code)
}

// DeleteAuthRequest does nothing. The library calls it only after the
// tokens of a redeemed code were committed; the flow must stay (until the
// cleanup job removes it after expiry) so that a replayed code is
// recognised, and a database hiccup here must not turn a completed
// exchange into an error whose retry would look like a replay.
func (s *Storage) DeleteAuthRequest(context.Context, string) error { return nil }

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

// SigningKey returns the active signing key.
func (s *Storage) SigningKey(ctx context.Context) (op.SigningKey, error) { return s.keys.signing(ctx) }

// SignatureAlgorithms lists the algorithms of the key set.
func (s *Storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet returns every public key that can verify a live token.
func (s *Storage) KeySet(ctx context.Context) ([]op.Key, error) { return s.keys.published(ctx) }

// GetClientByClientID loads a client; only a database fault is a server error.
func (s *Storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.store.ClientByID(ctx, id)
	noteFault(ctx, err)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("unknown client")
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &client{row: c, loginURL: s.loginURL, idLifetime: s.life.IDToken}, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret.
func (s *Storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.store.ClientByID(ctx, id)
	noteFault(ctx, err)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return oidc.ErrServerError().WithParent(err)
	}
	hash := ""
	if err == nil && !c.Public {
		hash = c.SecretHash
	}
	ok, verr := s.hasher.Verify(secret, hash)
	if verr != nil {
		return oidc.ErrServerError().WithParent(verr)
	}
	if !ok {
		return errors.New("invalid client credentials")
	}
	return nil
}

// GetKeyByIDAndClientID refuses: the JWT profile grant is not offered.
func (s *Storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, oidc.ErrUnauthorizedClient().WithDescription("JWT profile grant is not supported")
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
