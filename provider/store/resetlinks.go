package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IssueResetLink stores t, an emailed link of t.UserID's sign-in (a
// self-service reset link, or a sign-in link past the bound: t.Purpose),
// unless perHour links of that purpose were already issued for that account in the
// hour before now (ErrTooMany: nothing is written, and nothing is counted
// toward any lock). Every older unused reset link of the account is used
// up in the same transaction, so at most one link works at a time. Issuing
// is serialised per account (the user row is held), so racing requests
// never exceed the limit.
func (s *Store) IssueResetLink(ctx context.Context, t *LinkToken, perHour int) error {
	if t.ID == "" {
		t.ID = newRowID()
	}
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&User{}).Select("id").Where("id = ?", t.UserID)
		if s.postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var ids []string
		if err := q.Find(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return ErrNotFound
		}
		var recent int64
		if err := tx.Model(&LinkToken{}).Where("user_id = ? AND purpose = ? AND created_at > ?",
			t.UserID, t.Purpose, now.Add(-time.Hour)).Count(&recent).Error; err != nil {
			return err
		}
		if recent >= int64(perHour) {
			return ErrTooMany
		}
		if err := tx.Model(&LinkToken{}).Where("user_id = ? AND purpose = ? AND used_at IS NULL", t.UserID, t.Purpose).
			Update("used_at", now).Error; err != nil {
			return err
		}
		return tx.Create(t).Error
	})
	if errors.Is(err, ErrTooMany) || errors.Is(err, ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("issue reset link: %w", err)
	}
	return nil
}
