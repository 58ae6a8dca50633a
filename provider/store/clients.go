package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SetBuiltInClients registers otpgate's own relying parties (the web
// console and the account page): ClientByID returns them as given, they
// are never written to the database, and no client with one of their ids
// can be created there. Call it before serving.
func (s *Store) SetBuiltInClients(cs ...Client) {
	m := make(map[string]Client, len(cs))
	for _, c := range cs {
		m[c.ID] = c
	}
	s.builtIn.Store(&m)
}

// builtInClient is the built-in client with id, if there is one.
func (s *Store) builtInClient(id string) (Client, bool) {
	m := s.builtIn.Load()
	if m == nil {
		return Client{}, false
	}
	c, ok := (*m)[id]
	return c, ok
}

// CreateClient inserts a client.
func (s *Store) CreateClient(ctx context.Context, c *Client) error {
	defer s.clients.forget(c.ID)
	if _, ok := s.builtInClient(c.ID); ok {
		return fmt.Errorf("create client: %w", ErrConflict)
	}
	if err := s.db.WithContext(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("create client: %w", conflict(err))
	}
	return nil
}

// SaveClient inserts or replaces a client (used to synchronise clients
// declared in the configuration file).
func (s *Store) SaveClient(ctx context.Context, c *Client) error {
	defer s.clients.forget(c.ID)
	if _, ok := s.builtInClient(c.ID); ok {
		return fmt.Errorf("save client: %q is a built-in client: %w", c.ID, ErrConflict)
	}
	if err := s.db.WithContext(ctx).Save(c).Error; err != nil {
		return fmt.Errorf("save client: %w", err)
	}
	return nil
}

// ClientByID loads a client. Rows read are kept for a few seconds
// (clientCacheFor): a change made by another process is seen within that
// time, one made through this store at once.
func (s *Store) ClientByID(ctx context.Context, id string) (*Client, error) {
	if !lookupable(id) {
		return nil, ErrNotFound
	}
	if c, ok := s.builtInClient(id); ok {
		c.RedirectURIs = append(StringList{}, c.RedirectURIs...)
		c.PostLogoutRedirectURIs = append(StringList{}, c.PostLogoutRedirectURIs...)
		return &c, nil
	}
	now := s.now()
	if c, ok := s.clients.get(id, now); ok {
		return c, nil
	}
	gen := s.clients.generation()
	var c Client
	if err := s.db.WithContext(ctx).First(&c, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	s.clients.put(&c, gen, now)
	return &c, nil
}

// ReplaceClientSecretHash stores a new hash of the same secret (a fast
// hash in place of argon2id) unless the client's hash is no longer old: a
// rotation made meanwhile wins. ErrNotFound when it is not.
func (s *Store) ReplaceClientSecretHash(ctx context.Context, id, old, hash string) error {
	defer s.clients.forget(id)
	res := s.db.WithContext(ctx).Model(&Client{}).Where("id = ? AND secret_hash = ?", id, old).
		Update("secret_hash", hash)
	if res.Error != nil {
		return fmt.Errorf("replace client secret hash: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ListClients returns every client ordered by id.
func (s *Store) ListClients(ctx context.Context) ([]Client, error) {
	var clients []Client
	err := s.db.WithContext(ctx).Order("id").Find(&clients).Error
	return clients, err
}

// ClientUpdate is a change to a client: nil fields are left as they are.
type ClientUpdate struct {
	Name                   *string
	RedirectURIs           *StringList
	PostLogoutRedirectURIs *StringList
	RequireMFA             *bool
	// RememberBrowser sets whether its sign-ins may remember a browser.
	RememberBrowser *bool
	// IDTokenSignedResponseAlg sets the ID token's algorithm ("" for the
	// default, RS256).
	IDTokenSignedResponseAlg *string
	// SecretHash replaces the secret (a rotation).
	SecretHash *string
	// SecretSealed replaces the sealed secret; a rotation sets it with
	// SecretHash, to the new secret sealed or to nil (none kept).
	SecretSealed *[]byte
}

// Empty reports whether the update changes nothing.
func (u ClientUpdate) Empty() bool {
	return u.Name == nil && u.RedirectURIs == nil && u.PostLogoutRedirectURIs == nil &&
		u.RequireMFA == nil && u.RememberBrowser == nil && u.IDTokenSignedResponseAlg == nil && u.SecretHash == nil && u.SecretSealed == nil
}

// columns maps the update onto the client's columns.
func (u ClientUpdate) columns() map[string]any {
	fields := map[string]any{}
	if u.Name != nil {
		fields["name"] = *u.Name
	}
	if u.RedirectURIs != nil {
		fields["redirect_uris"] = *u.RedirectURIs
	}
	if u.PostLogoutRedirectURIs != nil {
		fields["post_logout_redirect_uris"] = *u.PostLogoutRedirectURIs
	}
	if u.RequireMFA != nil {
		fields["require_mfa"] = *u.RequireMFA
	}
	if u.RememberBrowser != nil {
		fields["remember_browser"] = *u.RememberBrowser
	}
	if u.IDTokenSignedResponseAlg != nil {
		fields["id_token_signed_response_alg"] = *u.IDTokenSignedResponseAlg
	}
	if u.SecretHash != nil {
		fields["secret_hash"] = *u.SecretHash
	}
	if u.SecretSealed != nil {
		fields["secret_sealed"] = *u.SecretSealed
	}
	return fields
}

// UpdateClient applies u to one client. ErrNotFound when there is no such
// client (an empty update only checks that it exists).
func (s *Store) UpdateClient(ctx context.Context, id string, u ClientUpdate) error {
	defer s.clients.forget(id)
	if u.Empty() {
		_, err := s.ClientByID(ctx, id)
		return err
	}
	res := s.db.WithContext(ctx).Model(&Client{}).Where("id = ?", id).Updates(u.columns())
	if res.Error != nil {
		return fmt.Errorf("update client: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// EditClient changes one client by what edit makes of it: edit gets the
// client as it is and returns the update to apply, or an error that
// changes nothing and is returned as is. The read and the write are one
// transaction, the row held from the read (SELECT … FOR UPDATE on
// PostgreSQL, an immediate transaction on SQLite), so that edits racing on
// one client apply one after the other and none is lost. ErrNotFound when
// there is no such client; an empty update writes nothing.
func (s *Store) EditClient(ctx context.Context, id string, edit func(*Client) (ClientUpdate, error)) error {
	if !lookupable(id) {
		return ErrNotFound
	}
	defer s.clients.forget(id)
	var editErr error
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("id = ?", id)
		if s.postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var c Client
		if err := q.First(&c).Error; err != nil {
			return notFound(err)
		}
		u, err := edit(&c)
		if err != nil {
			editErr = err
			return err
		}
		if u.Empty() {
			return nil
		}
		return tx.Model(&Client{}).Where("id = ?", id).Updates(u.columns()).Error
	})
	switch {
	case editErr != nil:
		return editErr
	case errors.Is(err, ErrNotFound):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("edit client: %w", err)
	}
	return nil
}

// DeleteClient removes a client and revokes every token issued to it.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.clients.forget(id)
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
