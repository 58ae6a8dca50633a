package protocol

import (
	"context"
	"errors"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/store"
)

// SetUserinfoFromScopes is deprecated by the library; SetUserinfoFromRequest does the work.
func (s *Storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's user claims and the
// authentication context (acr) that the library only reads from an
// authorization request, so that refreshed ID tokens keep it too.
func (s *Storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	var u *store.User
	switch r := req.(type) {
	case authRequest:
		u = r.u
	case *refreshRequest:
		u = r.user
	}
	if u != nil {
		// Loaded before the tokens were committed: no database read now.
		fillUserinfo(info, u, scopes)
		if r, ok := req.(authRequest); ok && (r.f.FirstFactor == store.FirstFactorCaller || r.f.FirstFactor == store.FirstFactorNamed) {
			// The caller named the user: it checks the answer names the
			// same one, whatever the scopes.
			info.PreferredUsername = u.Username
		}
	} else if err := s.setUserinfo(ctx, info, req.GetSubject(), scopes); err != nil {
		return err
	}
	if rr, ok := req.(*refreshRequest); ok && rr.row.ACR != "" {
		info.AppendClaims("acr", rr.row.ACR)
	}
	// idp names the connector that performed the first factor.
	switch r := req.(type) {
	case authRequest:
		if r.f.Connector != "" {
			info.AppendClaims("idp", r.f.Connector)
		}
	case *refreshRequest:
		if r.row.IDP != "" {
			info.AppendClaims("idp", r.row.IDP)
		}
	}
	return nil
}

// SetUserinfoFromToken answers the userinfo endpoint for a live access token.
func (s *Storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	at, u, err := s.store.AccessTokenWithUser(ctx, tokenID)
	noteFault(ctx, err)
	if err != nil {
		return errors.New("access token is invalid or expired")
	}
	if at.UserID != subject {
		return errors.New("access token is invalid")
	}
	if u == nil || u.Disabled {
		return errors.New("user not found or disabled")
	}
	fillUserinfo(info, u, at.Scopes)
	return nil
}

// SetIntrospectionFromToken answers introspection for the token's own
// client (or a client in its audience).
func (s *Storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	at, err := s.store.AccessTokenByID(ctx, tokenID)
	noteFault(ctx, err)
	if err != nil {
		return errors.New("token is invalid or expired")
	}
	if at.ClientID != clientID && !slices.Contains(at.Audience, clientID) {
		return errors.New("token was not issued to this client")
	}
	info := new(oidc.UserInfo)
	if err := s.setUserinfo(ctx, info, at.UserID, at.Scopes); err != nil {
		return err
	}
	resp.SetUserInfo(info)
	resp.Scope = oidc.SpaceDelimitedArray(at.Scopes)
	resp.ClientID = at.ClientID
	resp.Expiration = oidc.FromTime(at.ExpiresAt)
	resp.IssuedAt = oidc.FromTime(at.CreatedAt)
	resp.Audience = oidc.Audience(at.Audience)
	resp.TokenType = oidc.BearerToken
	return nil
}

// setUserinfo sets sub always (or the library drops it from ID tokens)
// and profile and email claims by scope. A disabled account has none.
func (s *Storage) setUserinfo(ctx context.Context, info *oidc.UserInfo, userID string, scopes []string) error {
	u, err := s.store.UserByID(ctx, userID)
	noteFault(ctx, err)
	if err != nil {
		return errors.New("user not found")
	}
	if u.Disabled {
		return errors.New("user is disabled")
	}
	fillUserinfo(info, u, scopes)
	return nil
}

// fillUserinfo sets sub and the claims the scopes grant. The profile
// scope always gives name, the username when the account has no display
// name: relying parties such as Dex's OIDC connector refuse a profile
// without it. given_name and family_name are given when known.
func fillUserinfo(info *oidc.UserInfo, u *store.User, scopes []string) {
	info.Subject = u.ID
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeProfile:
			info.PreferredUsername = u.Username
			info.Name = u.DisplayName()
			info.GivenName, info.FamilyName = u.GivenName, u.FamilyName
			info.UpdatedAt = oidc.FromTime(u.UpdatedAt)
		case oidc.ScopeEmail:
			// Every address is entered by an administrator, who vouches
			// for it (there is no self-service address change), so it is
			// verified in OpenID Connect's sense; an account without one
			// has neither claim.
			if u.Email != "" {
				info.Email, info.EmailVerified = u.Email, true
			}
		}
	}
}
