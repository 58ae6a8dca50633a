package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/otpgate/otpgate/provider/store"
)

// ErrIdentityLinked: the identity elsewhere is already linked to an
// account (a link is never moved; unlink it first).
var ErrIdentityLinked = errors.New("admin: identity already linked")

// LinkEntraUser links an Entra ID user, named by its tenant id and object
// id (both GUIDs), to an account: an Entra external authentication method
// then asks that account's passcode whenever Entra names the user.
func (s *Service) LinkEntraUser(ctx context.Context, actor, username, tenantID, objectID string) (*store.User, error) {
	if !guidPattern.MatchString(tenantID) {
		return nil, invalid("entra-tenant", "entra-tenant is required: the directory (tenant) id, a GUID")
	}
	if !guidPattern.MatchString(objectID) {
		return nil, invalid("entra-oid", "entra-oid is required: the user's object id in Entra ID, a GUID")
	}
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	tenantID, objectID = strings.ToLower(tenantID), strings.ToLower(objectID)
	link := &store.UserLink{Provider: store.LinkProviderEntra(tenantID), Subject: objectID, UserID: u.ID}
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			switch err := s.store.LinkUser(ctx, link, false); {
			case errors.Is(err, store.ErrConflict):
				return fmt.Errorf("%w: Entra user %s of tenant %s", ErrIdentityLinked, objectID, tenantID)
			case err != nil:
				return fmt.Errorf("link user %s: %w", u.Username, err)
			}
			return nil
		},
		event: userEvent(store.EventAdminUser, u, "linked Entra user "+objectID+" of tenant "+tenantID),
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UnlinkEntraUser removes the link of an Entra ID user to an account.
func (s *Service) UnlinkEntraUser(ctx context.Context, actor, username, tenantID, objectID string) (*store.User, error) {
	u, err := s.target(ctx, actor, username)
	if err != nil {
		return nil, err
	}
	tenantID, objectID = strings.ToLower(tenantID), strings.ToLower(objectID)
	links, err := s.store.LinksOf(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	found := false
	for _, l := range links {
		found = found || (l.Provider == store.LinkProviderEntra(tenantID) && l.Subject == objectID)
	}
	if !found {
		return nil, invalid("entra-oid", fmt.Sprintf("%s is not linked to Entra user %s of tenant %s", u.Username, objectID, tenantID))
	}
	err = s.run(ctx, actor, change{
		apply: func(ctx context.Context) error {
			return s.store.UnlinkUser(ctx, store.LinkProviderEntra(tenantID), objectID)
		},
		event: userEvent(store.EventAdminUser, u, "unlinked Entra user "+objectID+" of tenant "+tenantID),
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Links lists the identities elsewhere linked to an account.
func (s *Service) Links(ctx context.Context, username string) ([]store.UserLink, error) {
	u, err := s.User(ctx, username)
	if err != nil {
		return nil, err
	}
	return s.store.LinksOf(ctx, u.ID)
}
