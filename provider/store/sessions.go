package store

import (
	"context"
	"fmt"
	"time"
)

// CreateSession stores a browser session.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	if err := s.db.WithContext(ctx).Create(sess).Error; err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByID returns a live browser session.
func (s *Store) SessionByID(ctx context.Context, id string) (*Session, error) {
	if !lookupable(id) {
		return nil, ErrNotFound
	}
	var sess Session
	err := s.db.WithContext(ctx).First(&sess, "id = ? AND expires_at > ?", id, s.now()).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &sess, nil
}

// ExtendSession moves a live session's end to until (its idle deadline
// after a use, never past its absolute end, which the caller computed);
// an ended session stays ended.
func (s *Store) ExtendSession(ctx context.Context, id string, until time.Time) error {
	err := s.db.WithContext(ctx).Model(&Session{}).Where("id = ? AND expires_at > ?", id, s.now()).
		Update("expires_at", until).Error
	if err != nil {
		return fmt.Errorf("extend session: %w", err)
	}
	return nil
}

// DeleteSession ends a browser session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Delete(&Session{}, "id = ?", id).Error; err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
