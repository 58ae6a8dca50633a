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

// SessionsOfUser returns the user's live browser sessions, newest first.
func (s *Store) SessionsOfUser(ctx context.Context, userID string) ([]Session, error) {
	var out []Session
	err := s.db.WithContext(ctx).Where("user_id = ? AND expires_at > ?", userID, s.now()).
		Order("created_at DESC, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("sessions of user: %w", err)
	}
	return out, nil
}

// DeleteUserSession ends the browser session id of user userID; it is
// ErrNotFound when the user has no such session (ended, or another's).
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) error {
	res := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&Session{})
	if res.Error != nil {
		return fmt.Errorf("delete session: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
