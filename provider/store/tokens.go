package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// TokenSet is what one token request issues: an access token and, when the
// grant allows it, a refresh token.
type TokenSet struct {
	Access  *AccessToken
	Refresh *RefreshToken // nil when no refresh token is issued
}

// IssueFromCode redeems a flow's authorization code and stores the tokens
// issued for it, in one transaction: if the code was already redeemed (or
// is redeemed concurrently) nothing is stored, the grant is revoked, and
// ErrAlreadyUsed is returned.
func (s *Store) IssueFromCode(ctx context.Context, flowID string, set TokenSet) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.claimCode(tx, flowID); err != nil {
			return err
		}
		return insertTokens(tx, set)
	})
	if errors.Is(err, ErrAlreadyUsed) {
		if rerr := s.RevokeGrant(ctx, flowID); rerr != nil {
			return rerr
		}
		return ErrAlreadyUsed
	}
	if err != nil {
		return fmt.Errorf("issue tokens: %w", err)
	}
	return nil
}

// RotateRefreshToken marks the refresh token with hash oldHash as used and
// stores its successor (and a new access token) in one transaction. A token
// used less than reuse ago is rotated again (a relying party refreshing on
// several requests at once presents it several times): each presentation
// gets a successor of its own, the family lives on, and the time of the
// first use stays, so the interval never grows. Used longer ago, the whole
// family is revoked and ErrAlreadyUsed is returned; an unknown, revoked or
// expired token gives ErrNotFound.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, set TokenSet, reuse time.Duration) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&RefreshToken{}).
			Where("token_hash = ? AND revoked_at IS NULL AND expires_at > ? AND (used_at IS NULL OR used_at > ?)",
				oldHash, now, now.Add(-reuse)).
			Update("used_at", gorm.Expr("COALESCE(used_at, ?)", now))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrAlreadyUsed
		}
		return insertTokens(tx, set)
	})
	if errors.Is(err, ErrAlreadyUsed) {
		return s.refreshTokenMisuse(ctx, oldHash)
	}
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	return nil
}

// insertTokens stores a token set with plain INSERTs: the token
// endpoints' hot path, where gorm's create machinery would cost more than
// the statement.
func insertTokens(tx *gorm.DB, set TokenSet) error {
	now := tx.Config.NowFunc()
	if r := set.Refresh; r != nil {
		if r.CreatedAt.IsZero() {
			r.CreatedAt = now
		}
		err := tx.Exec(`INSERT INTO refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes,
			audience, amr, acr, idp, auth_time, created_at, expires_at, used_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.TokenHash, r.FamilyID, r.GrantID, r.ClientID, r.UserID, r.Scopes, r.Audience,
			r.AMR, r.ACR, r.IDP, r.AuthTime, r.CreatedAt, r.ExpiresAt, r.UsedAt, r.RevokedAt).Error
		if err != nil {
			return fmt.Errorf("store refresh token: %w", err)
		}
	}
	if a := set.Access; a != nil {
		if a.CreatedAt.IsZero() {
			a.CreatedAt = now
		}
		err := tx.Exec(`INSERT INTO access_tokens (id, grant_id, refresh_token_id, client_id, user_id, scopes, audience,
			created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.GrantID, a.RefreshTokenID, a.ClientID, a.UserID, a.Scopes, a.Audience,
			a.CreatedAt, a.ExpiresAt, a.RevokedAt).Error
		if err != nil {
			return fmt.Errorf("store access token: %w", err)
		}
	}
	return nil
}

// refreshTokenMisuse decides why a refresh token could not be used: a used
// token means replay, so its family is revoked (ErrAlreadyUsed); anything
// else is ErrNotFound.
func (s *Store) refreshTokenMisuse(ctx context.Context, hash string) error {
	var rt RefreshToken
	if err := s.db.WithContext(ctx).First(&rt, "token_hash = ?", hash).Error; err != nil {
		return notFound(err)
	}
	if rt.UsedAt == nil {
		return ErrNotFound
	}
	if err := s.RevokeFamily(ctx, rt.FamilyID); err != nil {
		return err
	}
	return ErrAlreadyUsed
}

// IssueAccessToken stores an access token outside any code or refresh grant.
func (s *Store) IssueAccessToken(ctx context.Context, at *AccessToken) error {
	if err := s.db.WithContext(ctx).Create(at).Error; err != nil {
		return fmt.Errorf("store access token: %w", err)
	}
	return nil
}

// RefreshTokenByHash returns a usable refresh token: unused, or used less
// than reuse ago (see RotateRefreshToken), with its user (nil when the
// account no longer exists), in one statement. A token used longer ago
// has its family revoked and yields ErrAlreadyUsed.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string, reuse time.Duration) (*RefreshToken, *User, error) {
	if !lookupable(hash) {
		return nil, nil, ErrNotFound
	}
	rt, u, err := s.readRefreshToken(ctx, hash)
	if err != nil {
		return nil, nil, err
	}
	if rt.UsedAt != nil && !rt.UsedAt.After(s.now().Add(-reuse)) {
		if err := s.RevokeFamily(ctx, rt.FamilyID); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrAlreadyUsed
	}
	if rt.RevokedAt != nil || !rt.ExpiresAt.After(s.now()) {
		return nil, nil, ErrNotFound
	}
	return rt, u, nil
}

// RevokeFamily revokes every refresh token of a family and every access
// token issued with them.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&RefreshToken{}).Where("family_id = ? AND revoked_at IS NULL", familyID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Model(&AccessToken{}).
			Where("revoked_at IS NULL AND refresh_token_id IN (?)",
				tx.Model(&RefreshToken{}).Select("id").Where("family_id = ?", familyID)).
			Update("revoked_at", now).Error
	})
	if err != nil {
		return fmt.Errorf("revoke refresh family: %w", err)
	}
	return nil
}

// AccessTokenByID returns a live (unrevoked, unexpired) access token.
func (s *Store) AccessTokenByID(ctx context.Context, id string) (*AccessToken, error) {
	at, _, err := s.AccessTokenWithUser(ctx, id)
	return at, err
}

// AccessTokenWithUser is AccessTokenByID with the token's user (nil when
// the account no longer exists), in one statement.
func (s *Store) AccessTokenWithUser(ctx context.Context, id string) (*AccessToken, *User, error) {
	if !lookupable(id) {
		return nil, nil, ErrNotFound
	}
	return s.readAccessToken(ctx, id)
}

// RevokeAccessToken revokes one access token.
func (s *Store) RevokeAccessToken(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Model(&AccessToken{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", s.now()).Error
	if err != nil {
		return fmt.Errorf("revoke access token: %w", err)
	}
	return nil
}

// RefreshTokenRow returns a refresh token row by hash whatever its state,
// without punishing replay (used by revocation).
func (s *Store) RefreshTokenRow(ctx context.Context, hash string) (*RefreshToken, error) {
	if !lookupable(hash) {
		return nil, ErrNotFound
	}
	var rt RefreshToken
	if err := s.db.WithContext(ctx).First(&rt, "token_hash = ?", hash).Error; err != nil {
		return nil, notFound(err)
	}
	return &rt, nil
}

// RefreshTokenRowByID returns a refresh token row by id whatever its state.
func (s *Store) RefreshTokenRowByID(ctx context.Context, id string) (*RefreshToken, error) {
	if !lookupable(id) {
		return nil, ErrNotFound
	}
	var rt RefreshToken
	if err := s.db.WithContext(ctx).First(&rt, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &rt, nil
}
