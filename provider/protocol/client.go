package protocol

import (
	"context"
	"errors"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/store"
)

// client adapts a stored client to op.Client.
type client struct {
	row        *store.Client
	loginURL   func(authRequestID string) string
	idLifetime time.Duration
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.row.ID }
func (c *client) RedirectURIs() []string           { return c.row.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.row.PostLogoutRedirectURIs }

// ApplicationType is native for public clients (so custom schemes and
// loopback redirects are allowed) and web otherwise.
func (c *client) ApplicationType() op.ApplicationType {
	if c.row.Public {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

// AuthMethod is none for public clients. Confidential clients are marked
// client_secret_basic; the library accepts the secret in the form body too.
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.row.Public {
		return oidc.AuthMethodNone
	}
	if c.row.UsesPrivateKeyJWT() {
		return oidc.AuthMethodPrivateKeyJWT
	}
	return oidc.AuthMethodBasic
}

// ResponseTypes is code only: no implicit or hybrid flows.
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

// GrantTypes: the authorization code and refresh token grants, or the
// client credentials grant alone for a machine client.
func (c *client) GrantTypes() []oidc.GrantType {
	if c.row.UsesClientCredentials() {
		return []oidc.GrantType{oidc.GrantTypeClientCredentials}
	}
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}

func (c *client) LoginURL(id string) string           { return c.loginURL(id) }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return c.idLifetime }
func (c *client) DevMode() bool                       { return false }
func (c *client) ClockSkew() time.Duration            { return 0 }

// IDTokenUserinfoClaimsAssertion puts the profile and email claims the
// scopes grant into the ID token too, not only behind userinfo.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) IsScopeAllowed(scope string) bool     { return false }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// GetClientByClientID loads a client; only a database fault is a server
// error. An unknown client is invalid_client (401 at the token endpoint,
// RFC 6749 §5.2): the refresh grant passes this error on as it is, and a
// plain error would become a 500 server_error any caller could provoke.
func (s *Storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.store.ClientByID(ctx, id)
	noteFault(ctx, err)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return &client{row: c, loginURL: s.loginURL, idLifetime: s.life.IDToken}, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret. A secret
// that matches an argon2id hash and is strong enough for the fast hash
// (credential.StrongClientSecret) is stored again in the fast form, unless
// the secret changed meanwhile.
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
	ok, upgrade, verr := s.secrets.Verify(ctx, id, secret, hash)
	if verr != nil {
		// Hashing at capacity (credential.ErrBusy) is answered like a
		// storage fault: 503, retry shortly.
		noteFault(ctx, verr)
		return oidc.ErrServerError().WithParent(verr)
	}
	if !ok {
		return errors.New("invalid client credentials")
	}
	if upgrade != "" {
		if err := s.store.ReplaceClientSecretHash(ctx, id, hash, upgrade); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "could not store the client secret's fast hash", "client_id", id, "error", err)
		}
	}
	return nil
}
