package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/otpgate/otpgate/provider/store"
)

// RememberedBrowsers lists the user's remembered browsers (those that skip
// the passcode until they expire), most recently used first. Each is named
// by its public id, never by the token its cookie holds.
func (s *Service) RememberedBrowsers(ctx context.Context, username string) ([]store.RememberedBrowser, error) {
	u, err := s.User(ctx, username)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.RememberedBrowsers(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list remembered browsers: %w", err)
	}
	return rows, nil
}

// RevokeRememberedBrowser forgets one remembered browser of the user: its
// next sign-in asks for the passcode. An id that names none of the user's
// is ErrBrowserNotFound.
func (s *Service) RevokeRememberedBrowser(ctx context.Context, actor, username, id string) error {
	if err := CheckBrowserID(id); err != nil {
		return err
	}
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return err
	}
	return s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			err := s.store.RevokeRememberedBrowser(ctx, u.ID, id)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: %q", ErrBrowserNotFound, id)
			}
			return err
		},
		event: userEvent(store.EventBrowserForgotten, u, "remembered browser "+Clip(id, 64)+" revoked"),
	})
}

// RevokeRememberedBrowsers forgets every remembered browser of the user
// and reports how many there were.
func (s *Service) RevokeRememberedBrowsers(ctx context.Context, actor, username string) (int64, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			var err error
			n, err = s.store.RevokeRememberedBrowsers(ctx, u.ID)
			return err
		},
		event:    userEvent(store.EventBrowserForgotten, u, ""),
		describe: func() string { return "every remembered browser revoked (" + strconv.FormatInt(n, 10) + ")" },
	})
	return n, err
}

// browserIDLength is the length of a remembered browser's id: 26
// characters of the RFC 4648 base32 alphabet.
const browserIDLength = 26

// CheckBrowserID refuses what cannot be a remembered browser's id.
func CheckBrowserID(id string) error {
	if len(id) != browserIDLength || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		return invalid("browser", fmt.Sprintf("a remembered browser is named by %d characters (A–Z, 2–7), as the list gives it", browserIDLength))
	}
	return nil
}
