package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// NormalizeUsername is the canonical form under which usernames are stored
// and looked up: trimmed and lower-cased.
func NormalizeUsername(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}

// UsernameSkeleton is the confusable skeleton (Unicode TR39) of a
// normalised username: two names with the same skeleton look alike
// ("аlice" with a Cyrillic а, and "alice"; "paypa1" and "paypal").
func UsernameSkeleton(username string) string {
	visible := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) {
			return -1 // invisible: zero-width spaces and joiners, bidi marks
		}
		return r
	}, norm.NFKC.String(NormalizeUsername(username)))
	return strings.ToLower(confusables.Skeleton(visible))
}

// LookAlikeError refuses a username that looks like an existing one.
type LookAlikeError struct{ Existing string }

func (e *LookAlikeError) Error() string {
	return fmt.Sprintf("username looks like the existing %q", e.Existing)
}

// Is makes a LookAlikeError an ErrConflict.
func (e *LookAlikeError) Is(target error) bool { return target == ErrConflict }

// userCreateLockID serialises account creation on PostgreSQL, so that
// two look-alike names created at once cannot both pass the check.
const userCreateLockID = migrationLockID + 2

// CreateUser inserts a user; the username is normalised first. A name
// taken already is ErrConflict; one whose skeleton another account has is
// a *LookAlikeError (also ErrConflict).
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	return s.createUser(ctx, u, nil)
}

// CreateLinkedUser creates u (as CreateUser) and links identity l to it in
// one transaction: ErrConflict, and nothing written, when the username
// (or the identity) is taken; a *LookAlikeError as CreateUser.
func (s *Store) CreateLinkedUser(ctx context.Context, u *User, l *UserLink) error {
	if l.CreatedAt.IsZero() {
		l.CreatedAt = s.now()
	}
	l.UserID = u.ID
	return s.createUser(ctx, u, l)
}

func (s *Store) createUser(ctx context.Context, u *User, l *UserLink) error {
	u.Username = NormalizeUsername(u.Username)
	u.UsernameSkeleton = UsernameSkeleton(u.Username)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", userCreateLockID).Error; err != nil {
				return err
			}
		}
		var others []string
		if err := tx.Model(&User{}).Where("username_skeleton = ? AND username <> ?", u.UsernameSkeleton, u.Username).
			Limit(1).Pluck("username", &others).Error; err != nil {
			return err
		}
		if len(others) > 0 {
			return &LookAlikeError{Existing: others[0]}
		}
		if err := tx.Create(u).Error; err != nil {
			return err
		}
		if l != nil {
			return tx.Create(l).Error
		}
		return nil
	})
	var lookAlike *LookAlikeError
	if errors.As(err, &lookAlike) {
		return err
	}
	if err != nil {
		return fmt.Errorf("create user: %w", conflict(err))
	}
	return nil
}

// fillUsernameSkeletons computes the skeleton of accounts created before
// skeletons were kept (migration 0005); it is a no-op once done.
func (s *Store) fillUsernameSkeletons(ctx context.Context) error {
	var rows []User
	if err := s.db.WithContext(ctx).Select("id", "username").Where("username_skeleton = ''").Find(&rows).Error; err != nil {
		return fmt.Errorf("find usernames without skeleton: %w", err)
	}
	for _, r := range rows {
		if err := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND username_skeleton = ''", r.ID).
			UpdateColumn("username_skeleton", UsernameSkeleton(r.Username)).Error; err != nil {
			return fmt.Errorf("fill username skeleton: %w", err)
		}
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

// UserByEmail returns the one account with this email address, compared
// without regard to case; ErrNotFound when none or several have it (an
// address shared by accounts names none of them).
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	if email == "" || len(email) > 320 {
		return nil, ErrNotFound
	}
	var us []User
	if err := s.db.WithContext(ctx).Where("LOWER(email) = ?", strings.ToLower(email)).Limit(2).Find(&us).Error; err != nil {
		return nil, fmt.Errorf("user by email: %w", err)
	}
	if len(us) != 1 {
		return nil, ErrNotFound
	}
	return &us[0], nil
}

// ListUsers returns every user ordered by username.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var users []User
	err := s.db.WithContext(ctx).Order("username").Find(&users).Error
	return users, err
}

// SetUserPassword replaces a user's password hash; mustChange makes the
// user choose a new password at the next sign-in (an administrator's
// temporary password).
func (s *Store) SetUserPassword(ctx context.Context, id, hash string, mustChange bool) error {
	return s.updateForgetting(ctx, id, "set password", map[string]any{"password_hash": hash, "must_change_password": mustChange})
}

// SetUserDisabled disables or enables a user. Disabling does not revoke
// anything by itself: callers pair it with RevokeUser.
func (s *Store) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	if disabled {
		// A disabled account's remembered browsers go for good: enabling
		// it again asks for the passcode everywhere.
		return s.updateForgetting(ctx, id, "set disabled", map[string]any{"disabled": true})
	}
	return s.updateUser(ctx, id, "set disabled", map[string]any{"disabled": disabled})
}

// SetUserRequireMFA turns the per-user two-factor requirement on or off.
func (s *Store) SetUserRequireMFA(ctx context.Context, id string, on bool) error {
	return s.updateUser(ctx, id, "set require-mfa", map[string]any{"require_mfa": on})
}

// SetUserAdmin grants (on) or revokes the administrator role. Granting it
// also requires two-factor sign-in of the account, in the same write.
func (s *Store) SetUserAdmin(ctx context.Context, id string, on bool) error {
	cols := map[string]any{"admin": on}
	if on {
		cols["require_mfa"] = true
	}
	return s.updateUser(ctx, id, "set admin role", cols)
}

// DisplayName is how the user is named to people and relying parties
// (the name claim): the display name, or the username when there is none.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}

// DisplayName is how the client is named to people on the pages: its name,
// or its id when it has none.
func (c *Client) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// UserNames changes a user's names: a nil field is kept, "" clears it.
type UserNames struct {
	Name, GivenName, FamilyName *string
}

// Empty reports whether the change changes nothing.
func (n UserNames) Empty() bool {
	return n.Name == nil && n.GivenName == nil && n.FamilyName == nil
}

// SetUserNames changes the display, given and family names the change
// sets, in one statement; the user's updated_at (the updated_at claim)
// moves with it. A change that sets nothing writes nothing.
func (s *Store) SetUserNames(ctx context.Context, id string, n UserNames) error {
	fields := map[string]any{}
	for col, v := range map[string]*string{"name": n.Name, "given_name": n.GivenName, "family_name": n.FamilyName} {
		if v != nil {
			fields[col] = *v
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return s.updateUser(ctx, id, "set names", fields)
}

// SyncUserProfile sets the email and display name a connector reported
// for an account it vouched for, in one statement; nothing is written
// when both are as stored.
func (s *Store) SyncUserProfile(ctx context.Context, u *User, email, name string) error {
	if u.Email == email && u.Name == name {
		return nil
	}
	if err := s.updateUser(ctx, u.ID, "sync profile", map[string]any{"email": email, "name": name}); err != nil {
		return err
	}
	u.Email, u.Name = email, name
	return nil
}

// UserSetup is what a first sign-in (or a sign-in after a reset) sets:
// a new password and, when the security question is on, a question and the
// hash of its normalised answer.
type UserSetup struct {
	// PasswordHash is written only when not empty (a directory user's
	// setup chooses the question alone).
	PasswordHash string
	// Question and AnswerHash are written only when Question is not
	// empty; otherwise the stored question and answer are kept.
	Question   string
	AnswerHash string
}

// FinishSetup stores a user's first-sign-in setup and clears the
// must-change-password mark, in one statement.
func (s *Store) FinishSetup(ctx context.Context, id string, setup UserSetup) error {
	fields := map[string]any{"must_change_password": false}
	if setup.PasswordHash != "" {
		fields["password_hash"] = setup.PasswordHash
	}
	if setup.Question != "" {
		fields["question"] = setup.Question
		fields["answer_hash"] = setup.AnswerHash
	}
	if setup.PasswordHash != "" {
		return s.updateForgetting(ctx, id, "finish setup", fields)
	}
	return s.updateUser(ctx, id, "finish setup", fields)
}

// updateUser applies one typed mutation's columns to one user; the column
// map never leaves this package. ErrNotFound when there is no such user.
func (s *Store) updateUser(ctx context.Context, id, what string, fields map[string]any) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("%s: %w", what, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// updateForgetting is updateUser for a mutation that changes the password:
// the account's remembered browsers are forgotten in the same transaction
// (a new password asks for the passcode again everywhere).
func (s *Store) updateForgetting(ctx context.Context, id, what string, fields map[string]any) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", id).Updates(fields)
		if res.Error != nil {
			return fmt.Errorf("%s: %w", what, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return forgetBrowsers(tx, id)
	})
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

// SetUserLang records the language of a user's last sign-in.
func (s *Store) SetUserLang(ctx context.Context, id, lang string) error {
	if err := s.db.WithContext(ctx).Exec(`UPDATE users SET lang = ? WHERE id = ?`, lang, id).Error; err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}
