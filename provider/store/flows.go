package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// CreateFlow stores a new authorization request.
func (s *Store) CreateFlow(ctx context.Context, f *Flow) error {
	if err := s.db.WithContext(ctx).Create(f).Error; err != nil {
		return fmt.Errorf("create flow: %w", err)
	}
	return nil
}

// FlowByID loads a flow whatever its state; callers check ExpiresAt.
func (s *Store) FlowByID(ctx context.Context, id string) (*Flow, error) {
	if !lookupable(id) {
		return nil, ErrNotFound
	}
	if f, ok := ctx.Value(readFlowKey{}).(*Flow); ok && f.ID == id {
		copied := *f
		return &copied, nil
	}
	var f Flow
	if err := s.db.WithContext(ctx).First(&f, "id = ?", id).Error; err != nil {
		return nil, notFound(err)
	}
	return &f, nil
}

type readFlowKey struct{}

// WithFlow carries flow f, read in this request, to a later FlowByID of
// the same flow in the same request (the library's callback reads the flow
// its guard has just read), which then reads nothing.
func WithFlow(ctx context.Context, f *Flow) context.Context {
	return context.WithValue(ctx, readFlowKey{}, f)
}

// SaveCode records the hash of the authorization code issued for a
// finished flow and shortens the flow's life to the code's lifetime.
func (s *Store) SaveCode(ctx context.Context, id, codeHash string, lifetime time.Duration) error {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&Flow{}).
		Where("id = ? AND done_at IS NOT NULL AND code_hash = '' AND expires_at > ?", id, now).
		Updates(map[string]any{"code_hash": codeHash, "expires_at": now.Add(lifetime)})
	if res.Error != nil {
		return fmt.Errorf("save code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStale
	}
	return nil
}

// FlowByCode finds the flow an unused, unexpired authorization code belongs
// to. A code that was already redeemed yields ErrAlreadyUsed after every
// token issued from it has been revoked.
func (s *Store) FlowByCode(ctx context.Context, codeHash string) (*Flow, error) {
	f, _, err := s.FlowByCodeWithUser(ctx, codeHash)
	return f, err
}

// FlowByCodeWithUser is FlowByCode with the flow's user (nil when the
// account no longer exists), in one statement.
func (s *Store) FlowByCodeWithUser(ctx context.Context, codeHash string) (*Flow, *User, error) {
	if !lookupable(codeHash) {
		return nil, nil, ErrNotFound
	}
	f, u, err := tokenWithUser[Flow](ctx, s, "flows", "flows.code_hash = ?", codeHash)
	if err != nil {
		return nil, nil, err
	}
	if f.CodeUsedAt != nil {
		if err := s.RevokeGrant(ctx, f.ID); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrAlreadyUsed
	}
	if !f.ExpiresAt.After(s.now()) {
		return nil, nil, ErrNotFound
	}
	return f, u, nil
}

// claimCode marks a flow's code as redeemed inside tx. Exactly one caller
// can claim a code; the others get ErrAlreadyUsed and the grant is revoked.
func (s *Store) claimCode(tx *gorm.DB, flowID string) error {
	now := s.now()
	res := tx.Model(&Flow{}).
		Where("id = ? AND code_hash <> '' AND code_used_at IS NULL AND expires_at > ?", flowID, now).
		Update("code_used_at", now)
	if res.Error != nil {
		return fmt.Errorf("claim code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrAlreadyUsed
	}
	return nil
}

// RevokeGrant revokes every token issued from one authorization (a flow)
// and marks the flow so that no further token can be issued from it.
func (s *Store) RevokeGrant(ctx context.Context, flowID string) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Flow{}).Where("id = ? AND code_used_at IS NULL", flowID).
			Update("code_used_at", now).Error; err != nil {
			return err
		}
		if err := tx.Model(&RefreshToken{}).Where("grant_id = ? AND revoked_at IS NULL", flowID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Model(&AccessToken{}).Where("grant_id = ? AND revoked_at IS NULL", flowID).
			Update("revoked_at", now).Error
	})
	if err != nil {
		return fmt.Errorf("revoke grant: %w", err)
	}
	return nil
}

// MoveEnrollmentHold moves the enrollment hold of userID from browser
// binding oldHash to newHash (the browser's cookie was rotated), if that
// browser holds it.
func (s *Store) MoveEnrollmentHold(ctx context.Context, userID, oldHash, newHash string) error {
	if !lookupable(userID, oldHash, newHash) {
		return nil
	}
	err := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND enroll_hold_browser = ?", userID, oldHash).
		UpdateColumn("enroll_hold_browser", newHash).Error
	if err != nil {
		return fmt.Errorf("move enrollment hold: %w", err)
	}
	return nil
}

// BindFlow ties an unbound flow to a browser (the hash of its cookie) and
// reports whether it did. It never rebinds: a flow already bound to
// another browser keeps its binding.
func (s *Store) BindFlow(ctx context.Context, id, browserHash string) (bool, error) {
	if !lookupable(id) {
		return false, nil
	}
	res := s.db.WithContext(ctx).Model(&Flow{}).
		Where("id = ? AND browser_hash = ''", id).
		Update("browser_hash", browserHash)
	if res.Error != nil {
		return false, fmt.Errorf("bind flow: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
