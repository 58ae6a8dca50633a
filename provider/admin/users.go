package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// NewUser is a user to create. The user sets a new password and security
// question at the first sign-in. Name is the display name, GivenName and
// FamilyName its parts; any may be empty, each is trimmed and checked with
// CheckName.
type NewUser struct {
	Username   string
	Email      string
	Name       string
	GivenName  string
	FamilyName string
	Password   string // the initial password, hashed before it is stored
	RequireMFA bool
}

// User returns the user named username (case-insensitively).
func (s *Service) User(ctx context.Context, username string) (*store.User, error) {
	u, err := s.store.UserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %q", ErrUserNotFound, username)
	}
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

// Users returns every user, ordered by username.
func (s *Service) Users(ctx context.Context) ([]store.User, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// UserFilter narrows UserList; every set field must hold.
type UserFilter struct {
	Locked   bool // a passcode lock, or a password/answer lock in force
	MFA      bool // two-factor required for the account
	NoDevice bool // no device enrolled
}

// UserRow is one account of UserList with what the list shows of it.
type UserRow struct {
	store.User
	HasDevice bool
	// LockedUntil is the end of a password/answer lock in force (zero
	// when none); the passcode lock is User.OTPLocked.
	LockedUntil time.Time
}

// UserList lists the accounts that match f, by username.
func (s *Service) UserList(ctx context.Context, f UserFilter) ([]UserRow, error) {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	devices, err := s.store.UsersWithDevice(ctx)
	if err != nil {
		return nil, err
	}
	now := s.store.Now().Unix()
	var rows []UserRow
	for _, u := range users {
		r := rowOf(u, devices[u.ID], now)
		if (f.Locked && !u.OTPLocked && r.LockedUntil.IsZero()) || (f.MFA && !u.RequireMFA) || (f.NoDevice && r.HasDevice) {
			continue
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// UserRowOf is the account named username as UserList shows it, read by
// itself (ErrUserNotFound when there is none).
func (s *Service) UserRowOf(ctx context.Context, username string) (*UserRow, error) {
	u, err := s.User(ctx, username)
	if err != nil {
		return nil, err
	}
	_, err = s.store.DeviceByUser(ctx, u.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("load device: %w", err)
	}
	r := rowOf(*u, err == nil, s.store.Now().Unix())
	return &r, nil
}

// rowOf is u's row of the list at now (unix seconds).
func rowOf(u store.User, hasDevice bool, now int64) UserRow {
	r := UserRow{User: u, HasDevice: hasDevice}
	if u.LoginLockedUntil > now {
		r.LockedUntil = time.Unix(u.LoginLockedUntil, 0)
	}
	return r
}

// AddUser creates a user who must choose a new password and security
// question at the first sign-in.
func (s *Service) AddUser(ctx context.Context, actor string, nu NewUser) (*store.User, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	if err := CheckUsername(nu.Username); err != nil {
		return nil, err
	}
	if err := CheckEmail(nu.Email); err != nil {
		return nil, err
	}
	for _, n := range []struct{ flag, value string }{{"name", nu.Name}, {"given-name", nu.GivenName}, {"family-name", nu.FamilyName}} {
		if err := CheckName(n.flag, n.value); err != nil {
			return nil, err
		}
	}
	if err := s.checkPassword(nu.Password, nu.Username, nu.Email); err != nil {
		return nil, err
	}
	id, err := s.newUserID()
	if err != nil {
		return nil, err
	}
	u := &store.User{ID: id, Username: store.NormalizeUsername(nu.Username), Email: nu.Email,
		Name: strings.TrimSpace(nu.Name), GivenName: strings.TrimSpace(nu.GivenName), FamilyName: strings.TrimSpace(nu.FamilyName),
		PasswordHash: s.hasher.Hash(credential.NormalizePassword(nu.Password)), MustChangePassword: true, RequireMFA: nu.RequireMFA}
	detail := "user created; must set a new password and security question at first sign-in"
	if u.RequireMFA {
		detail += "; require-mfa on"
	}
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			err := s.store.CreateUser(ctx, u)
			var lookAlike *store.LookAlikeError
			if errors.As(err, &lookAlike) {
				return invalid("username", fmt.Sprintf("username %q looks like the existing user %q (a character that looks the same); choose another", u.Username, lookAlike.Existing))
			}
			switch {
			case errors.Is(err, store.ErrConflict):
				return fmt.Errorf("%w: %q", ErrUsernameTaken, u.Username)
			case err != nil:
				return fmt.Errorf("create user: %w", err)
			}
			return nil
		},
		event: userEvent(store.EventAdminUser, u, detail),
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SetPassword gives a user a temporary password: they must choose a new
// one at the next sign-in, and their sessions and tokens are revoked.
func (s *Service) SetPassword(ctx context.Context, actor, username, password string) (*store.User, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	if err := s.checkPassword(password, u.Username, u.Email); err != nil {
		return nil, err
	}
	hash := s.hasher.Hash(credential.NormalizePassword(password))
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			return s.userUpdate(s.store.SetUserPassword(ctx, u.ID, hash, true), u)
		},
		revoke: u.ID,
		event: userEvent(store.EventAdminUser, u,
			"temporary password set (must change it at the next sign-in); sessions and tokens revoked"),
	})
	if err != nil {
		return nil, err
	}
	u.PasswordHash, u.MustChangePassword = hash, true
	return u, nil
}

// SetDisabled disables a user, revoking their sessions and tokens, or
// enables them again.
func (s *Service) SetDisabled(ctx context.Context, actor, username string, disabled bool) (*store.User, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	c := change{
		apply: func(ctx context.Context) error { return s.userUpdate(s.store.SetUserDisabled(ctx, u.ID, disabled), u) },
		event: userEvent(store.EventAdminUser, u, "enabled"),
	}
	if disabled {
		c.revoke = u.ID
		c.event.Detail = "disabled; sessions and tokens revoked"
	}
	if err := s.run(ctx, actor, c); err != nil {
		return nil, err
	}
	u.Disabled = disabled
	return u, nil
}

// RequireMFA turns the user's own two-factor requirement on or off.
func (s *Service) RequireMFA(ctx context.Context, actor, username string, on bool) (*store.User, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error { return s.userUpdate(s.store.SetUserRequireMFA(ctx, u.ID, on), u) },
		event: userEvent(store.EventAdminUser, u, "set require-mfa "+onOff(on)),
	})
	if err != nil {
		return nil, err
	}
	u.RequireMFA = on
	return u, nil
}

// SetAdmin grants or revokes the administrator role (the web console).
// Granting it turns the account's two-factor requirement on; revoking it
// leaves the requirement as it is.
func (s *Service) SetAdmin(ctx context.Context, actor, username string, on bool) (*store.User, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	detail := "revoked admin role"
	if on {
		detail = "granted admin role; require-mfa on"
	}
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error { return s.userUpdate(s.store.SetUserAdmin(ctx, u.ID, on), u) },
		event: userEvent(store.EventAdminUser, u, detail),
	})
	if err != nil {
		return nil, err
	}
	u.Admin = on
	if on {
		u.RequireMFA = true
	}
	return u, nil
}

// target checks the actor and loads the user an action is about.
func (s *Service) target(ctx context.Context, actor, username string) (*store.User, error) {
	if err := checkActor(actor); err != nil {
		return nil, err
	}
	return s.User(ctx, username)
}

// userUpdate maps a store error of an update to user u.
func (s *Service) userUpdate(err error, u *store.User) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrUserNotFound, u.Username)
	}
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.Username, err)
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
