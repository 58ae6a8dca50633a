package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// NormalizeUsername is the canonical form under which usernames are stored
// and looked up: trimmed and lower-cased.
func NormalizeUsername(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}

// CreateUser inserts a user; the username is normalised first.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.Username = NormalizeUsername(u.Username)
	if err := s.db.WithContext(ctx).Create(u).Error; err != nil {
		return fmt.Errorf("create user: %w", conflict(err))
	}
	return nil
}

// UserByID loads a user by id.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	if !lookupable(id) {
		return nil, ErrNotFound
	}
	var u User
	if err := s.db.WithContext(ctx).First(&u, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// UserByUsername loads a user by username, case-insensitively.
func (s *Store) UserByUsername(ctx context.Context, username string) (*User, error) {
	if !lookupable(username) {
		return nil, ErrNotFound
	}
	var u User
	if err := s.db.WithContext(ctx).First(&u, "username = ?", NormalizeUsername(username)).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// ListUsers returns every user ordered by username.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var users []User
	err := s.db.WithContext(ctx).Order("username").Find(&users).Error
	return users, err
}

// UpdateUser applies fields (column name → value) to one user.
func (s *Store) UpdateUser(ctx context.Context, id string, fields map[string]any) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("update user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// UpdatePasswordHash replaces a password hash only if it is still the one
// the caller verified (used to upgrade hashes when parameters rise).
func (s *Store) UpdatePasswordHash(ctx context.Context, id, oldHash, newHash string) error {
	res := s.db.WithContext(ctx).Model(&User{}).
		Where("id = ? AND password_hash = ?", id, oldHash).
		Update("password_hash", newHash)
	if res.Error != nil {
		return fmt.Errorf("rehash password: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}

// RevokeUser ends every browser session and revokes every token of a user.
// It is used when an account is disabled or its password is reset.
func (s *Store) RevokeUser(ctx context.Context, userID string) error {
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
			return fmt.Errorf("revoke sessions: %w", err)
		}
		if err := tx.Model(&RefreshToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).
			Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke refresh tokens: %w", err)
		}
		if err := tx.Model(&AccessToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).
			Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("revoke access tokens: %w", err)
		}
		return nil
	})
}
