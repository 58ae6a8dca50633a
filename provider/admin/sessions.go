package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// SessionHandleLength is the length of a session's handle: the first hex
// digits of its stored id (itself the SHA-256 of the browser's cookie).
// The handle names a session to an administrator without handing out the
// whole key it is stored under.
const SessionHandleLength = 16

// SessionInfo is a browser session (single sign-on) as an administrator
// sees it.
type SessionInfo struct {
	Handle    string
	AMR       []string
	ACR       string
	IDP       string // the connector of the first factor; "" for otpgate's password
	AuthTime  time.Time
	CreatedAt time.Time
	// ExpiresAt is when the session ends unless used again (its idle
	// deadline, moved by each use, never past its absolute end).
	ExpiresAt time.Time
}

// Sessions returns the user's live browser sessions, newest first.
func (s *Service) Sessions(ctx context.Context, username string) ([]SessionInfo, error) {
	u, err := s.User(ctx, username)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.SessionsOfUser(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out := make([]SessionInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, SessionInfo{Handle: handleOf(r.ID), AMR: r.AMR, ACR: r.ACR, IDP: r.IDP,
			AuthTime: r.AuthTime, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt})
	}
	return out, nil
}

func handleOf(id string) string {
	if len(id) < SessionHandleLength {
		return id
	}
	return id[:SessionHandleLength]
}

// CheckSessionHandle refuses what cannot be a session's handle.
func CheckSessionHandle(h string) error {
	if len(h) != SessionHandleLength || strings.Trim(h, "0123456789abcdef") != "" {
		return invalid("session", fmt.Sprintf("a session is named by %d lower-case hex digits, as the session list gives it", SessionHandleLength))
	}
	return nil
}

// RevokeSession ends one browser session of the user: that browser must
// sign in again. Tokens already issued stay valid until they expire
// (RevokeSessions revokes them too). A handle that names none of the
// user's live sessions is ErrSessionNotFound.
func (s *Service) RevokeSession(ctx context.Context, actor, username, handle string) error {
	if err := CheckSessionHandle(handle); err != nil {
		return err
	}
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return err
	}
	rows, err := s.store.SessionsOfUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	var id string
	for _, r := range rows {
		if handleOf(r.ID) == handle {
			if id != "" { // two sessions share the handle: name neither
				return fmt.Errorf("%w: %s", ErrSessionNotFound, handle)
			}
			id = r.ID
		}
	}
	if id == "" {
		return fmt.Errorf("%w: %s", ErrSessionNotFound, handle)
	}
	return s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			err := s.store.DeleteUserSession(ctx, u.ID, id)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: %s", ErrSessionNotFound, handle)
			}
			return err
		},
		event: userEvent(store.EventAdminUser, u, "session "+handle+" revoked (single sign-on of that browser ended)"),
	})
}

// RevokeSessions ends every browser session of the user and revokes their
// tokens; it returns how many sessions were live.
func (s *Service) RevokeSessions(ctx context.Context, actor, username string) (int, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return 0, err
	}
	rows, err := s.store.SessionsOfUser(ctx, u.ID)
	if err != nil {
		return 0, fmt.Errorf("list sessions: %w", err)
	}
	err = s.run(ctx, actor, change{
		apply:  func(context.Context) error { return nil },
		revoke: u.ID,
		event:  userEvent(store.EventAdminUser, u, fmt.Sprintf("all sessions (%d live) and tokens revoked", len(rows))),
	})
	return len(rows), err
}
