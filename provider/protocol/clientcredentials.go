package protocol

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/store"
)

// The client credentials grant (RFC 6749 §4.4) serves machine clients:
// automation calling the admin API gets an access token for itself, for
// the scopes it was granted, with no user and no refresh token.

var _ op.ClientCredentialsStorage = (*Storage)(nil)

// ClientCredentials authenticates a client by its secret: a wrong secret
// or an unknown id is invalid_client. An authenticated client that is no
// machine client is returned too: its GrantTypes lack the grant, so the
// library answers unauthorized_client (RFC 6749 §5.2) and issues nothing.
func (s *Storage) ClientCredentials(ctx context.Context, clientID, clientSecret string) (op.Client, error) {
	if err := s.AuthorizeClientIDSecret(ctx, clientID, clientSecret); err != nil {
		if e := (*oidc.Error)(nil); errors.As(err, &e) && e.ErrorType == oidc.ServerError {
			return nil, err
		}
		return nil, oidc.ErrInvalidClient().WithDescription("invalid client credentials")
	}
	c, err := s.store.ClientByID(ctx, clientID)
	noteFault(ctx, err)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &client{row: c, loginURL: s.loginURL, idLifetime: s.life.IDToken}, nil
}

// ClientCredentialsTokenRequest is the token a machine client asked for:
// the scopes it asked for, each one it was granted (all of them when it
// asked for none); a scope it was not granted is invalid_scope.
func (s *Storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c, err := s.store.ClientByID(ctx, clientID)
	noteFault(ctx, err)
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	if len(scopes) == 0 {
		scopes = slices.Clone([]string(c.AllowedScopes))
	}
	for _, sc := range scopes {
		if !slices.Contains(c.AllowedScopes, sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q was not granted to this client", sc)
		}
	}
	if len(scopes) == 0 {
		return nil, oidc.ErrInvalidScope().WithDescription("this client was granted no scope")
	}
	return clientCredentialsRequest{clientID: clientID, scopes: scopes}, nil
}

// clientCredentialsRequest is a machine client's token request: its
// subject is the client itself.
type clientCredentialsRequest struct {
	clientID string
	scopes   []string
}

func (r clientCredentialsRequest) GetSubject() string    { return r.clientID }
func (r clientCredentialsRequest) GetAudience() []string { return []string{r.clientID} }
func (r clientCredentialsRequest) GetScopes() []string   { return r.scopes }

// issueClientToken stores a machine client's access token.
func (s *Storage) issueClientToken(ctx context.Context, r clientCredentialsRequest) (string, time.Time, error) {
	at := s.newAccessToken("", "", r.clientID, "", r.scopes, r.GetAudience())
	if err := s.store.IssueAccessToken(ctx, at); err != nil {
		noteFault(ctx, err)
		return "", time.Time{}, oidc.ErrServerError().WithParent(err)
	}
	s.observeToken("client_credentials")
	return at.ID, at.ExpiresAt, nil
}

// ClientAccessToken is a live access token a machine client was issued
// for itself, as the admin API checks it.
type ClientAccessToken struct {
	ClientID string
	Scopes   []string
}

// ErrNotClientToken: the token is no live token of a machine client.
var ErrNotClientToken = errors.New("not a live token of a machine client")

// VerifyClientToken checks a bearer token for the admin API: a live
// access token a machine client was issued for itself (the token's
// subject, its client and its row's client agree, and it names no user).
func (s *Storage) VerifyClientToken(ctx context.Context, crypto op.Crypto, token string) (*ClientAccessToken, error) {
	plain, err := crypto.Decrypt(token)
	if err != nil {
		return nil, ErrNotClientToken
	}
	id, subject, ok := strings.Cut(plain, ":")
	if !ok || id == "" || subject == "" {
		return nil, ErrNotClientToken
	}
	at, err := s.store.AccessTokenByID(ctx, id)
	noteFault(ctx, err)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNotClientToken
		}
		return nil, fmt.Errorf("read access token: %w", err)
	}
	if at.UserID != "" || at.ClientID != subject || at.RevokedAt != nil || !at.ExpiresAt.After(s.store.Now()) {
		return nil, ErrNotClientToken
	}
	c, err := s.store.ClientByID(ctx, at.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && !c.UsesClientCredentials()):
		// A client removed or changed since keeps no power.
		return nil, ErrNotClientToken
	case err != nil:
		return nil, fmt.Errorf("read client: %w", err)
	}
	return &ClientAccessToken{ClientID: at.ClientID, Scopes: at.Scopes}, nil
}
