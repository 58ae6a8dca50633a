package protocol

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// Lifetimes are how long what the provider issues stays valid.
type Lifetimes struct {
	Flow         time.Duration
	Code         time.Duration
	AccessToken  time.Duration
	IDToken      time.Duration
	RefreshToken time.Duration
	Session      time.Duration
	// SessionIdle ends a browser session unused for that long (0: off).
	SessionIdle time.Duration
	// RefreshReuse is how long a rotated refresh token may be presented
	// again by its client (parallel refreshes) without revoking its
	// family; 0 refuses any second use.
	RefreshReuse time.Duration
}

// CreateAccessToken issues an access token without a refresh token.
func (s *Storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	if cr, ok := req.(clientCredentialsRequest); ok {
		return s.issueClientToken(ctx, cr)
	}
	ar, ok := req.(authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	at := s.newAccessToken(ar.f.ID, "", ar.f.ClientID, ar.f.UserID, ar.f.Scopes, ar.GetAudience())
	if err := s.store.IssueFromCode(ctx, ar.f.ID, store.TokenSet{Access: at}); err != nil {
		return "", time.Time{}, codeError(ctx, err)
	}
	s.observeToken("authorization_code")
	return at.ID, at.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens issues an access token and a refresh token,
// either for a redeemed code (a new refresh family) or by rotating the
// current refresh token.
func (s *Storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	switch r := req.(type) {
	case authRequest:
		f := r.f
		value := credential.NewToken()
		rt := s.newRefreshToken(value, newID(), f.ID, f.ClientID, f.UserID, f.Scopes, r.GetAudience(), f.AMR, f.ACR, r.GetAuthTime())
		rt.IDP = f.Connector
		at := s.newAccessToken(f.ID, rt.ID, f.ClientID, f.UserID, f.Scopes, r.GetAudience())
		if err := s.store.IssueFromCode(ctx, f.ID, store.TokenSet{Access: at, Refresh: rt}); err != nil {
			return "", "", time.Time{}, codeError(ctx, err)
		}
		s.observeToken("authorization_code")
		return at.ID, value, at.ExpiresAt, nil
	case *refreshRequest:
		old := r.row
		value := credential.NewToken()
		rt := s.newRefreshToken(value, old.FamilyID, old.GrantID, old.ClientID, old.UserID, r.scopes, old.Audience, old.AMR, old.ACR, old.AuthTime)
		rt.IDP = old.IDP
		at := s.newAccessToken(old.GrantID, rt.ID, old.ClientID, old.UserID, r.scopes, old.Audience)
		if err := s.store.RotateRefreshToken(ctx, credential.HashToken(current), store.TokenSet{Access: at, Refresh: rt}, s.life.RefreshReuse); err != nil {
			if errors.Is(err, store.ErrAlreadyUsed) || errors.Is(err, store.ErrNotFound) {
				return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token is invalid or was already used")
			}
			noteFault(ctx, err)
			return "", "", time.Time{}, oidc.ErrServerError().WithParent(err)
		}
		s.observeToken("refresh_token")
		return at.ID, value, at.ExpiresAt, nil
	default:
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
}

// codeError maps a failure to redeem a code: a used or unknown code is
// invalid_grant; anything else is a database fault, noted so that the
// token endpoint answers 503 temporarily_unavailable (the code was not
// redeemed and stays good for a retry).
func codeError(ctx context.Context, err error) error {
	if errors.Is(err, store.ErrAlreadyUsed) || errors.Is(err, store.ErrNotFound) {
		return oidc.ErrInvalidGrant().WithDescription("code is invalid or was already used")
	}
	noteFault(ctx, err)
	return oidc.ErrServerError().WithParent(err)
}

func (s *Storage) newAccessToken(grantID, refreshID, clientID, userID string, scopes, audience []string) *store.AccessToken {
	now := s.store.Now()
	return &store.AccessToken{
		ID: newID(), GrantID: grantID, RefreshTokenID: refreshID, ClientID: clientID, UserID: userID,
		Scopes: scopes, Audience: audience, CreatedAt: now, ExpiresAt: now.Add(s.life.AccessToken),
	}
}

func (s *Storage) newRefreshToken(value, familyID, grantID, clientID, userID string, scopes, audience, amr []string, acr string, authTime time.Time) *store.RefreshToken {
	now := s.store.Now()
	return &store.RefreshToken{
		ID: newID(), TokenHash: credential.HashToken(value), FamilyID: familyID, GrantID: grantID,
		ClientID: clientID, UserID: userID, Scopes: scopes, Audience: audience, AMR: amr, ACR: acr,
		AuthTime: authTime, CreatedAt: now, ExpiresAt: now.Add(s.life.RefreshToken),
	}
}

// TokenRequestByRefreshToken loads the request a refresh token stands for.
// A replayed token (rotated longer than the reuse interval ago) revokes
// its whole family.
func (s *Storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	rt, u, err := s.store.RefreshTokenByHash(ctx, credential.HashToken(token), s.life.RefreshReuse)
	noteFault(ctx, err)
	if err != nil {
		if errors.Is(err, store.ErrAlreadyUsed) {
			s.log.WarnContext(ctx, "refresh token replayed; family revoked")
		}
		return nil, fmt.Errorf("refresh token: %w", err)
	}
	if u == nil || u.Disabled {
		return nil, errors.New("refresh token: account unavailable")
	}
	return &refreshRequest{row: rt, user: u, scopes: rt.Scopes}, nil
}

// GetRefreshTokenInfo identifies a refresh token for revocation.
func (s *Storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	rt, err := s.store.RefreshTokenRow(ctx, credential.HashToken(token))
	noteFault(ctx, err)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", "", op.ErrInvalidRefreshToken
		}
		return "", "", err
	}
	return rt.UserID, rt.ID, nil
}

// RevokeToken revokes an access token by id, or a refresh token (by its
// row id) together with its family. Unknown tokens are not an error (RFC
// 7009); a token of another client is.
func (s *Storage) RevokeToken(ctx context.Context, tokenID, userID, clientID string) *oidc.Error {
	rt, err := s.store.RefreshTokenRowByID(ctx, tokenID)
	noteFault(ctx, err)
	if err == nil {
		if rt.ClientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		if err := s.store.RevokeFamily(ctx, rt.FamilyID); err != nil {
			noteFault(ctx, err)
			return oidc.ErrServerError().WithParent(err)
		}
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return oidc.ErrServerError().WithParent(err)
	}
	at, err := s.store.AccessTokenByID(ctx, tokenID)
	noteFault(ctx, err)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if at.ClientID != clientID {
		return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
	}
	if err := s.store.RevokeAccessToken(ctx, at.ID); err != nil {
		noteFault(ctx, err)
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *Storage) observeToken(grant string) {
	if s.tokens != nil {
		s.tokens.TokenIssued(grant)
	}
}
