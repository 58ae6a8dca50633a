package store

import (
	"context"
	"errors"
	"fmt"
)

// LinkProviderEntra is the provider of an Entra ID user's link for a
// tenant: "entra:" and the tenant id.
func LinkProviderEntra(tenantID string) string { return "entra:" + tenantID }

// UserByLink returns the account an identity elsewhere is linked to
// (ErrNotFound when none).
func (s *Store) UserByLink(ctx context.Context, provider, subject string) (*User, error) {
	if !lookupable(subject) || len(provider) > 128 {
		return nil, ErrNotFound
	}
	var u User
	err := s.db.WithContext(ctx).Model(&User{}).
		Joins("JOIN user_links ON user_links.user_id = users.id").
		Where("user_links.provider = ? AND user_links.subject = ?", provider, subject).
		First(&u).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// LinksOf returns the identities linked to an account, oldest first.
func (s *Store) LinksOf(ctx context.Context, userID string) ([]UserLink, error) {
	var out []UserLink
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, provider, subject").
		Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	return out, nil
}

// LinkUser links an identity to an account. ErrConflict when the
// identity is already linked (to this account or another): a link is
// never moved. With firstOfProvider, the link is made only when the
// account has no link of that provider yet (ErrStale otherwise), in the
// same statement, so two first uses racing for one account link one
// identity.
func (s *Store) LinkUser(ctx context.Context, l *UserLink, firstOfProvider bool) error {
	if l.CreatedAt.IsZero() {
		l.CreatedAt = s.now()
	}
	db := s.db.WithContext(ctx)
	if !firstOfProvider {
		if err := db.Create(l).Error; err != nil {
			if errors.Is(conflict(err), ErrConflict) {
				return ErrConflict
			}
			return fmt.Errorf("link user: %w", err)
		}
		return nil
	}
	res := db.Exec("INSERT INTO user_links (provider, subject, user_id, created_at) SELECT ?, ?, ?, ? "+
		"WHERE NOT EXISTS (SELECT 1 FROM user_links WHERE user_id = ? AND provider = ?)",
		l.Provider, l.Subject, l.UserID, l.CreatedAt, l.UserID, l.Provider)
	if res.Error != nil {
		if errors.Is(conflict(res.Error), ErrConflict) {
			return ErrConflict
		}
		return fmt.Errorf("link user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}

// UnlinkUser removes an identity's link (ErrNotFound when there is none).
func (s *Store) UnlinkUser(ctx context.Context, provider, subject string) error {
	res := s.db.WithContext(ctx).Where("provider = ? AND subject = ?", provider, subject).Delete(&UserLink{})
	if res.Error != nil {
		return fmt.Errorf("unlink user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
