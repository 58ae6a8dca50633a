package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// mailLimitGroups are the purposes of the links a sign-in asks to be
// mailed, by shared hourly limit per account: reset links and
// first-enrollment proofs share one; sign-in links past the bound have
// their own.
var mailLimitGroups = [][]string{{LinkReset, LinkEnroll}, {LinkSignIn}}

// IssueMailedLink stores t, a link of t.UserID's sign-in to be mailed (a
// self-service reset link, a first-enrollment proof, or a sign-in link past
// the bound: t.Purpose), unless perHour links of its group were already
// issued for that account in the hour before now (ErrTooMany: nothing is
// written, and nothing is counted toward any lock). Every older unused link
// of t's purpose for the account is used up in the same transaction, so at
// most one works at a time. Issuing is serialised per account (the user row
// is held), so racing requests never exceed the limit.
func (s *Store) IssueMailedLink(ctx context.Context, t *LinkToken, perHour int) error {
	i := slices.IndexFunc(mailLimitGroups, func(g []string) bool { return slices.Contains(g, t.Purpose) })
	if i < 0 {
		return fmt.Errorf("issue mailed link: purpose %q is not mailed at sign-in", t.Purpose)
	}
	group := mailLimitGroups[i]
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
		if err := tx.Model(&LinkToken{}).Where("user_id = ? AND purpose IN ? AND created_at > ?",
			t.UserID, group, now.Add(-time.Hour)).Count(&recent).Error; err != nil {
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
		return fmt.Errorf("issue mailed link: %w", err)
	}
	return nil
}
