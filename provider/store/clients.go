package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// CreateClient inserts a client.
func (s *Store) CreateClient(ctx context.Context, c *Client) error {
	if err := s.db.WithContext(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("create client: %w", conflict(err))
	}
	return nil
}

// SaveClient inserts or replaces a client (used to synchronise clients
// declared in the configuration file).
func (s *Store) SaveClient(ctx context.Context, c *Client) error {
	if err := s.db.WithContext(ctx).Save(c).Error; err != nil {
		return fmt.Errorf("save client: %w", err)
	}
	return nil
}

// ClientByID loads a client.
func (s *Store) ClientByID(ctx context.Context, id string) (*Client, error) {
	if !lookupable(id) {
		return nil, ErrNotFound
	}
	var c Client
	if err := s.db.WithContext(ctx).First(&c, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// ListClients returns every client ordered by id.
func (s *Store) ListClients(ctx context.Context) ([]Client, error) {
	var clients []Client
	err := s.db.WithContext(ctx).Order("id").Find(&clients).Error
	return clients, err
}

// UpdateClient applies fields (column name → value) to one client.
func (s *Store) UpdateClient(ctx context.Context, id string, fields map[string]any) error {
	res := s.db.WithContext(ctx).Model(&Client{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("update client: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteClient removes a client and revokes every token issued to it.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Delete(&Client{}, "id = ?", id)
		if res.Error != nil {
			return fmt.Errorf("delete client: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Model(&RefreshToken{}).Where("client_id = ? AND revoked_at IS NULL", id).
			Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("delete client: revoke refresh tokens: %w", err)
		}
		if err := tx.Model(&AccessToken{}).Where("client_id = ? AND revoked_at IS NULL", id).
			Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("delete client: revoke access tokens: %w", err)
		}
		return nil
	})
}
