package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/store"
)

// A connector's identity (a directory entry, an upstream's subject) is
// linked to one account for good, by the connector's id and the
// identity's stable subject, never by a name.

// errNoUsername: the connector's identity has no username an account can
// have.
var errNoUsername = errors.New("signin: the connector's identity has no usable username")

// errUsernameTaken: the connector's username belongs to an account that
// is not this identity's.
var errUsernameTaken = errors.New("signin: the connector's username belongs to another account")

// linkedAccount is the account of identity id that connectorID (a
// directory, an upstream provider) vouched for: the one linked to it, or
// a new one created and linked now, with no otpgate password. A username
// that belongs to another account (a local one, or another identity's)
// is never taken over: errUsernameTaken.
func (s *Service) linkedAccount(ctx context.Context, j *Journey, connectorID string, id connector.Identity) (*store.User, error) {
	provider := connector.LinkProvider(connectorID)
	for range 2 {
		u, err := s.store.UserByLink(ctx, provider, id.Subject)
		if err == nil {
			if err := s.store.SyncUserProfile(ctx, u, id.Email, id.Name); err != nil {
				s.log.WarnContext(ctx, "connector profile not updated", "user_id", u.ID, "err", err)
			}
			return u, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, fault(err)
		}
		name := strings.TrimSpace(id.Username)
		if name == "" || len(name) > maxUsernameLen || strings.ContainsAny(name, " \t\r\n") {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, errNoUsername)
		}
		uid, err := s.newUserID()
		if err != nil {
			return nil, internal(err)
		}
		u = &store.User{ID: uid, Username: name, Email: id.Email, Name: id.Name}
		err = s.store.CreateLinkedUser(ctx, u, &store.UserLink{Provider: provider, Subject: id.Subject})
		var lookAlike *store.LookAlikeError
		switch {
		case err == nil:
			s.record(ctx, j, Event{Name: store.EventLinked, User: u,
				Detail: "account created and linked at its first sign-in"})
			return u, nil
		case errors.As(err, &lookAlike), errors.Is(err, store.ErrConflict):
			// Either another sign-in of the same identity created it just
			// now (found by its link on the second pass), or the name is
			// someone else's.
			continue
		default:
			return nil, fault(err)
		}
	}
	s.record(ctx, j, Event{Name: store.EventSignInFailed, Step: StepPassword,
		Detail: "step password; the username " + id.Username + " belongs to another account"})
	return nil, errUsernameTaken
}
